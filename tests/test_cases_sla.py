"""SLA timers with a fake clock: reminders, escalations, downtime, rating timeout,
and the batched group-thread updates for reporters who never started the bot."""
from __future__ import annotations

from sqlalchemy import select

from bot import cases
from bot.context import AppContext
from bot.db.models import Timer
from tests.cases_kit import (
    GROUP_CHAT,
    World,
    act,
    events,
    fire,
    get_case,
    make_world,
    outbox,
    say,
    texts,
)

LIGHT = "3号楼2单元楼道灯坏了好几天了"


async def test_accept_reminder_then_escalation_chain(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id  # normal: 2 h to accept
    await fire(ctx, minutes=89)
    assert not any("还未受理" in t for t in texts(await outbox(ctx, cw.w1.tg_id)))
    await fire(ctx, minutes=2)  # 91 min: 75% of 2 h passed
    assert sum("还未受理" in t for t in texts(await outbox(ctx, cw.w1.tg_id))) == 1
    await fire(ctx, minutes=30)  # 2 h 1 min: deadline passed
    case = await get_case(ctx, cid)
    assert case.level == "community" and case.escalations == 1
    assert any("超时未受理" in t for t in texts(await outbox(ctx, cw.organizer.tg_id)))
    assert any("上报至社区" in t for t in texts(await outbox(ctx, cw.resident.tg_id)))
    await fire(ctx, hours=2)
    case = await get_case(ctx, cid)
    assert case.level == "street"
    assert any("上报至街道" in t for t in texts(await outbox(ctx, cw.street.tg_id)))
    await fire(ctx, hours=5)
    assert (await get_case(ctx, cid)).escalations == 2  # no level above the street


async def test_accepting_stops_the_accept_clock(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    await act(ctx, cases.accept, cid, who=cw.w1)
    await fire(ctx, hours=3)
    case = await get_case(ctx, cid)
    assert case.level == "grid" and case.escalations == 0


async def test_resolve_reminder_and_escalation(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    await act(ctx, cases.accept, cid, who=cw.w1)  # 3 days to resolve
    await fire(ctx, hours=55)
    assert sum("办结时限" in t and "抓紧" in t for t in texts(await outbox(ctx, cw.w1.tg_id))) == 1
    await fire(ctx, hours=18)
    case = await get_case(ctx, cid)
    assert case.level == "community"
    assert "escalated" in await events(ctx, cid)


async def test_missed_during_downtime_fires_once(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    ctx.clock.advance(hours=2, minutes=30)  # the bot was down across reminder and deadline
    assert await fire(ctx) >= 2
    assert await fire(ctx) == 0
    case = await get_case(ctx, cid)
    assert case.escalations == 1
    # the reminder is skipped when its deadline has passed too: one message, the escalation
    assert not any("还未受理" in t for t in texts(await outbox(ctx, cw.w1.tg_id)))
    async with ctx.pool() as s:
        late = list(await s.scalars(select(Timer).where(Timer.late.is_(True))))
    assert late


async def test_urgent_deadlines_are_shorter_and_configurable(ctx: AppContext) -> None:
    cw = await make_world(ctx, settings={"sla": {"urgent": {"accept_minutes": 10,
                                                                "resolve_hours": 4}}})
    cid = (await say(ctx, cw.resident, "5栋电梯又坏了，有人被困！快来", 1)).case.id
    case = await get_case(ctx, cid)
    assert case.accept_due == ctx.clock.now().replace() + (case.accept_due - case.opened_at)
    assert (case.accept_due - case.opened_at).total_seconds() == 600
    await fire(ctx, minutes=11)
    assert (await get_case(ctx, cid)).level == "community"


async def test_suggestions_have_no_deadline(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, "建议小区多装几个充电桩", 1)).case.id
    case = await get_case(ctx, cid)
    assert case.kind == "suggestion" and case.accept_due is None
    await fire(ctx, days=10)
    assert (await get_case(ctx, cid)).escalations == 0


async def test_no_rating_in_three_days_closes_as_unrated(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.resolve, cid, who=cw.w1, note="好了", photo=None)
    await fire(ctx, days=2, hours=23)
    assert (await get_case(ctx, cid)).status == "resolved"
    await fire(ctx, hours=2)
    case = await get_case(ctx, cid)
    assert case.status == "closed" and case.close_reason == "unrated" and case.rating is None


async def test_reopened_case_not_closed_by_old_rating_timer(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.resolve, cid, who=cw.w1, note="好了", photo=None)
    await act(ctx, cases.rate, cid, 0, 3, who=cw.resident)
    await fire(ctx, days=4)
    assert (await get_case(ctx, cid)).status == "accepted"


async def test_whistle_ack_deadline_escalates(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.resident, LIGHT, 1)).case.id
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.whistle, cid, who=cw.w1, department_id=cw.dept_id)
    await fire(ctx, hours=4, minutes=1)
    assert any("未在时限内报到" in t for t in texts(await outbox(ctx, cw.w1.tg_id)))
    assert (await get_case(ctx, cid)).level == "community"


async def test_group_reporter_gets_batched_thread_replies(ctx: AppContext, cw: World) -> None:
    cid = (await say(ctx, cw.neighbour, LIGHT, 7)).case.id  # never started the bot
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.progress, cid, who=cw.w1, text="电工下午到，电话13900001111")
    assert len(await outbox(ctx, GROUP_CHAT)) == 1  # only the card so far
    await fire(ctx, minutes=11)
    group = await outbox(ctx, GROUP_CHAT)
    assert len(group) == 2
    digest = group[1].payload
    assert "已接单" in digest["text"] and "电工下午到" in digest["text"]
    assert "13900001111" not in digest["text"]
    assert digest["reply_parameters"]["message_id"] == 7
    await act(ctx, cases.resolve, cid, who=cw.w1, note="修好了", photo=None)
    await fire(ctx, minutes=11)
    last = (await outbox(ctx, GROUP_CHAT))[-1].payload
    assert "修好了" in last["text"]
    assert [b["text"] for b in last["reply_markup"]["inline_keyboard"][0]] == [
        "满意", "基本满意", "不满意"]
