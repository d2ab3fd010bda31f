import asyncio
from datetime import timedelta

from sqlalchemy import select

from scheduler import timers
from bot.db.models import Timer
from bot.db.session import transaction

FIRED: list[tuple[str, bool]] = []


@timers.handles("test.ping")
async def _ping(session, timer, ctx) -> None:
    FIRED.append((timer.ref, timer.late))


@timers.handles("test.boom")
async def _boom(session, timer, ctx) -> None:
    raise RuntimeError("boom")


async def test_schedule_is_idempotent_and_fires_once(ctx, clock):
    FIRED.clear()
    due = clock.now() + timedelta(minutes=10)
    for _ in range(2):
        async with transaction(ctx.pool) as session:
            await timers.schedule(session, "test.ping", "a", due)
    assert await timers.fire_due(ctx) == 0
    clock.advance(minutes=10)
    assert await timers.fire_due(ctx) == 1
    assert await timers.fire_due(ctx) == 0
    assert FIRED == [("a", False)]


async def test_missed_during_downtime_fires_late_once(ctx, clock):
    FIRED.clear()
    async with transaction(ctx.pool) as session:
        await timers.schedule(session, "test.ping", "b", clock.now() + timedelta(hours=1))
    clock.advance(hours=9)  # the bot was down
    results = await asyncio.gather(timers.fire_due(ctx), timers.fire_due(ctx))
    assert sum(results) == 1
    assert FIRED == [("b", True)]


async def test_cancel(ctx, clock):
    FIRED.clear()
    async with transaction(ctx.pool) as session:
        await timers.schedule(session, "test.ping", "c", clock.now())
        assert await timers.cancel(session, "test.ping", "c") == 1
    assert await timers.fire_due(ctx) == 0 and FIRED == []


async def test_a_failing_timer_is_retried_then_marked_failed(ctx, clock):
    async with transaction(ctx.pool) as session:
        await timers.schedule(session, "test.boom", "d", clock.now())
    for _ in range(5):
        await timers.fire_due(ctx)
        clock.advance(hours=1)
    async with ctx.pool() as session:
        timer = await session.scalar(select(Timer).where(Timer.ref == "d"))
    assert timer.status == "failed" and timer.attempts == 5 and "boom" in timer.last_error
