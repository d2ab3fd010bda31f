"""The outbox sender against the local Bot API server: limits, 429s, refusals, restarts."""
import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.clock import Clock
from bot.db.models import OutboxMessage, Person
from bot.db.session import transaction
from bot.delivery import outbox
from bot.delivery.pacer import Pacer
from bot.delivery.sender import Sender


@pytest.fixture
def live(ctx):
    return replace(ctx, clock=Clock())


@pytest.fixture
async def bot(sandbox):
    bot = sandbox.make_bot()
    yield bot
    await bot.session.close()


async def queue(ctx, chat_id: int, texts: list[str], **kw) -> None:
    async with transaction(ctx.pool) as session:
        for text in texts:
            await outbox.enqueue(session, chat_id, now=ctx.clock.now(), text=text, **kw)


def sent_texts(sb, chat_id: int) -> list[str]:
    return [m.text for m in sb.bot_messages(chat_id)]


async def statuses(ctx) -> list[str]:
    async with ctx.pool() as session:
        return list(await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def test_429_is_retried_after_retry_after_and_nothing_is_lost_or_doubled(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    alice.start_bot()
    group = sandbox.add_group("楼栋群", [alice])
    texts = [f"通知 {i}" for i in range(6)]
    await queue(live, group.id, texts)
    sandbox.inject("sendMessage", 429, retry_after=1, times=2)
    sender = Sender(live, bot, Pacer(per_chat_interval=0.05))
    assert await sender.flush(timeout=20) == 0
    assert sent_texts(sandbox, group.id) == texts
    calls = sandbox.requests_for("sendMessage")
    assert len(calls) == 8  # two refused, six delivered
    # The retry waited at least retry_after after the refusal.
    assert calls[2].time - calls[0].time >= 0.9
    assert await statuses(live) == ["sent"] * 6


async def test_per_chat_pace_is_respected(sandbox, bot, live):
    """The pacer's own clock decides (frozen here, moved by hand): a loaded machine can
    only slow the sends down, never make a message go before its time."""
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, ["一", "二", "三", "四"])
    t = [1000.0]
    sender = Sender(live, bot, Pacer(per_chat_interval=0.3, monotonic=lambda: t[0]))
    await sender.send_due()
    for text in ("二", "三", "四"):
        sent = sent_texts(sandbox, group.id)
        assert await sender.send_due() == pytest.approx(0.3)  # the pacer says: not yet
        t[0] += 0.29
        await sender.send_due()
        assert sent_texts(sandbox, group.id) == sent  # 0.29 s after the last: held
        t[0] += 0.01
        await sender.send_due()
        assert sent_texts(sandbox, group.id) == [*sent, text]
    assert await statuses(live) == ["sent"] * 4


async def test_group_limit_per_minute_holds_the_rest(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    await queue(live, group.id, [f"m{i}" for i in range(5)])
    pacer = Pacer(per_chat_interval=0, group_per_minute=3)
    sender = Sender(live, bot, pacer)
    for _ in range(3):  # one message per chat at a time: one per pass
        await sender.send_due()
    assert sent_texts(sandbox, group.id) == ["m0", "m1", "m2"]
    # the other two wait for the minute to pass, however long the three took to send
    assert pacer.wait_time(group.id) > 30
    assert await sender.flush(timeout=0.5) == 2 and len(sent_texts(sandbox, group.id)) == 3


async def test_server_errors_are_retried_with_backoff(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    alice.start_bot()
    await queue(live, alice.id, ["您的工单已受理"])
    sandbox.inject("sendMessage", 502, times=1)
    sandbox.inject("sendMessage", "drop", times=1)
    # A short backoff base: the doubling is the same, the test need not wait 1 + 2 s.
    await Sender(live, bot, Pacer(per_chat_interval=0), retry_base=0.05).flush(timeout=15)
    assert "您的工单已受理" in sent_texts(sandbox, alice.id)
    async with live.pool() as session:
        row = await session.scalar(select(OutboxMessage))
    assert row.status == "sent" and row.attempts == 3


async def test_refusals_are_final_and_marked(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    alice.start_bot()
    alice.block()
    async with transaction(live.pool) as session:
        session.add(Person(tg_id=alice.id, name="Alice", started_bot=True))
    await queue(live, alice.id, ["提醒"])
    await queue(live, -999999, ["发到不存在的群"])
    await Sender(live, bot, Pacer(per_chat_interval=0)).flush(timeout=5)
    assert await statuses(live) == ["dead", "dead"]
    assert len(sandbox.requests_for("sendMessage")) == 2  # not retried
    async with live.pool() as session:
        person = await session.scalar(select(Person))
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert person.blocked_bot
    assert "blocked" in rows[0].last_error and "chat not found" in rows[1].last_error


async def test_restart_mid_delivery_loses_nothing_and_sends_nothing_twice(sandbox, bot, live):
    alice = sandbox.add_user("Alice")
    group = sandbox.add_group("楼栋群", [alice])
    texts = [f"进展 {i}" for i in range(8)]
    await queue(live, group.id, texts)
    first = Sender(live, bot, Pacer(per_chat_interval=0.1))
    task = asyncio.create_task(first.run())
    await sandbox.wait_until(lambda: len(sent_texts(sandbox, group.id)) >= 3)
    first.stop()  # SIGTERM: the message in flight is finished and recorded
    await task
    second = Sender(live, bot, Pacer(per_chat_interval=0.1))  # a fresh process
    assert await second.flush(timeout=10) == 0
    assert sent_texts(sandbox, group.id) == texts


async def test_dedupe_key_queues_a_message_once(live):
    async with transaction(live.pool) as session:
        a = await outbox.enqueue(session, 5, now=live.clock.now(), dedupe_key="k", text="x")
        b = await outbox.enqueue(session, 5, now=live.clock.now(), dedupe_key="k", text="x")
        assert a is b
    assert await statuses(live) == ["pending"]
