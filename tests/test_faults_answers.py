"""Issue 12 (B): callback answers go after the commit; a late answer Telegram refuses
("query is too old") is logged, not retried, and never undoes the action."""
from __future__ import annotations

from tests.test_cases_e2e import LIGHT, case_row, setup

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def test_refused_late_answer_keeps_the_accept_and_plus_one(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, LIGHT)
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    sb.inject("answerCallbackQuery", 400, description=TOO_OLD, times=2)
    sb.press(zhang, task, "接单")
    await world.settle()
    case = await case_row(world, "东湖-2026-0001")
    assert case.status == "accepted" and case.assignee_id is not None
    # the answer said something: the worker is told by message instead
    told = await sb.wait_for(zhang.id, lambda m: m.body.startswith("已接单"))
    assert "东湖-2026-0001" in told.body
    sb.press(wang, card, "我也遇到 (+0)")  # a +1 whose answer is refused as well
    await world.settle()
    assert "(+1)" in " ".join(sb.messages(group)[-1].button_texts + card.button_texts)
    answers = sb.requests_for("answerCallbackQuery")
    assert [r.status for r in answers] == [400, 400]  # refused once each, not retried
    assert not [r for r in sb.requests if r.status == 500]
