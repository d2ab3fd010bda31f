"""Timer handlers of projects: the stale-project reminder to the organizer, the notice
when a milestone date passes undone, and the weekly digest per group (which
schedules its next week when it fires). Registered by `bot.projects.wire()`."""
from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.context import AppContext
from bot.db.models import GroupChat, Person, Timer
from bot.db.models.projects import ACTIVE, CLOSED, Milestone, Project, ProjectGroup, ProjectUpdate
from bot.delivery import outbox
from bot.org import service as org
from bot.projects import texts as T
from bot.projects.announce import notify_groups, send_post
from bot.projects.render import digest_text
from bot.projects.schedule import (
    DIGEST,
    STALE,
    WEEK,
    project_ref,
    ref_id,
    reschedule,
    stale_days,
)
from scheduler import timers


def _after_quiet(ctx: AppContext, now: datetime) -> datetime:
    quiet = outbox.parse_quiet_hours(ctx.settings.quiet_hours)
    return outbox.after_quiet_hours(now, quiet, ctx.tz)


async def _organizers_to_remind(session: AsyncSession, project: Project) -> list[Person]:
    creator = await session.get(Person, project.created_by_id) if project.created_by_id else None
    people = [creator] if creator is not None else await org.organizers(session,
                                                                        project.community_id)
    return [p for p in people if p.tg_id and p.started_bot and not p.blocked_bot]


async def stale_reminder(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    now = ctx.clock.now()
    project = await session.get(Project, ref_id(timer.ref))
    if project is None or project.stage not in ACTIVE:
        return
    days = await stale_days(session, project.community_id)
    quiet_since = project.last_activity_at + timedelta(days=days)
    if quiet_since > now:  # there was news after all: count again from it
        await reschedule(session, STALE, timer.ref, quiet_since)
        return
    idle = (now - project.last_activity_at).days
    for person in await _organizers_to_remind(session, project):
        assert person.tg_id is not None
        await outbox.enqueue(
            session, person.tg_id, now=now, not_before=_after_quiet(ctx, now), parse_mode="HTML",
            ref=project_ref(project.id), dedupe_key=f"prj:{project.id}:stale:{timer.id}:{person.id}",
            text=T.STALE_REMINDER.format(id=project.id, title=escape(project.title), days=idle),
        )
    await reschedule(session, STALE, timer.ref, now + timedelta(days=days))  # remind again later


async def milestone_overdue(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    now = ctx.clock.now()
    milestone = await session.get(Milestone, ref_id(timer.ref))
    if milestone is None or milestone.done_at is not None or milestone.due_date is None:
        return
    project = await session.get(Project, milestone.project_id)
    if project is None or project.stage not in ACTIVE:
        return
    text = T.MILESTONE_OVERDUE.format(id=project.id, title=escape(project.title),
                                      milestone=escape(milestone.title), date=milestone.due_date)
    await notify_groups(session, project.id, text, now=now, key=f"prj:ms:{milestone.id}",
                        not_before=_after_quiet(ctx, now))


async def weekly_digest(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    now = ctx.clock.now()
    group = await session.get(GroupChat, ref_id(timer.ref))
    if group is None or not group.active:
        return
    since, until = timer.due_at - WEEK, timer.due_at
    projects = list(await session.scalars(
        select(Project).join(ProjectGroup, ProjectGroup.project_id == Project.id)
        .where(ProjectGroup.group_chat_id == group.id)
        .options(selectinload(Project.milestones)).order_by(Project.id)
    ))
    items = []
    for project in projects:
        last = await session.scalar(
            select(ProjectUpdate).where(ProjectUpdate.project_id == project.id,
                                        ProjectUpdate.at >= since, ProjectUpdate.at < until)
            .order_by(ProjectUpdate.at.desc(), ProjectUpdate.id.desc()).limit(1)
        )
        if last is not None:
            items.append((project, (last.text.splitlines() or [""])[0]))
    if items:
        await send_post(session, group.chat_id, digest_text(items), now=now, photos=[],
                        key=f"prj:digest:{timer.id}", ref=timer.ref)
    if any(p.stage != CLOSED for p in projects):
        due = timer.due_at + WEEK
        while due <= now:  # fired late: do not replay missed weeks
            due += WEEK
        await timers.schedule(session, DIGEST, timer.ref, due)
