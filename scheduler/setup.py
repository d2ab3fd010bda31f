"""APScheduler: one frequent tick fires due Timer rows (the source of truth).
Misfire grace and coalescing are set on purpose: after downtime the tick runs
once at start-up and catches up every missed timer, marking them late."""
from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import AppContext
from scheduler import jobs

TICK_SECONDS = 15


def build_scheduler(ctx: AppContext) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=ctx.settings.tz,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    scheduler.add_job(jobs.tick, "interval", seconds=TICK_SECONDS, args=[ctx], id="tick",
                      replace_existing=True, next_run_time=ctx.clock.now())
    return scheduler
