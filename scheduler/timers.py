"""Database-row schedules. Every deadline, reminder, poll open/close and digest is a
Timer row; the scheduler's tick fires due rows once each, in their own transaction,
so a restart neither misses nor doubles one (missed ones fire late, marked late)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.context import AppContext
from bot.db.models import Timer
from bot.db.session import reading, transaction

TIMERS = Timer.__table__

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Timer, AppContext], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
LATE_AFTER = timedelta(minutes=5)


# Session.info keys: the soonest due_at scheduled in the open transaction, and the
# callback (set per session factory by the scheduler) told about it after commit.
_SOONEST = "linli.timers.soonest"
_ON_COMMIT = "linli.timers.on_commit"


def register(handlers: Mapping[str, Handler]) -> None:
    """Register timer handlers by kind, at composition (a feature's wire())."""
    HANDLERS.update(handlers)


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Deprecated decorator form of register(); features register in wire()."""
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def on_commit(
    pool: async_sessionmaker[AsyncSession], callback: Callable[[datetime], None]
) -> None:
    """After a session of `pool` commits timers, call `callback(soonest due_at)`
    (the scheduler uses it to tick early instead of waiting for the next tick)."""
    info = dict(pool.kw.get("info") or {})
    info[_ON_COMMIT] = callback
    pool.configure(info=info)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    soonest = session.info.pop(_SOONEST, None)
    callback = session.info.get(_ON_COMMIT)
    if soonest is not None and callback is not None:
        callback(soonest)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_SOONEST, None)


async def schedule(
    session: AsyncSession, kind: str, ref: str, due_at: datetime,
    payload: dict[str, Any] | None = None, *, fresh: bool = False,
) -> None:
    """Idempotent: the same (kind, ref, due_at) is one row, whoever asks twice; a row
    cancelled meanwhile (an edit, a reschedule) is pending again, one already fired is
    left alone. `fresh`: `ref` names a row created in this transaction (a case just
    opened), so no timer of it can exist yet: the look-up is skipped. A Core INSERT."""
    if not fresh:
        existing = await session.scalar(
            select(Timer).where(Timer.kind == kind, Timer.ref == ref, Timer.due_at == due_at)
        )
        if existing is not None:
            if existing.status == "cancelled":
                existing.status = "pending"
                _note_soonest(session, due_at)
            return
    await session.execute(insert(TIMERS).values(kind=kind, ref=ref, due_at=due_at,
                                                payload=payload or {}))
    _note_soonest(session, due_at)


def _note_soonest(session: AsyncSession, due_at: datetime) -> None:
    soonest = session.info.get(_SOONEST)
    if soonest is None or due_at < soonest:
        session.info[_SOONEST] = due_at


async def cancel(session: AsyncSession, kind: str, ref: str) -> int:
    """Cancel every pending timer of this kind for this thing; returns how many."""
    result = await session.execute(
        update(Timer)
        .where(Timer.kind == kind, Timer.ref == ref, Timer.status == "pending")
        .values(status="cancelled")
    )
    return result.rowcount or 0


async def pending(session: AsyncSession, kind: str, ref: str) -> list[Timer]:
    rows = await session.scalars(
        select(Timer)
        .where(Timer.kind == kind, Timer.ref == ref, Timer.status == "pending")
        .order_by(Timer.due_at)
    )
    return list(rows)


async def fire_due(ctx: AppContext, limit: int = 200) -> int:
    """Fire every timer due now. Each in its own transaction; returns how many fired."""
    now = ctx.clock.now()
    async with reading(ctx.pool) as session:
        ids = list(
            await session.scalars(
                select(Timer.id)
                .where(Timer.status == "pending", Timer.due_at <= now)
                .order_by(Timer.due_at, Timer.id)
                .limit(limit)
            )
        )
    fired = 0
    for timer_id in ids:
        try:
            async with transaction(ctx.pool) as session:
                claimed = await session.execute(
                    update(Timer)
                    .where(Timer.id == timer_id, Timer.status == "pending")
                    .values(status="done", done_at=now)
                )
                if not claimed.rowcount:
                    continue  # another replica or an earlier tick took it
                timer = await session.get(Timer, timer_id)
                assert timer is not None
                timer.late = now - timer.due_at > LATE_AFTER
                handler = HANDLERS.get(timer.kind)
                if handler is None:
                    log.error("no handler for timer kind %s", timer.kind)
                    timer.status, timer.last_error = "failed", "no handler"
                    continue
                await handler(session, timer, ctx)
            fired += 1
        except Exception as exc:  # one bad timer must not stop the others
            log.exception("timer %s failed", timer_id)
            await _record_failure(ctx, timer_id, exc)
    if fired:
        ctx.outbox_event.set()
    return fired


async def _record_failure(ctx: AppContext, timer_id: int, exc: Exception) -> None:
    async with transaction(ctx.pool) as session:
        timer = await session.get(Timer, timer_id)
        if timer is None:
            return
        timer.attempts += 1
        timer.last_error = repr(exc)[:500]
        # Retry a few times with growing delay, then give up visibly.
        if timer.attempts < 5:
            timer.due_at = ctx.clock.now() + timedelta(minutes=2**timer.attempts)
        else:
            timer.status = "failed"
