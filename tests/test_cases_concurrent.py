"""Two residents report one problem at the same moment, handled by two replicas at
once (two transactions in flight together): one case and a +1, never two cases."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.db.models import Case
from tests import cases_kit as kit


async def test_one_problem_reported_at_once_opens_one_case(ctx):  # type: ignore[no-untyped-def]
    world = await kit.make_world(ctx)
    first, second = await asyncio.gather(
        kit.say(ctx, world.resident, "3号楼2单元电梯坏了，困在里面出不来", 11),
        kit.say(ctx, world.neighbour, "3号楼2单元电梯坏了，一直停在5楼不动", 12))
    assert sorted([first.outcome, second.outcome]) == ["linked", "opened"]
    async with ctx.pool() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
