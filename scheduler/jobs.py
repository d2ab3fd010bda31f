"""Jobs are thin calls into bot/ services."""
from __future__ import annotations

import logging

from scheduler import timers
from bot.context import AppContext
from scheduler import handlers  # noqa: F401  (registers timer handlers)

log = logging.getLogger(__name__)


async def tick(ctx: AppContext) -> int:
    """Fire every due timer row; woken early when a timer is scheduled soon."""
    return await timers.fire_due(ctx)
