import os
import uuid

import pytest

from bot.delivery.pacer import Pacer, RedisPacer, build_pacer


class Tick:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_one_message_per_second_per_chat():
    tick = Tick()
    pacer = Pacer(monotonic=tick)
    assert pacer.wait_time(5) == 0
    pacer.record(5)
    assert pacer.wait_time(5) == 1.0
    assert pacer.wait_time(6) == 0  # another chat is free
    tick.t += 1.0
    assert pacer.wait_time(5) == 0


def test_twenty_per_minute_per_group():
    tick = Tick()
    pacer = Pacer(per_chat_interval=0, monotonic=tick)
    for _ in range(20):
        assert pacer.wait_time(-100) == 0
        pacer.record(-100)
        tick.t += 0.5
    assert pacer.wait_time(-100) == 50.0  # the first one leaves the window at +60 s
    assert pacer.wait_time(100) == 0  # private chats are not group-limited


def test_thirty_per_second_overall():
    tick = Tick()
    pacer = Pacer(per_chat_interval=0, monotonic=tick)
    for chat in range(30):
        pacer.record(chat)
    assert pacer.wait_time(999) == 1.25  # a second, and the time to reach Telegram


def test_retry_after_blocks_the_chat():
    tick = Tick()
    pacer = Pacer(monotonic=tick)
    pacer.block(7, chat_id=5)
    assert pacer.wait_time(5) == 7
    assert pacer.wait_time(6) == 0


async def test_take_grants_in_order_up_to_the_limits():
    tick = Tick()
    pacer = Pacer(per_chat_interval=1.0, global_per_second=3, monotonic=tick)
    granted, wait = await pacer.take([1, 2, 3, 4])
    assert granted == [1, 2, 3]  # the fourth would be the 4th message this second
    assert wait == 1.0
    granted, _ = await pacer.take([5, 6], limit=1)
    assert granted == []  # still the same second
    tick.t += 1.25
    granted, _ = await pacer.take([1, 5, 6], limit=2)
    assert granted == [1, 5]


# One budget for all replicas: two pacers on one Redis (db 15 in CI) act as two
# replicas; each test uses its own key prefix so runs never share a budget.
REDIS = os.environ.get("LINLI_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS, reason="no Redis configured: set LINLI_TEST_REDIS_URL (CI: redis://…/15)")


@pytest.fixture
async def replicas():
    prefix = f"linli:test:pace:{uuid.uuid4().hex}:"
    made = [RedisPacer(REDIS, per_chat_interval=1.0, group_per_minute=5, global_per_second=8,
                       prefix=prefix) for _ in range(2)]
    yield made
    await made[0].redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1] .. '*')) do "
                             "redis.call('DEL', k) end", 0, prefix)
    for pacer in made:
        await pacer.close()


@needs_redis
async def test_replicas_share_the_per_chat_limit(replicas):
    a, b = replicas
    assert (await a.take([501]))[0] == [501]
    granted, wait = await b.take([501])
    assert granted == []  # the other replica just sent to this chat
    assert 0.5 < wait <= 1.0


@needs_redis
async def test_replicas_share_the_global_limit(replicas):
    a, b = replicas
    granted_a, _ = await a.take(list(range(1, 6)))
    granted_b, wait = await b.take(list(range(6, 12)))
    assert len(granted_a) + len(granted_b) == 8  # 8 per second, whoever sends
    assert granted_b == [6, 7, 8] and 0 < wait <= 1.0


@needs_redis
async def test_replicas_share_the_group_limit_per_minute(replicas):
    a, b = replicas
    a.per_chat_interval = b.per_chat_interval = 0.0
    sent = 0
    for _ in range(4):
        sent += len((await a.take([-100]))[0]) + len((await b.take([-100]))[0])
    assert sent == 5  # 5 per minute in this group across both replicas
    assert (await b.take([700]))[0] == [700]  # a private chat is not group-limited


@needs_redis
async def test_a_429_seen_by_one_replica_holds_the_chat_for_both(replicas):
    a, b = replicas
    await a.hold(3, chat_id=42)
    granted, wait = await b.take([42, 43])
    assert granted == [43]
    assert wait == 1.0  # at most a second: the sender looks again then
    await b.hold(2)  # everything
    assert (await a.take([44]))[0] == []


async def test_without_redis_the_replica_paces_itself():
    pacer = RedisPacer("redis://127.0.0.1:1/0", per_chat_interval=1.0)
    try:
        assert (await pacer.take([7]))[0] == [7]
        assert (await pacer.take([7]))[0] == []  # the local fallback keeps the limit
        await pacer.hold(1, 8)
        assert (await pacer.take([8]))[0] == []
    finally:
        await pacer.close()


def test_the_limits_are_shared_when_redis_is_configured(settings):
    assert isinstance(build_pacer(settings), Pacer)
    shared = build_pacer(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"}))
    assert isinstance(shared, RedisPacer)
