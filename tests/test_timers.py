import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import Clock, FakeClock
from bot.db.models import Timer
from bot.db.session import transaction
from scheduler import timers
from scheduler.setup import TICK_SECONDS, build_scheduler

FIRED: list[tuple[str, bool]] = []
RANG: asyncio.Queue[float] | None = None


async def _ping(session, timer, ctx) -> None:
    FIRED.append((timer.ref, timer.late))


async def _boom(session, timer, ctx) -> None:
    raise RuntimeError("boom")


async def _ring(session, timer, ctx) -> None:
    assert RANG is not None
    RANG.put_nowait(time.monotonic())


@pytest.fixture(autouse=True)
def handlers():
    """Registered explicitly, as features do in wire(); removed afterwards."""
    mapping = {"test.ping": _ping, "test.boom": _boom, "test.ring": _ring}
    timers.register(mapping)
    yield
    for kind in mapping:
        timers.HANDLERS.pop(kind, None)


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


async def test_a_timer_due_before_the_next_tick_fires_without_waiting_for_the_tick(ctx):
    global RANG
    RANG = asyncio.Queue()
    live = replace(ctx, clock=Clock(), timer_event=asyncio.Event())
    scheduler = build_scheduler(live)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)  # the first tick (at start) has run: the next is 15 s away
        next_tick = scheduler.next_tick()
        assert next_tick is not None
        assert next_tick - datetime.now(UTC) > timedelta(seconds=TICK_SECONDS - 2)
        started = time.monotonic()
        async with transaction(live.pool) as session:
            await timers.schedule(session, "test.ring", "soon",
                                  live.clock.now() + timedelta(seconds=0.3))
        rang = await asyncio.wait_for(RANG.get(), timeout=5)
        assert 0.25 <= rang - started < 5  # on time, long before the next tick
        # A timer committed in a transaction that rolled back wakes nothing.
        with pytest.raises(RuntimeError):
            async with transaction(live.pool) as session:
                await timers.schedule(session, "test.ring", "never", live.clock.now())
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.3)
        assert RANG.empty()
    finally:
        scheduler.shutdown()


@pytest.mark.parametrize("fake_now", [datetime(2000, 1, 1, tzinfo=UTC),
                                      datetime(2026, 11, 2, 1, tzinfo=UTC)])
async def test_start_schedules_the_tick_from_the_wall_clock_not_the_app_clock(ctx, fake_now):
    """A fake clock far in the past must not make APScheduler walk every 15-second
    run "missed" since then (the tick is on the wall clock)."""
    app_ctx = replace(ctx, clock=FakeClock(fake_now), timer_event=asyncio.Event())
    scheduler = build_scheduler(app_ctx)
    started = time.perf_counter()
    scheduler.start()
    try:
        await asyncio.sleep(0.05)  # the first tick runs at once
        assert time.perf_counter() - started < 1.0
        next_tick = scheduler.next_tick()
        assert next_tick is not None
        assert abs(next_tick - datetime.now(UTC)) < timedelta(seconds=TICK_SECONDS + 1)
    finally:
        scheduler.shutdown()
