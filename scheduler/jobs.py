"""Jobs are thin calls into the timer rows (scheduler.timers)."""
from __future__ import annotations

from bot.context import AppContext
from scheduler import timers

MAX_ROUNDS = 10


async def tick(ctx: AppContext) -> int:
    """Fire every due timer row, including those that firing made due (a handler's
    follow-up, or more than one batch); bounded so a frozen clock cannot spin."""
    total = 0
    for _ in range(MAX_ROUNDS):
        fired = await timers.fire_due(ctx)
        total += fired
        if not fired:
            break
    return total
