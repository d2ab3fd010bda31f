"""A case found on a grid worker's round (巡查, 主动发现) through the real bot: its source
on the worker's card, in /case and in the ledger; the worker who found it is not
treated as a resident (no confirmation as a reporter, no notices of their own steps,
no rating request), and resolving it closes it (nobody to rate it)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from bot.db.models import Case
from tests.test_rounds import setup, visit

PATROL = "来源：网格员巡查（主动发现）"
NUMBER = "东湖-2026-0001"


async def accept_via_case(world, user) -> str:  # type: ignore[no-untyped-def]
    """`user` presses 接单 on the case through /case (an organizer's card)."""
    user.say(user.id, f"/case {NUMBER}")
    card = await world.sb.wait_for(user.id, lambda m: m.body.startswith(f"📋 工单 {NUMBER}"))
    return await world.sb.press(user, card, "接单").text() or ""


async def _found(world):  # type: ignore[no-untyped-def]
    """A round's visit turned into a case; the worker's task card."""
    zhang, liu, chen = await setup(world)
    sb = world.sb
    zhang.say(zhang.id, "/round")
    menu = await sb.wait_for(zhang.id, lambda m: "走访开始" in m.body)
    done = await visit(world, zhang, menu, "3号楼", "2-301", "楼道灯坏了好几天，老人晚上看不见",
                       "📮 转为工单")
    assert f"转为工单 {NUMBER}" in done.text
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    return zhang, liu, task


async def test_a_case_found_on_a_round_shows_its_source_everywhere(world):
    zhang, liu, task = await _found(world)
    sb = world.sb
    assert PATROL in task.text and "私聊报事" not in task.text
    zhang.say(zhang.id, f"/case {NUMBER}")
    card = await sb.wait_for(zhang.id, lambda m: m.body.startswith(f"📋 工单 {NUMBER}"))
    assert PATROL in card.text
    liu.say(liu.id, "/export 2026-11-01 2026-11-30 csv")
    sent = await sb.wait_for(liu.id, lambda m: m.document is not None)
    rows = list(csv.DictReader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
    assert next(r for r in rows if r["编号"] == NUMBER)["来源"] == "网格员巡查（主动发现）"


async def test_the_worker_who_found_it_is_not_treated_as_a_resident(world):
    zhang, liu, task = await _found(world)
    sb = world.sb
    await world.settle()
    # the round's own answer shows the number: no resident's "已登记工单" confirmation
    assert not [m for m in sb.bot_messages(zhang.id) if "已登记工单" in m.body]
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await world.settle()
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    sb.send_photo(zhang, zhang.id, caption="已更换灯泡")  # facilities: a photo is required
    closed = await sb.wait_for(zhang.id, lambda m: "已办结。巡查发现的工单" in m.body)
    assert "等待居民评价" not in closed.text
    await world.settle()
    told = [m.body for m in sb.bot_messages(zhang.id)]
    assert not [t for t in told if "请您评价" in t]  # no rating request to the worker
    assert not [t for t in told if "您反映的工单" in t or "您巡查发现的工单" in t]  # own steps
    async with world.ctx.pool() as session:
        case = await session.scalar(select(Case).where(Case.number == NUMBER))
    assert case is not None and (case.status, case.close_reason, case.rating) == (
        "closed", "patrol", None)
    liu.say(liu.id, "/export 2026-11-01 2026-11-30 csv")
    sent = await sb.wait_for(liu.id, lambda m: m.document is not None)
    rows = list(csv.DictReader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
    assert next(r for r in rows if r["编号"] == NUMBER)["关闭原因"] == "巡查件无需评价"


async def test_others_steps_reach_the_finder_as_its_finder(world):
    """An organizer takes the case: the worker who found it hears, worded for the one
    who found it, not for a resident."""
    zhang, liu, task = await _found(world)
    sb = world.sb
    answer = await accept_via_case(world, liu)
    assert answer.startswith("已接单")
    told = await sb.wait_for(zhang.id, lambda m: "您巡查发现的工单" in m.body)
    assert "已接单" in told.text and "您反映的工单" not in told.text


async def test_a_resident_report_keeps_its_source_and_rating(world):
    """The other side: a resident's private /report says 私聊报事 and is rated as before."""
    zhang, liu, chen = await setup(world)
    sb = world.sb
    chen.say(chen.id, "3号楼2单元楼道灯坏了，晚上看不见")  # taken as /report
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    assert "来源：私聊报事" in task.text
    await sb.wait_for(chen.id, lambda m: "已登记工单" in m.body)
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await sb.wait_for(chen.id, lambda m: "您反映的工单" in m.body and "已接单" in m.body)
