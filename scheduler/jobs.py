"""Jobs are thin calls into the timer rows (scheduler.timers)."""
from __future__ import annotations

from bot.context import AppContext
from scheduler import timers


async def tick(ctx: AppContext) -> int:
    """Fire every due timer row."""
    return await timers.fire_due(ctx)
