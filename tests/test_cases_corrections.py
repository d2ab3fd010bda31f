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


async def test_corrections_become_training_rows(ctx: AppContext, cw: World,
                                                engine: AsyncEngine) -> None:
    import json

    from bot.cases.corrections import write_corrections

    got = await say(ctx, cw.resident, "3号楼的鸽子笼天天往下掉羽毛，太脏了", 30)
    await act(ctx, cases.reclassify, got.case.id, who=cw.organizer, category="greenery")
    await say(ctx, cw.resident, "5号楼电梯坏了", 31)  # not re-labelled: not a row
    out = io.StringIO()
    assert await write_corrections(engine, out) == 1
    row = json.loads(out.getvalue())
    assert row["text"].startswith("3号楼的鸽子笼") and row["category"] == "greenery"
    assert row["intent"] == "complaint" and row["urgency"] == "normal"


async def test_staff_see_why_a_case_was_classified(ctx: AppContext, cw: World) -> None:
    from bot.cases import render
    from tests.cases_kit import get_case

    got = await say(ctx, cw.resident, "3号楼楼道里一股燃气味", 40)
    assert render.reasons_line(got.case).startswith("判断依据：")
    await act(ctx, cases.reclassify, got.case.id, who=cw.organizer, category="sanitation")
    # re-labelled by a person: no stale reasons
    assert render.reasons_line(await get_case(ctx, got.case.id)) == ""
