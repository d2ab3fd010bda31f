"""Retention: raw inbox updates and sent outbox messages are deleted after
`Settings.retention_days` (default 30) by a daily timer ("privacy.purge"). Pending rows
are never touched: an update not yet handled, a message not yet sent."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import InboxUpdate, OutboxMessage, Timer
from scheduler import timers

log = logging.getLogger(__name__)
PURGE = "privacy.purge"
REF = "retention"
AT = time(3, 30)  # local time, when nobody is waiting for the bot


@dataclass(frozen=True)
class Purged:
    inbox: int
    outbox: int


async def purge(session: AsyncSession, now: datetime, days: int) -> Purged:
    """Delete handled inbox updates and finished outbox messages older than `days`."""
    cutoff = now - timedelta(days=days)
    inbox = await session.execute(delete(InboxUpdate).where(
        InboxUpdate.status.in_(("done", "failed")), InboxUpdate.received_at < cutoff))
    outbox = await session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_(("sent", "dead")), OutboxMessage.created_at < cutoff))
    return Purged(int(inbox.rowcount or 0), int(outbox.rowcount or 0))  # type: ignore[attr-defined]


def next_run(now: datetime, tz: Any) -> datetime:
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), AT, tzinfo=tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), AT, tzinfo=tz)
    return due.astimezone(now.tzinfo)


async def ensure_retention_timer(session: AsyncSession, now: datetime, tz: Any) -> datetime:
    """At start: the next purge, unless one is pending already; returns when it is due.
    Idempotent."""
    pending = await session.scalar(select(Timer.due_at).where(
        Timer.kind == PURGE, Timer.ref == REF, Timer.status == "pending"))
    if pending is not None:
        return pending
    due = next_run(now, tz)
    await timers.schedule(session, PURGE, REF, due)
    return due


async def on_purge_timer(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    now = ctx.clock.now()
    days = ctx.settings.retention_days
    done = await purge(session, now, days)
    log.info("retention: purged %d inbox updates and %d outbox messages older than %d days",
             done.inbox, done.outbox, days)
    await timers.schedule(session, PURGE, REF, next_run(now, ctx.tz))
