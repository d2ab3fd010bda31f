"""What every `linli` command shares: help layout and examples, errors, progress bars,
the settings and a migrated database engine. Imports nothing of the app, so a
feature's own commands (bot/reports/cli.py, bot/polls/cli.py) can use it."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from bot.config import Settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def examples(*lines: str) -> str:
    """An epilog of example command lines, kept as written by click's wrapping."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def load_settings() -> Settings:
    return Settings()


def fail(message: str, code: int = 1) -> click.exceptions.Exit:
    """Print `message` to stderr; the returned exception exits with `code` (raise it)."""
    click.echo(message, err=True)
    return click.exceptions.Exit(code)


@contextmanager
def progress(desc: str, unit: str) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on stderr (only on a terminal) fed by `update(done, total)`."""
    from tqdm import tqdm

    with tqdm(desc=desc, unit=unit, disable=None, leave=False, file=sys.stderr) as bar:
        def update(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        yield update


def with_engine(func: Callable[[Any], Any], upgrade: bool = True) -> int:
    """Run func(engine) on the configured database, migrated to the newest schema."""
    from bot.db import migrate
    from bot.db.session import create_engine

    async def go() -> int:
        engine = create_engine(load_settings().database_url)
        try:
            if upgrade:
                await migrate.upgrade(engine)
            return int(await func(engine) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(go())
