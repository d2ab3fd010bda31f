"""Residents' rights (/mydata, /forget) and retention (the daily purge), in the domain."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Case, InboxUpdate, OutboxMessage, Person, Role, Timer
from bot.db.models.polls import PollVote
from bot.db.session import transaction
from bot.polls import service as svc
from bot.privacy import ForgetAct, ForgetButton, forget_pressed, my_data, privacy_text
from bot.privacy.retention import PURGE, ensure_retention_timer
from scheduler.timers import fire_due
from tests.test_polls_service import START, build_org, spec, vote


async def _world(ctx, clock):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, opens_at=None), created_by_id=None,
                                now=clock.now())
        pid = poll.id
        person = await session.get(Person, ids["王阿姨"])
        person.phone, person.tg_id = "13812345678", 777
        session.add(Case(community_id=ids["community"], year=2026, seq=1, number="东湖-2026-0001",
                         text="1802的住户漏水，电话13812345678", category="other",
                         category_auto="other", opened_at=clock.now(),
                         reporter_id=ids["王阿姨"], room="1802"))
        session.add(InboxUpdate(update_id=1, status="done", payload={
            "update_id": 1, "message": {"from": {"id": 777}, "text": "我家1802漏水"}}))
        session.add(InboxUpdate(update_id=2, status="done", payload={
            "update_id": 2, "message": {"from": {"id": 888}, "text": "别人的话"}}))
    await vote(ctx, pid, ids["王阿姨"], [0])
    return ids


async def test_mydata_holds_everything_with_purposes(ctx, clock):  # type: ignore[no-untyped-def]
    ids = await _world(ctx, clock)
    async with ctx.pool() as session:
        person = await session.get(Person, ids["王阿姨"])
        upload = await my_data(session, person, ctx)
    data = json.loads(upload.data)
    assert data["profile"]["phone"] == "13812345678" and data["profile"]["telegram_id"] == 777
    assert data["cases"]["items"][0]["number"] == "东湖-2026-0001"
    assert data["votes"]["items"][0]["choices"] == ["同意"]
    assert [m["text"] for m in data["messages"]["items"]] == ["我家1802漏水"]
    assert data["roles"]["items"] and all(part["purpose"] for part in data.values())
    assert "30 天" in privacy_text(ctx)


async def test_forget_erases_the_person_and_keeps_anonymous_cases(ctx, clock):  # type: ignore[no-untyped-def]
    ids = await _world(ctx, clock)
    async with transaction(ctx.pool) as session:
        person = await session.get(Person, ids["王阿姨"])
        kept = await forget_pressed(session, person, ForgetButton(a=ForgetAct.KEEP), private=True)
        assert "没有删除" in kept
        done = await forget_pressed(session, person, ForgetButton(a=ForgetAct.CONFIRM),
                                    private=True)
    assert "工单 1 件" in done and "投票 1 条" in done
    async with ctx.pool() as session:
        assert await session.get(Person, ids["王阿姨"]) is None
        assert not list(await session.scalars(select(Role).where(Role.person_id == ids["王阿姨"])))
        assert await session.scalar(select(func.count()).select_from(PollVote)) == 0
        case = await session.scalar(select(Case))
        assert case.reporter_id is None and case.anonymous
        assert "13812345678" not in case.text and "1802" not in case.text
        assert [r.update_id for r in await session.scalars(select(InboxUpdate))] == [2]


async def test_retention_purges_old_rows_daily(ctx, clock, caplog):  # type: ignore[no-untyped-def]
    clock.set(START)
    old, fresh = START - timedelta(days=31), START - timedelta(days=2)
    async with transaction(ctx.pool) as session:
        session.add_all([
            InboxUpdate(update_id=10, status="done", payload={"x": 1}, received_at=old),
            InboxUpdate(update_id=11, status="pending", payload={"x": 1}, received_at=old),
            InboxUpdate(update_id=12, status="done", payload={"x": 1}, received_at=fresh),
            OutboxMessage(chat_id=1, method="sendMessage", payload={"text": "旧"}, status="sent",
                          not_before=old, created_at=old),
            OutboxMessage(chat_id=1, method="sendMessage", payload={"text": "待发"},
                          status="pending", not_before=old, created_at=old),
            OutboxMessage(chat_id=1, method="sendMessage", payload={"text": "新"}, status="sent",
                          not_before=fresh, created_at=fresh),
        ])
        first = await ensure_retention_timer(session, clock.now(), ctx.tz)
        again = await ensure_retention_timer(session, clock.now(), ctx.tz)
        assert first == again
        assert await session.scalar(select(func.count()).select_from(Timer).where(
            Timer.kind == PURGE, Timer.status == "pending")) == 1  # one timer, not two
    clock.set(first)
    with caplog.at_level("INFO", logger="bot.privacy.retention"):
        await fire_due(ctx)
    assert "purged 1 inbox updates and 1 outbox messages" in caplog.text
    async with ctx.pool() as session:
        assert sorted(r.update_id for r in await session.scalars(select(InboxUpdate))) == [11, 12]
        assert sorted(r.payload["text"] for r in await session.scalars(select(OutboxMessage))) \
            == ["待发", "新"]
        pending = list(await session.scalars(select(Timer).where(
            Timer.kind == PURGE, Timer.status == "pending")))
    assert len(pending) == 1 and pending[0].due_at == first + timedelta(days=1)


def test_logs_carry_no_values() -> None:
    from pydantic import BaseModel, ValidationError

    from bot.privacy.logs import describe_error, shape

    class M(BaseModel):
        n: int

    try:
        M.model_validate({"n": "13812345678 陈先生"})
    except ValidationError as exc:
        text = describe_error(exc)
    assert "13812345678" not in text and "陈" not in text and "n: int_parsing" in text
    assert shape({"update_id": 1, "message": {"text": "电话13812345678", "from": {}}}) \
        == "{update_id, message: {from, text}}"
    assert "13812345678" not in describe_error(RuntimeError("call 13812345678"))


async def test_privacy_mydata_forget_through_the_sandbox(world):  # type: ignore[no-untyped-def]
    sb = world.sb
    mei = sb.add_user("李梅")
    mei.start_bot()
    group = sb.add_group("东湖隐私测试群", [mei])
    mei.say(group, "/mydata")
    await sb.wait_for(group.id, lambda m: "私聊" in m.body)
    mei.say(mei.id, "/privacy")
    info = await sb.wait_for(mei.id, lambda m: "保存多久" in m.body)
    assert "/forget" in info.text
    mei.say(mei.id, "/mydata")
    sent = await sb.wait_for(mei.id, lambda m: m.document is not None)
    assert "李梅" in sent.document.data.decode()
    mei.say(mei.id, "/forget")
    ask = await sb.wait_for(mei.id, lambda m: "不能撤销" in m.body)
    await sb.press(mei, ask, "确认删除我的信息").answer()
    await world.settle()
    assert any("已删除您的个人信息" in m.body for m in sb.messages(mei.id))  # edited in place
    async with world.ctx.pool() as session:
        assert await session.scalar(select(Person).where(Person.tg_id == mei.id)) is None
