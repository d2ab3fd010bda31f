"""APScheduler: one frequent tick fires due Timer rows (the source of truth).

Misfire grace and coalescing are set on purpose: after downtime the tick runs once
at start-up and catches up every missed timer, marking them late.

The tick is scheduled on the wall clock (APScheduler's own time), never on the
app's clock: a fake or skewed ctx.clock must not make APScheduler enumerate
"missed" runs. A commit that schedules a timer due before the next tick wakes
the tick early (timers.schedule -> after commit -> ctx.timer_event -> TickWaker)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from scheduler import jobs, timers

log = logging.getLogger(__name__)
TICK_SECONDS = 15
TICK_JOB = "tick"


class Scheduler:
    """The APScheduler instance plus the task that wakes its tick early."""

    def __init__(self, ctx: AppContext, tick_seconds: float = TICK_SECONDS) -> None:
        self.ctx = ctx
        self.tick_seconds = tick_seconds
        self.aps = AsyncIOScheduler(
            timezone=ctx.settings.tz,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self._soonest: datetime | None = None
        self._waker: asyncio.Task[None] | None = None
        timers.on_commit(ctx.pool, self.wake_for)

    @property
    def running(self) -> bool:
        return bool(self.aps.running)

    def start(self) -> None:
        """First tick now (wall clock), then every tick_seconds."""
        self.aps.add_job(jobs.tick, "interval", seconds=self.tick_seconds, args=[self.ctx],
                         id=TICK_JOB, replace_existing=True, next_run_time=self._wall_now())
        self.aps.start()
        self._waker = asyncio.create_task(self._wake_loop(), name="scheduler-waker")

    def shutdown(self, wait: bool = False) -> None:
        if self._waker is not None:
            self._waker.cancel()
            self._waker = None
        if self.aps.running:
            self.aps.shutdown(wait=wait)

    def wake_for(self, due_at: datetime) -> None:
        """A timer due at `due_at` (ctx.clock time) was committed: tick by then."""
        if self._soonest is None or due_at < self._soonest:
            self._soonest = due_at
        self.ctx.timer_event.set()

    def next_tick(self) -> datetime | None:
        job = self.aps.get_job(TICK_JOB)
        return job.next_run_time if job is not None else None

    def _wall_now(self) -> datetime:
        return datetime.now(self.ctx.settings.tz)

    async def _wake_loop(self) -> None:
        event = self.ctx.timer_event
        while True:
            await event.wait()
            event.clear()
            due, self._soonest = self._soonest, None
            # ctx.timer_event set by anyone else means "tick now".
            delay = 0.0 if due is None else (due - self.ctx.clock.now()).total_seconds()
            when = self._wall_now() + timedelta(seconds=max(delay, 0.0))
            with contextlib.suppress(Exception):  # the scheduler may be shutting down
                nxt = self.next_tick()
                if nxt is not None and when < nxt:
                    self.aps.modify_job(TICK_JOB, next_run_time=when)


def build_scheduler(ctx: AppContext, tick_seconds: float = TICK_SECONDS) -> Scheduler:
    return Scheduler(ctx, tick_seconds)


__all__ = ["TICK_SECONDS", "Scheduler", "build_scheduler"]
