"""The projects' Timer rows: stale-project reminder, milestone due, weekly digest.
Only scheduling here; the handlers that fire them are in bot.projects.timers."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Community
from bot.db.models.projects import ACTIVE, Milestone, Project
from scheduler import timers

STALE, MILESTONE, DIGEST = "project.stale", "project.milestone", "project.digest"
STALE_DAYS = 14  # default; a community may set settings["project_stale_days"]
DIGEST_WEEKDAY, DIGEST_AT = 0, time(9, 0)  # Monday 09:00 local time
WEEK = timedelta(days=7)


def project_ref(project_id: int) -> str:
    return f"project:{project_id}"


def ref_id(ref: str) -> int:
    return int(ref.rsplit(":", 1)[1])


async def stale_days(session: AsyncSession, community_id: int) -> int:
    community = await session.get(Community, community_id)
    value = (community.settings or {}).get("project_stale_days") if community else None
    return value if isinstance(value, int) and value > 0 else STALE_DAYS


async def reschedule(session: AsyncSession, kind: str, ref: str, due_at: datetime) -> None:
    """Replace any pending timer of this kind for this thing by one at due_at."""
    await timers.cancel(session, kind, ref)
    await timers.schedule(session, kind, ref, due_at)  # revives one just cancelled


async def touch(session: AsyncSession, project: Project, *, now: datetime) -> None:
    """Something happened: the stale reminder counts again from now."""
    project.last_activity_at = now
    if project.stage in ACTIVE:
        days = await stale_days(session, project.community_id)
        await reschedule(session, STALE, project_ref(project.id), now + timedelta(days=days))
    else:
        await timers.cancel(session, STALE, project_ref(project.id))


def milestone_due(milestone: Milestone, tz: tzinfo) -> datetime | None:
    """The moment the planned day has passed: local midnight after it."""
    if milestone.due_date is None:
        return None
    day_after = milestone.due_date + timedelta(days=1)
    return datetime.combine(day_after, time(0, 0), tzinfo=tz).astimezone(UTC)


async def schedule_milestone(session: AsyncSession, milestone: Milestone, *, tz: tzinfo) -> None:
    due = milestone_due(milestone, tz)
    if due is not None:
        await timers.schedule(session, MILESTONE, f"milestone:{milestone.id}", due)


async def cancel_milestone(session: AsyncSession, milestone: Milestone) -> None:
    await timers.cancel(session, MILESTONE, f"milestone:{milestone.id}")


def next_digest(after: datetime, tz: tzinfo) -> datetime:
    local = after.astimezone(tz)
    day = local.date() + timedelta(days=(DIGEST_WEEKDAY - local.weekday()) % 7)
    when = datetime.combine(day, DIGEST_AT, tzinfo=tz)
    if when <= local:
        when += WEEK
    return when.astimezone(UTC)


async def ensure_digest(session: AsyncSession, group_chat_id: int, *, now: datetime,
                        tz: tzinfo) -> None:
    ref = f"group:{group_chat_id}"
    if not await timers.pending(session, DIGEST, ref):
        await timers.schedule(session, DIGEST, ref, next_digest(now, tz))


async def on_created(session: AsyncSession, project: Project, group_ids: list[int], *,
                     now: datetime, tz: tzinfo) -> None:
    await touch(session, project, now=now)
    for milestone in project.milestones:
        await schedule_milestone(session, milestone, tz=tz)
    for group_id in group_ids:
        await ensure_digest(session, group_id, now=now, tz=tz)


async def on_closed(session: AsyncSession, project: Project) -> None:
    await timers.cancel(session, STALE, project_ref(project.id))
    for milestone in project.milestones:
        await cancel_milestone(session, milestone)
