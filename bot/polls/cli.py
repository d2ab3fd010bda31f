"""`linli polls export N --format csv|xlsx [--out FILE]`: a poll's result and ballots."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.clikit import CONTEXT, examples, fail


@click.group(context_settings=CONTEXT, epilog=examples("linli polls export 12 --format csv"))
def polls() -> None:
    """Scheduled polls (民意调查): results and ballots."""


@polls.command("export", epilog=examples("linli polls export 12 --format csv",
                                         "linli polls export 12 --out 电梯加装投票.xlsx"))
@click.argument("poll", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True, help="xlsx has the sheets 结果 and 投票明细; csv has a BOM.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: poll-<N>.<format>).")
def export(poll: int, fmt: str, out: Path | None) -> int:
    """Export one poll's result and ballots. POLL is its number (#N)."""
    from bot.clikit import load_settings, with_engine
    from bot.db.session import create_session_factory
    from bot.polls import export as poll_export
    from bot.polls import service as poll_service

    settings = load_settings()
    path = out or Path(f"poll-{poll}.{fmt}")

    async def go(engine: Any) -> int:
        async with create_session_factory(engine)() as session:
            try:
                count = await poll_export.export(session, poll, path, fmt, settings.tz)
            except poll_service.PollError as exc:
                raise fail(str(exc)) from None
            await session.commit()  # the export_audit record
        click.echo(f"wrote poll #{poll} ({count} ballots) to {path}")
        return 0

    return with_engine(go)
