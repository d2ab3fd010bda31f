"""Scheduled polls at the service level: lifecycle with a fake clock, votes, recurrence,
restart (late timers), reports, project link, evaluation presets."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.context import AppContext
from bot.db.models import Community, Grid, GroupChat, OutboxMessage, Person, Timer
from bot.db.models.polls import Poll
from bot.db.session import transaction
from bot.org import service as org
from bot.polls import evaluation, votes
from bot.polls import service as svc
from bot.polls.schedule import (
    TimeInputError,
    next_occurrence,
    parse_duration,
    parse_recurrence,
    parse_when,
)
from bot.polls.spec import Spec, SpecError
from bot.polls.votes import Outcome
from scheduler.timers import fire_due

G1, G2 = -100501, -100502
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 Shanghai


async def build_org(ctx: AppContext) -> dict[str, int]:
    async with transaction(ctx.pool) as session:
        community = Community(name="东湖社区", code="东湖")
        session.add(community)
        await session.flush()
        g1 = Grid(community_id=community.id, name="一网格")
        g2 = Grid(community_id=community.id, name="二网格")
        session.add_all([g1, g2])
        await session.flush()
        session.add_all([GroupChat(chat_id=G1, title="一网格群", grid_id=g1.id),
                         GroupChat(chat_id=G2, title="二网格群", grid_id=g2.id)])
        ids = {"community": community.id}
        for name, tg in [("刘书记", 2001), ("王阿姨", 11), ("李师傅", 12), ("陈大爷", 13),
                         ("小赵", 14)]:
            person = await org.upsert_person(session, tg_id=tg, name=name)
            person.started_bot = True
            ids[name] = person.id
        liu = await session.get(Person, ids["刘书记"])
        assert liu is not None
        await org.grant(session, liu, "organizer", community.id)
        for name, household in [("王阿姨", "3-1-101"), ("李师傅", "3-1-101"), ("陈大爷", None)]:
            person = await session.get(Person, ids[name])
            assert person is not None
            person.household = household
            await org.grant(session, person, "resident", community.id)
    return ids


def spec(ids: dict[str, int], **kw) -> Spec:  # type: ignore[no-untyped-def]
    base = {"community_id": ids["community"], "question": "小区停车收费是否调整？",
                "options": ["同意", "不同意", "弃权"], "chat_ids": [G1, G2],
                "opens_at": START + timedelta(hours=1), "closes_at": START + timedelta(days=3),
                "anonymous": False}  # these tests follow a roll-call vote (the explicit choice)
    base.update(kw)
    return Spec(**base)


async def outbox_rows(ctx: AppContext) -> list[OutboxMessage]:
    async with ctx.pool() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def vote(ctx, poll_id, name_id, choices, chat_id=G1):  # type: ignore[no-untyped-def]
    async with transaction(ctx.pool) as session:
        poll = await session.get(Poll, poll_id)
        person = await session.get(Person, name_id)
        return await votes.record(session, poll, person, choices, chat_id=chat_id,
                                  now=ctx.clock.now())


async def fake_sent(ctx: AppContext) -> None:
    """Pretend the sender delivered every pending sendPoll (message ids, poll ids)."""
    from bot.delivery.outbox import ON_SENT

    async with transaction(ctx.pool) as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.on_sent.is_not(None)))
        for row in rows:
            row.status = "sent"
            result = {"message_id": 100 + row.id, "poll": {"id": f"tg{row.id}"}}
            await ON_SENT[row.on_sent](session, row, result)  # type: ignore[index]


async def test_lifecycle_open_votes_remind_close(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids), created_by_id=ids["刘书记"],
                                now=clock.now())
        pid = poll.id
    kinds = {(t.kind, t.due_at) for t in await _timers(ctx)}
    assert ("poll.open", START + timedelta(hours=1)) in kinds
    assert ("poll.remind", START + timedelta(days=2)) in kinds
    assert ("poll.remind", START + timedelta(days=3, hours=-2)) in kinds
    assert ("poll.close", START + timedelta(days=3)) in kinds
    assert (await vote(ctx, pid, ids["王阿姨"], [0])).outcome is Outcome.NOT_OPEN

    clock.advance(hours=1)
    await fire_due(ctx)
    polls = [r for r in await outbox_rows(ctx) if r.method == "sendPoll"]
    assert sorted(r.chat_id for r in polls) == sorted([G1, G2])
    assert polls[0].payload["is_anonymous"] is False
    await fake_sent(ctx)

    assert (await vote(ctx, pid, ids["王阿姨"], [0])).outcome is Outcome.COUNTED
    assert (await vote(ctx, pid, ids["王阿姨"], [1], chat_id=G2)).outcome is Outcome.CHANGED
    assert (await vote(ctx, pid, ids["李师傅"], [0])).outcome is Outcome.COUNTED
    assert (await vote(ctx, pid, ids["小赵"], [0])).outcome is Outcome.COUNTED
    assert (await vote(ctx, pid, ids["小赵"], [], chat_id=G2)).outcome is Outcome.UNCHANGED
    assert (await vote(ctx, pid, ids["小赵"], [])).outcome is Outcome.RETRACTED

    clock.advance(days=2)
    await fire_due(ctx)
    reminders = [r for r in await outbox_rows(ctx) if "将于" in r.payload.get("text", "")]
    assert len(reminders) == 2 and "已有 2 人投票" in reminders[0].payload["text"]

    clock.advance(days=1)
    await fire_due(ctx)
    rows = await outbox_rows(ctx)
    assert sorted(r.chat_id for r in rows if r.method == "stopPoll") == sorted([G1, G2])
    results = [r for r in rows if "结果：" in r.payload.get("text", "")]
    assert len(results) == 2
    text = results[0].payload["text"]
    assert "同意：1 票（50.0%）" in text and "不同意：1 票（50.0%）" in text
    assert "王阿姨" in text  # public results name the voters
    assert len([r for r in rows if r.method == "sendPhoto"]) == 2
    async with ctx.pool() as session:
        poll = await session.get(Poll, pid)
        assert poll.status == "closed" and poll.result["voters"] == 2
    assert (await vote(ctx, pid, ids["陈大爷"], [0])).outcome is Outcome.CLOSED
    # the chart renders with Chinese labels
    from bot.polls.render import chart_file

    async with ctx.pool() as session:
        png = await chart_file(session, pid)
    assert png.data[:4] == b"\x89PNG"


async def _timers(ctx: AppContext) -> list[Timer]:
    async with ctx.pool() as session:
        return list(await session.scalars(select(Timer).order_by(Timer.due_at)))


async def test_household_and_resident_rules(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, opens_at=None, eligibility="household"),
                                created_by_id=ids["刘书记"], now=clock.now())
        pid = poll.id
        assert poll.kind == "buttons" and poll.status == "open"
    assert (await vote(ctx, pid, ids["小赵"], [0])).outcome is Outcome.NOT_RESIDENT
    assert (await vote(ctx, pid, ids["陈大爷"], [0])).outcome is Outcome.NO_HOUSEHOLD
    assert (await vote(ctx, pid, ids["王阿姨"], [0])).outcome is Outcome.COUNTED
    assert (await vote(ctx, pid, ids["李师傅"], [1])).outcome is Outcome.HOUSEHOLD_TAKEN
    async with ctx.pool() as session:
        poll = await session.get(Poll, pid)
        tally = await votes.count(session, poll)
    assert tally.voters == 1 and tally.eligible == 1


async def test_validation_problems(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    bad = [
        ({"opens_at": START - timedelta(days=1)}, "opens"),
        ({"closes_at": START + timedelta(minutes=30)}, "closes"),
        ({"options": ["只有一个"]}, "options"),
        ({"options": ["好", "好"]}, "options"),
        ({"options": [str(i) for i in range(31)]}, "options"),
        ({"question": "问" * 301}, "question"),
        ({"options": ["长" * 101, "短"]}, "options"),
        ({"chat_ids": [-999]}, "groups"),
        ({"chat_ids": []}, "groups"),
    ]
    for kw, field in bad:
        async with transaction(ctx.pool) as session:
            with pytest.raises(SpecError) as info:
                await svc.create(session, ctx, spec(ids, **kw), created_by_id=None,
                                 now=clock.now())
        assert info.value.problems[0].field == field, kw
    async with ctx.pool() as session:
        assert not list(await session.scalars(select(Poll)))
    # 13 options are fine: they go out as buttons
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, options=[f"方案{i}" for i in range(13)]),
                                created_by_id=None, now=clock.now())
        assert poll.kind == "buttons"


async def test_restart_across_open_and_close_is_late_once(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, reminders=[]), created_by_id=None,
                                now=clock.now())
        pid = poll.id
    clock.advance(days=5)  # the bot was down over both the open and the close
    await fire_due(ctx)
    await fire_due(ctx)
    rows = await outbox_rows(ctx)
    intros = [r for r in rows if "民意调查 #" in r.payload.get("text", "")
              and "截止时间" in r.payload.get("text", "")]
    assert len(intros) == 2 and "晚开始" in intros[0].payload["text"]
    results = [r for r in rows if "结果：" in r.payload.get("text", "")]
    assert len(results) == 2 and "原定" in results[0].payload["text"]
    async with ctx.pool() as session:
        assert (await session.get(Poll, pid)).status == "closed"
    # the sendPoll went out after the close: it is stopped when its message id arrives
    await fake_sent(ctx)
    assert len([r for r in await outbox_rows(ctx) if r.method == "stopPoll"]) == 2


async def test_recurrence_creates_next(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    rule = parse_recurrence("每月17日 09:00")
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, opens_at=None, recurrence=rule,
                                                   closes_at=START + timedelta(days=2)),
                                created_by_id=None, now=clock.now())
        first = poll.id
    async with ctx.pool() as session:
        polls = list(await session.scalars(select(Poll).order_by(Poll.id)))
    assert len(polls) == 2
    nxt = polls[1]
    assert nxt.series_id == first and nxt.status == "scheduled" and nxt.occurrence == 2
    assert nxt.opens_at == datetime(2026, 12, 17, 1, 0, tzinfo=UTC)
    assert nxt.closes_at - nxt.opens_at == timedelta(days=2)
    clock.set(nxt.opens_at)
    await fire_due(ctx)
    async with ctx.pool() as session:
        polls = list(await session.scalars(select(Poll).order_by(Poll.id)))
    assert [p.status for p in polls] == ["closed", "open", "scheduled"]
    assert polls[2].opens_at == datetime(2027, 1, 17, 1, 0, tzinfo=UTC)


async def test_cancel_and_update_before_open(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        a = await svc.create(session, ctx, spec(ids), created_by_id=None, now=clock.now())
        b = await svc.create(session, ctx, spec(ids), created_by_id=None, now=clock.now())
        aid, bid = a.id, b.id
    async with transaction(ctx.pool) as session:
        await svc.cancel(session, aid)
        changed = spec(ids, question="改过的问题", options=["是", "否"], chat_ids=[G2])
        await svc.update(session, ctx, bid, changed, now=clock.now())
    clock.advance(days=4)
    await fire_due(ctx)
    rows = await outbox_rows(ctx)
    sent = [r for r in rows if r.method == "sendPoll"]
    assert [(r.chat_id, r.payload["question"]) for r in sent] == [(G2, "改过的问题")]
    async with transaction(ctx.pool) as session:
        with pytest.raises(svc.PollError):
            await svc.cancel(session, bid)


async def test_evaluation_poll_for_projects_and_report(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create_evaluation_poll(
            session, community_id=ids["community"], question="加装电梯是否通过？", chat_ids=[],
            opens_at=START, closes_at=START + timedelta(days=1), preset="approval", now=START)
        pid = poll.id
        assert poll.texts == ["同意", "不同意", "弃权"] and sorted(poll.chat_ids) == sorted([G1, G2])
    await fire_due(ctx)
    assert (await vote(ctx, pid, ids["王阿姨"], [0])).outcome is Outcome.COUNTED
    clock.advance(days=1)
    await fire_due(ctx)
    async with ctx.pool() as session:
        line = await svc.report_summary(session, ids["community"], START, START + timedelta(days=2))
        none = await svc.report_summary(session, ids["community"], START - timedelta(days=9),
                                        START)
    assert line is not None and "结束 1 次" in line and "参与 1 人次" in line
    assert none is None
    assert evaluation.preset("approval").texts == ["同意", "不同意", "弃权"]


def test_time_parsing() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    assert parse_when("2026-12-01 09:00", START, tz) == datetime(2026, 12, 1, 9, 0, tzinfo=tz)
    assert parse_when("明天 9点", START, tz) == datetime(2026, 11, 24, 9, 0, tzinfo=tz)
    assert parse_when("1月5日 18:30", START, tz).year == 2027
    with pytest.raises(TimeInputError):
        parse_when("下周吧", START, tz)
    assert parse_duration("3天") == timedelta(days=3)
    assert parse_duration("48小时") == timedelta(hours=48)
    assert parse_duration("abc") is None
    weekly = parse_recurrence("每周一 09:00")
    assert next_occurrence(weekly, START, tz) == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    cron = parse_recurrence("cron 0 9 * * 1")
    assert next_occurrence(cron, START, tz) == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    monthly31 = parse_recurrence("每月31日 08:00")
    assert next_occurrence(monthly31, START, tz) == datetime(2026, 11, 30, 8, 0, tzinfo=tz)
    assert parse_recurrence("不重复") is None
    with pytest.raises(TimeInputError):
        parse_recurrence("偶尔")


async def test_a_chatty_member_is_looked_up_once_a_day_per_group(ctx: AppContext) -> None:
    """Remembering who is in a group (the turnout base) costs a chatty resident's
    messages no lookup once known that day; a day later the row is refreshed, and an
    erased person's id (which SQLite may hand to the next person) is looked up anew."""
    from sqlalchemy import event

    from bot import events
    from bot.db.models.polls import PollMember

    ids = await build_org(ctx)
    wang = ids["王阿姨"]
    lookups = 0

    def count(conn, cursor, sql, *args):  # type: ignore[no-untyped-def]
        nonlocal lookups
        lookups += sql.lstrip().startswith("SELECT") and "opinion_members" in sql

    engine = ctx.pool.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)

    async def say(at: datetime, chat: int = G1) -> None:
        async with transaction(ctx.pool) as session:
            await votes.remember_member(session, chat, wang, at)

    async def seen() -> list[datetime]:
        event.remove(engine, "before_cursor_execute", count)  # not ours to count
        try:
            async with ctx.pool() as session:
                return list(await session.scalars(select(PollMember.seen_at).where(
                    PollMember.person_id == wang).order_by(PollMember.chat_id)))
        finally:
            event.listen(engine, "before_cursor_execute", count)

    try:
        for minute in range(6):
            await say(START + timedelta(minutes=minute))
        assert lookups == 2  # the first message adds the row, the second reads it
        await say(START, chat=G2)
        assert lookups == 3 and len(await seen()) == 2  # another group: its own row
        await say(START + timedelta(days=1, hours=1))
        assert lookups == 4
        assert START + timedelta(days=1, hours=1) in await seen()  # refreshed
        await say(START + timedelta(days=1, hours=2))
        await say(START + timedelta(days=1, hours=3))
        assert lookups == 5  # known again for the day
        async with transaction(ctx.pool) as session:
            await events.publish(session, None, events.PersonErasing(wang, START))
        await say(START + timedelta(days=1, hours=4))
        assert lookups == 6
    finally:
        event.remove(engine, "before_cursor_execute", count)
