"""Reclassification feeds `linli nlp suggest`."""
from __future__ import annotations

import io

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cases
from bot.cases.corrections import print_suggestions
from bot.context import AppContext
from tests.cases_kit import World, act, classifier, say


async def test_corrections_suggest_words(ctx: AppContext, cw: World, engine: AsyncEngine) -> None:
    for i in range(3):
        got = await say(ctx, cw.resident, f"{i + 1}号楼的鸽子笼天天往下掉羽毛，太脏了", 10 + i)
        await act(ctx, cases.reclassify, got.case.id, who=cw.organizer, category="greenery")
    out = io.StringIO()
    assert await print_suggestions(engine, ctx.settings, out, classifier()) == 0
    assert "greenery:" in out.getvalue()
