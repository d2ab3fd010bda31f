"""Cases organizers re-classified (category differs from the classifier's
category_auto): `linli nlp suggest` finds words in them, `linli nlp corrections` writes
them as labelled rows that `linli nlp train --add` learns from."""
from __future__ import annotations

from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import Settings
from bot.db.models import Case
from bot.db.session import create_session_factory


async def corrected(session: AsyncSession) -> list[tuple[str, str]]:
    """(text, corrected category) of every re-classified case."""
    rows = await session.execute(
        select(Case.text, Case.category).where(Case.category != Case.category_auto)
        .order_by(Case.id)
    )
    return [(text, category) for text, category in rows]


async def write_corrections(engine: AsyncEngine, out: TextIO) -> int:
    """The re-classified cases as training rows (JSON Lines); returns how many."""
    from nlp.cli import correction_rows, write_rows

    async with create_session_factory(engine)() as session:
        rows = await session.execute(
            select(Case.text, Case.kind, Case.category, Case.urgency)
            .where(Case.category != Case.category_auto).order_by(Case.id))
        return write_rows(correction_rows(tuple(r) for r in rows), out)


async def print_suggestions(engine: AsyncEngine, settings: Settings, out: TextIO,
                            classifier: Any = None) -> int:
    from nlp import Classifier
    from nlp.cli import run_suggest

    async with create_session_factory(engine)() as session:
        rows = await corrected(session)
    clf = classifier or Classifier.from_file(settings.rules_file)
    return run_suggest(rows, out, classifier=clf)
