"""`linli nlp suggest`: words from cases organizers re-classified (category differs
from the classifier's category_auto), to improve the rules."""
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


async def print_suggestions(engine: AsyncEngine, settings: Settings, out: TextIO,
                            classifier: Any = None) -> int:
    from nlp import Classifier
    from nlp.cli import run_suggest

    async with create_session_factory(engine)() as session:
        rows = await corrected(session)
    clf = classifier or Classifier.from_file(settings.rules_file)
    return run_suggest(rows, out, classifier=clf)
