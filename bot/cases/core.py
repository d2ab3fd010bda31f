"""Shared pieces of the case services: loading, numbering, timeline events."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.cases import notify
from bot.context import AppContext
from bot.db.models import Case, CaseEvent, Community, Person
from bot.errors import Refusal

MAX_TEXT = 2000  # stored; longer messages are cut (Telegram allows 4096)


class CaseRefused(Refusal):
    """An action that is not allowed now; str() is the Chinese answer for the user.
    Most come from a button press, so they show as an alert."""

    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


class InputRefused(CaseRefused):
    """Typed input that cannot be used as it is (empty, too long, a photo missing):
    the user is asked to send it again, and the step keeps waiting."""


async def load(session: AsyncSession, case_id: int, *, lock: bool = False) -> Case | None:
    stmt = select(Case).where(Case.id == case_id).options(selectinload(Case.photos))
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def by_number(session: AsyncSession, number: str) -> Case | None:
    return await session.scalar(
        select(Case).where(Case.number == number.strip()).options(selectinload(Case.photos))
    )


async def community_of(session: AsyncSession, case: Case) -> Community:
    community = await session.get(Community, case.community_id)
    assert community is not None
    return community


async def person(session: AsyncSession, person_id: int | None) -> Person | None:
    return await session.get(Person, person_id) if person_id else None


async def lock_community(session: AsyncSession, community_id: int) -> bool:
    """PostgreSQL: lock the community's row for this transaction, so that concurrent
    intakes (replicas) take turns: never one number twice, never two cases for one
    problem reported at the same moment; True: what others committed meanwhile is
    visible now, look again. SQLite: the write transaction is the lock (False)."""
    if session.get_bind().dialect.name == "sqlite":
        return False
    await session.execute(
        select(Community.id).where(Community.id == community_id).with_for_update())
    return True


async def next_number(
    session: AsyncSession, community: Community, now: datetime, ctx: AppContext
) -> tuple[int, int, str]:
    """Allocate the next case number of this community and year (under its lock)."""
    await lock_community(session, community.id)
    year = now.astimezone(ctx.tz).year
    last = await session.scalar(
        select(func.max(Case.seq)).where(Case.community_id == community.id, Case.year == year)
    )
    seq = (last or 0) + 1
    return year, seq, f"{community.code}-{year}-{seq:04d}"


async def event(
    session: AsyncSession, ctx: AppContext, case: Case, kind: str, now: datetime, *,
    actor: Person | None = None, text: str = "", public: bool = True,
    data: dict[str, Any] | None = None, tell: bool = True,
) -> CaseEvent:
    """Record one step in the timeline; public steps reach the reporter."""
    row = CaseEvent(case_id=case.id, at=now, actor_id=actor.id if actor else None, kind=kind,
                    text=text, public=public, data=dict(data or {}))
    if actor is not None:
        row.data.setdefault("actor", actor.name)
    session.add(row)
    await session.flush()
    if public and tell:
        await notify.tell_reporter(session, ctx, case, row, now)
    if public and kind in notify.VOICE_EVENTS:
        await notify.tell_voices(session, case, row, now)
    return row


async def events_of(session: AsyncSession, case_id: int) -> list[CaseEvent]:
    return list(await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ))


def clip(text: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    return text[:limit]
