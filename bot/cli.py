"""The `linli` command."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from bot.config import Settings, TokenError, check_token


def _settings() -> Settings:
    return Settings()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    try:
        token = check_token(settings)
    except TokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    if settings.org_file is not None:  # keep the database in step with the org file
        code = _import_org(settings.org_file)
        if code:
            return code
    from bot.app import run

    try:
        asyncio.run(run(settings, token))
    except TokenError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from demo.script import main as demo_main

    return asyncio.run(demo_main(fast=args.fast))


def _with_engine(func: Callable[[Any], Any], upgrade: bool = True) -> int:
    """Run func(engine) on the configured database, migrated to the newest schema."""
    from bot.db import migrate
    from bot.db.session import create_engine

    async def go() -> int:
        engine = create_engine(_settings().database_url)
        try:
            if upgrade:
                await migrate.upgrade(engine)
            return int(await func(engine) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def cmd_db(args: argparse.Namespace) -> int:
    from bot.db import migrate

    async def go(engine: Any) -> int:
        if args.action == "revision":
            await migrate.autogenerate(engine, args.message)
        print(f"database at revision {await migrate.current_revision(engine)}")
        return 0

    return _with_engine(go, upgrade=args.action != "current")


def cmd_org_import(args: argparse.Namespace) -> int:
    path = args.file or _settings().org_file
    if path is None:
        print("请给出组织架构文件 / give the org file: linli org import FILE "
              "(or set LINLI_ORG_FILE)", file=sys.stderr)
        return 2
    return _import_org(path)


def _import_org(path: Any) -> int:
    from bot.clock import Clock
    from bot.db.session import create_session_factory, transaction
    from bot.org.orgfile import OrgFileError, import_file
    from bot.reports.service import ensure_report_timers

    async def go(engine: Any) -> int:
        try:
            async with transaction(create_session_factory(engine)) as session:
                summary = await import_file(session, path)
                await ensure_report_timers(session, Clock().now(), _settings().tz)
        except OrgFileError as exc:
            print(f"组织架构文件有错误，未导入任何内容 / nothing imported:\n{exc}", file=sys.stderr)
            return 1
        print(f"imported {path}: {summary}")
        return 0

    return _with_engine(go)


def cmd_classify(args: argparse.Namespace) -> int:
    from nlp.cli import run_classify

    return run_classify(sys.stdin, sys.stdout, _settings().rules_file)


def cmd_nlp_eval(args: argparse.Namespace) -> int:
    from nlp.cli import run_eval

    return run_eval(args.file, sys.stdout, _settings().rules_file)


def cmd_nlp_suggest(args: argparse.Namespace) -> int:
    from bot.cases.corrections import print_suggestions

    return _with_engine(lambda engine: print_suggestions(engine, _settings(), sys.stdout))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="邻里 Linli community bot")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (long polling, or webhook if configured)") \
        .set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="a scripted day in a community, no token or network")
    demo.add_argument("--fast", action="store_true", help="no pauses between scenes")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "current", "revision"])
    db.add_argument("-m", "--message", default="change", help="revision message")
    db.set_defaults(func=cmd_db)

    org = sub.add_parser("org", help="organisation structure")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="load communities, grids, people from YAML")
    imp.add_argument("file", nargs="?", help="the YAML file (default: LINLI_ORG_FILE)")
    imp.set_defaults(func=cmd_org_import)

    sub.add_parser("classify", help="classify JSON Lines or text lines from stdin") \
        .set_defaults(func=cmd_classify)
    nlp = sub.add_parser("nlp", help="classifier tools")
    nlp_sub = nlp.add_subparsers(dest="nlp_command", required=True)
    ev = nlp_sub.add_parser("eval", help="score a labelled JSON Lines file")
    ev.add_argument("file")
    ev.set_defaults(func=cmd_nlp_eval)
    nlp_sub.add_parser("suggest", help="words from corrected cases missing in the rules") \
        .set_defaults(func=cmd_nlp_suggest)

    for extend in EXTENSIONS:
        extend(sub)
    return parser


# Feature modules add subcommands here (e.g. `linli export`).
EXTENSIONS: list[Callable[[Any], None]] = []


def _load_extensions() -> None:
    import importlib

    if EXTENSIONS:
        return
    for name in ("bot.reports.cli", "bot.polls.cli"):
        try:
            EXTENSIONS.append(importlib.import_module(name).register)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main(argv: list[str] | None = None) -> int:
    _load_extensions()
    args = build_parser().parse_args(argv)
    quiet = args.command in {"demo", "classify", "nlp", "export"}
    level = logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
