"""The `linli` command: run the bot, the demo, migrations, the org file, exports and the
classifier tools. Built with click; `linli COMMAND --help` explains each one."""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.clikit import CONTEXT, examples, fail, load_settings, progress, with_engine
from bot.config import TokenError, check_token

QUIET = {"demo", "classify", "nlp", "export", "polls"}  # their output is the point
CHATTY = ("apscheduler", "aiogram.event")  # a line per tick / per update: -v shows them


# --- the group ----------------------------------------------------------------------------

@click.group(context_settings=CONTEXT, epilog=examples(
    "linli demo", "linli org import my-org.yaml", "linli run", "linli COMMAND --help"))
@click.option("-v", "--verbose", is_flag=True, help="Debug logging (SQL migrations included).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """邻里 Linli: a Telegram bot for neighbourhood group chats.

    Settings come from LINLI_* environment variables or a .env file in the current
    folder (see the README)."""
    quiet = ctx.invoked_subcommand in QUIET
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
    _chatty(verbose)


def _chatty(verbose: bool) -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


@cli.command(epilog=examples("LINLI_BOT_TOKEN=123456:ABC… linli run",
                             "linli run -v   # every update and scheduler tick in the log"))
@click.option("-v", "--verbose", is_flag=True,
              help="Detailed log: each update, each scheduler tick, debug lines.")
def run(verbose: bool) -> int:
    """Run the bot: long polling, or a webhook if LINLI_WEBHOOK_URL is set.

    Needs LINLI_BOT_TOKEN. If LINLI_ORG_FILE is set, the org file is imported first
    and a bad file stops the start with its errors. Stop with Ctrl-C."""
    if verbose:
        logging.getLogger().setLevel(logging.DEBUG)
        _chatty(True)
    settings = load_settings()
    try:
        token = check_token(settings)
    except TokenError as exc:
        raise fail(str(exc), 2) from None
    if settings.org_file is not None:  # keep the database in step with the org file
        code = _import_org(settings.org_file)
        if code:
            return code
    from bot.app import run as run_app
    from nlp import RulesError

    try:
        asyncio.run(run_app(settings, token))
    except TokenError as exc:
        raise fail(str(exc), 2) from None
    except RulesError as exc:  # LINLI_RULES_FILE: every error, no traceback
        raise fail(str(exc)) from None
    return 0


@cli.command(epilog=examples("linli demo", "linli demo --fast", "linli demo --web"))
@click.option("--fast", is_flag=True, help="No pauses between the scenes.")
@click.option("--web", is_flag=True,
              help="Then keep the web desk (工作台) open on the demo's data, until Ctrl-C.")
@click.option("--port", type=int, default=8090, show_default=True,
              help="Port of the web desk with --web (on 127.0.0.1).")
def demo(fast: bool, web: bool, port: int) -> int:
    """A scripted day in a community: no token, no network.

    Starts a local Telegram Bot API server and the real bot against it, then plays
    residents, workers and organizers. With --web, the web desk stays open afterwards
    at http://127.0.0.1:8090/ on the same data."""
    from demo.script import main as demo_main

    return int(asyncio.run(demo_main(fast=fast, web=web, port=port)) or 0)


# --- db -------------------------------------------------------------------------------------

@cli.group(context_settings=CONTEXT, epilog=examples("linli db current", "linli db upgrade"))
def db() -> None:
    """Database migrations (Alembic) on LINLI_DATABASE_URL."""


def _db(action: str, message: str = "") -> int:
    from bot.db import migrate

    async def go(engine: Any) -> int:
        if action == "revision":
            await migrate.autogenerate(engine, message)
        click.echo(f"database at revision {await migrate.current_revision(engine)}")
        return 0

    return with_engine(go, upgrade=action != "current")


@db.command(epilog=examples("linli db current"))
def current() -> int:
    """Show the database's schema revision (changes nothing)."""
    return _db("current")


@db.command(epilog=examples(
    "linli db upgrade", "LINLI_DATABASE_URL=postgresql+asyncpg://u@host/linli linli db upgrade"))
def upgrade() -> int:
    """Migrate the database to the newest schema (linli run does this at start too)."""
    return _db("upgrade")


@db.command(epilog=examples('linli db revision -m "add case tags"'))
@click.option("-m", "--message", default="change", show_default=True,
              help="What the migration does; becomes its file name.")
def revision(message: str) -> int:
    """Write a new migration from the difference between the models and the database."""
    return _db("revision", message)


# --- org ------------------------------------------------------------------------------------

@cli.group(context_settings=CONTEXT, epilog=examples("linli org import my-org.yaml"))
def org() -> None:
    """The organisation: communities, grids, buildings, people, groups."""


@org.command("import", epilog=examples(
    "linli org import my-org.yaml", "LINLI_ORG_FILE=my-org.yaml linli org import"))
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def org_import(file: Path | None) -> int:
    """Load communities, grids, buildings and people from an org file (YAML).

    FILE defaults to LINLI_ORG_FILE. The file is checked first and every error is
    listed with its line; a bad file imports nothing. Importing again updates."""
    path = file or load_settings().org_file
    if path is None:
        raise fail("请给出组织架构文件 / give the org file: linli org import FILE "
                   "(or set LINLI_ORG_FILE)", 2)
    return _import_org(path)


def _import_org(path: Any) -> int:
    from bot import features
    from bot.clock import Clock
    from bot.db.session import create_session_factory, transaction
    from bot.org import OrgFileError, import_file
    from bot.reports import ensure_report_timers

    features.wire()  # features add their own org-file sections

    async def go(engine: Any) -> int:
        try:
            with progress("importing communities", "community") as update:
                async with transaction(create_session_factory(engine)) as session:
                    summary = await import_file(session, path, progress=update)
                    await ensure_report_timers(session, Clock().now(), load_settings().tz)
        except OrgFileError as exc:
            raise fail(f"组织架构文件有错误，未导入任何内容 / nothing imported:\n{exc}") from None
        click.echo(f"imported {path}: {summary}")
        return 0

    return with_engine(go)


# --- the classifier -------------------------------------------------------------------------

def _classifier() -> Any:
    """The configured classifier: the packaged one plus LINLI_RULES_FILE's words, if set."""
    from nlp import Classifier, RulesError

    try:
        return Classifier.from_file(load_settings().rules_file)
    except RulesError as exc:
        raise fail(str(exc)) from None


@cli.command(epilog=examples("echo '3号楼2单元楼道灯坏了一个星期了' | linli classify",
                             "linli classify < messages.jsonl > labels.jsonl",
                             "echo '楼道里一股燃气味' | linli classify --explain"))
@click.option("--explain", is_flag=True,
              help='Add "explain" (判断依据：the three strongest reasons) and "matched".')
def classify(explain: bool) -> int:
    """Classify messages from stdin: one JSON result per input line on stdout.

    Input lines are JSON objects {"id": …, "text": …} or plain text. Each result has
    intent, category, urgency, place and confidence. Exits 1 if a line was malformed.
    A word file in LINLI_RULES_FILE adds its words' weights."""
    from nlp.cli import run_classify

    return run_classify(sys.stdin, sys.stdout, classifier=_classifier(), explain=explain)


@cli.group(context_settings=CONTEXT, epilog=examples("linli nlp eval labelled.jsonl",
                                                     "linli nlp train",
                                                     "linli nlp suggest"))
def nlp() -> None:
    """Classifier tools: score it, train its weights, find words it misses."""


class _Counting:
    """A classifier that feeds a progress bar with every message it classifies."""

    def __init__(self, inner: Any, total: int, update: Callable[[int, int | None], None]
                 ) -> None:
        self._inner, self._total, self._update, self._done = inner, total, update, 0

    def classify(self, text: str) -> Any:
        self._done += 1
        self._update(min(self._done, self._total), self._total)
        return self._inner.classify(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@nlp.command("eval", epilog=examples("linli nlp eval tests/data/nlp_regression.jsonl",
                                     "linli nlp eval labelled.jsonl --json --no-errors"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON document.")
@click.option("--errors/--no-errors", default=True, show_default=True,
              help="List the misclassified rows with the reasons that fired.")
def nlp_eval(file: Path, as_json: bool, errors: bool) -> int:
    """Score the classifier on a labelled JSON Lines file.

    Each line: {"text", "intent", "category", "urgency", "building"?}. Prints intent
    accuracy, per-category precision/recall/F1, urgent precision/recall, place match
    and the confusion matrices (docs/nlp.md defines them)."""
    from nlp.cli import run_eval

    total = sum(1 for line in file.open(encoding="utf-8") if line.strip())
    with progress("classifying", "msg") as update:
        clf = _Counting(_classifier(), total, update)
        return run_eval(file, sys.stdout, as_json=as_json, show_errors=errors,
                        classifier=clf)  # type: ignore[arg-type]


@nlp.command("train", epilog=examples("linli nlp train",
                                      "linli nlp train --add corrections.jsonl",
                                      "linli nlp train mine.jsonl more.jsonl -o w.txt",
                                      "linli nlp train --select"))
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Weights file to write (default: the packaged nlp/data/weights.txt).")
@click.option("--select", is_flag=True,
              help="Only print the cross-validated figures of each option set; write nothing.")
@click.option("--add", "extra", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A labelled file to learn from on top of the default ones (e.g. the "
                   "output of `linli nlp corrections`).")
def nlp_train(files: tuple[Path, ...], out: Path | None, select: bool,
              extra: tuple[Path, ...]) -> int:
    """Learn the keyword weights from labelled messages (needs the "train" extra).

    FILES: labelled JSON Lines (default: tests/data/nlp_*.jsonl except the evaluation
    sets). Cross-validates on 5 folds, picks the urgency threshold for recall >= 0.95,
    writes the weights with the data's SHA-256 and the figures in the header."""
    import json

    try:
        from nlp import train as T
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise fail(f"{exc}: pip install -e '.[train]'") from None
    paths = (list(files) or T.default_training_files()) + list(extra)
    log = lambda s: click.echo(s, err=True)  # noqa: E731
    try:
        if select:
            T.select(paths, log, sys.stdout)
            return 0
        res = T.train(paths, out, log)
    except (ImportError, ValueError) as exc:
        raise fail(str(exc)) from None
    click.echo(json.dumps({"threshold": res["threshold"], "cv": res["cv"],
                           "cv_without_safety_rules": res["cv_without_safety_rules"],
                           "safety_rule_additions": res["safety_rule_additions"]},
                          ensure_ascii=False, indent=1))
    return 0


@nlp.command("corrections", epilog=examples(
    "linli nlp corrections -o corrections.jsonl && linli nlp train --add corrections.jsonl"))
@click.option("-o", "--out", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def nlp_corrections(out: Any) -> int:
    """The cases organizers re-classified, as labelled training rows (JSON Lines).

    Each re-labelled case becomes one row with its corrected category, so `linli nlp
    train --add FILE` teaches the weights this community's corrections."""
    from bot.cases.corrections import write_corrections

    n = with_engine(lambda engine: write_corrections(engine, out))
    click.echo(f"{n} rows", err=True)
    return 0


@nlp.command("suggest", epilog=examples("linli nlp suggest",
                                        "linli nlp suggest > my-words-todo.yaml"))
def nlp_suggest() -> int:
    """Candidate words for a word file, from the cases organizers re-labelled.

    Reads the corrections in the database; prints, per category, the words common in
    them that the classifier does not weigh for it yet, as a word file (words:) to
    edit and use as LINLI_RULES_FILE."""
    from bot.cases.corrections import print_suggestions

    clf = _classifier()
    return with_engine(lambda engine: print_suggestions(engine, load_settings(), sys.stdout, clf))


def _add_feature_commands() -> None:
    from bot.polls.cli import polls
    from bot.privacy.cli import mask_command
    from bot.reports.cli import export

    cli.add_command(export)
    cli.add_command(polls)
    cli.add_command(mask_command)
    from bot.people.cli import people  # linli people import (docs/people.md)

    cli.add_command(people)
    from web.cli import web_command  # the web desk (工作台), docs/web.md

    cli.add_command(web_command)


_add_feature_commands()


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="linli", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
