"""Scheduled reports, each a recurring Timer row per community (ref "community:<id>"):

- report.weekly  Mondays 08:30: last week's figures to the community's organizers;
- report.monthly the 1st, 10:00: last month's public summary (社情发布会) to every group;
- report.daily   daily 09:00: the 晾晒 list of overdue cases by worker to organizers.

Each firing schedules the next occurrence; `ensure_report_timers` creates the first
ones (idempotent; call it at start-up and after importing the organisation).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Community, Grid, Person, Timer
from bot.delivery import outbox
from bot.delivery.outbox import after_quiet_hours, parse_quiet_hours
from bot.org import service as org
from bot.reports import stats
from bot.reports import texts as T
from bot.reports.render import (
    extras_lines,
    figures_text,
    items,
    period_label,
    rates,
    span,
)
from bot.reports.stats import Period, Scope
from bot.taxonomy import category_name
from scheduler import timers

WEEKLY_AT = time(8, 30)
MONTHLY_AT = time(10, 0)
DAILY_AT = time(9, 0)
DAILY_PER_WORKER = 10
MAX_TEXT = 3900  # Telegram allows 4096


def _local_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def next_daily(after: datetime, tz: ZoneInfo) -> datetime:
    day = after.astimezone(tz).date()
    while _local_at(day, DAILY_AT, tz) <= after:
        day += timedelta(days=1)
    return _local_at(day, DAILY_AT, tz)


def next_weekly(after: datetime, tz: ZoneInfo) -> datetime:
    day = after.astimezone(tz).date()
    day -= timedelta(days=day.weekday())
    while _local_at(day, WEEKLY_AT, tz) <= after:
        day += timedelta(days=7)
    return _local_at(day, WEEKLY_AT, tz)


def next_monthly(after: datetime, tz: ZoneInfo) -> datetime:
    day = after.astimezone(tz).date().replace(day=1)
    while _local_at(day, MONTHLY_AT, tz) <= after:
        day = (day + timedelta(days=32)).replace(day=1)
    return _local_at(day, MONTHLY_AT, tz)


NEXT: dict[str, Callable[[datetime, ZoneInfo], datetime]] = {
    "report.weekly": next_weekly, "report.monthly": next_monthly, "report.daily": next_daily,
}


def _ref(community_id: int) -> str:
    return f"community:{community_id}"


# Other features' recurring timers, made at the same moments (start-up, org import):
# ensure(session, now, tz), added by their wire() (e.g. the monthly rankings).
ALSO_ENSURE: list[Callable[[AsyncSession, datetime, ZoneInfo], Awaitable[object]]] = []


async def ensure_report_timers(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """Give every community one pending timer of each report kind; returns how many made
    (of the reports' own kinds; ALSO_ENSURE are run too)."""
    made = 0
    for community_id in await session.scalars(select(Community.id).order_by(Community.id)):
        for kind, nxt in NEXT.items():
            if not await timers.pending(session, kind, _ref(community_id)):
                await timers.schedule(session, kind, _ref(community_id), nxt(now, tz))
                made += 1
    for ensure in ALSO_ENSURE:
        await ensure(session, now, tz)
    return made


async def _fired(session: AsyncSession, timer: Timer, ctx: AppContext) -> Community | None:
    """The timer's community, after scheduling the next occurrence (None: it is gone)."""
    community = await session.get(Community, int(timer.ref.split(":", 1)[1]))
    if community is None:
        return None
    after = max(timer.due_at, ctx.clock.now())
    await timers.schedule(session, timer.kind, timer.ref, NEXT[timer.kind](after, ctx.tz))
    return community


async def _staff_chats(session: AsyncSession, community_id: int) -> list[int]:
    return [p.tg_id for p in await org.organizers(session, community_id)
            if p.tg_id is not None and not p.blocked_bot]


async def _post(session: AsyncSession, ctx: AppContext, chats: list[int], text: str,
                key: str) -> None:
    now = ctx.clock.now()
    not_before = after_quiet_hours(now, parse_quiet_hours(ctx.settings.quiet_hours), ctx.tz)
    for chat_id in dict.fromkeys(chats):
        await outbox.enqueue(session, chat_id, now=now, not_before=not_before, text=text,
                             parse_mode="HTML",
                             dedupe_key=f"{key}:{chat_id}", ref=key.rsplit(":", 1)[0])


# --- weekly ---------------------------------------------------------------------------

async def weekly_text(session: AsyncSession, community: Community, period: Period,
                      now: datetime) -> str:
    scope = Scope(community.id)
    f = await stats.figures(session, scope, period, now)
    title = T.WEEKLY_TITLE.format(community=escape(community.name), period=period_label(period))
    parts = [f"<b>{title}</b>", figures_text(f)]
    grids = list(await session.scalars(
        select(Grid).where(Grid.community_id == community.id).order_by(Grid.id)))
    if len(grids) > 1:
        lines = []
        for grid in grids:
            g = await stats.figures(session, replace(scope, grid_id=grid.id), period, now)
            lines.append(T.WEEKLY_GRID_LINE.format(grid=escape(grid.name), opened=g.opened,
                                                   **rates(g)))
        parts.append(T.WEEKLY_GRIDS.format(lines="\n".join(lines)))
    overdue = await stats.overdue_now(session, community.id, now)
    if overdue:
        parts.append(T.WEEKLY_OVERDUE_NOW.format(n=len(overdue)))
    return "\n\n".join(parts)


async def fire_weekly(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    community = await _fired(session, timer, ctx)
    if community is None:
        return
    day = timer.due_at.astimezone(ctx.tz).date()
    period = stats.week_of(day - timedelta(days=7), ctx.tz)
    text = await weekly_text(session, community, period, ctx.clock.now())
    await _post(session, ctx, await _staff_chats(session, community.id), text,
                f"report.weekly:{community.id}:{period.first_day}")


# --- monthly (社情发布会) ----------------------------------------------------------------

async def monthly_text(session: AsyncSession, community: Community, period: Period,
                       now: datetime) -> str:
    """Public: no worker names, no case texts; just what was reported and solved."""
    f = await stats.figures(session, Scope(community.id), period, now)
    title = T.MONTHLY_TITLE.format(community=escape(community.name), period=period_label(period))
    parts = [f"<b>{title}</b>"]
    if f.opened == 0 and f.resolved == 0:
        parts.append(T.MONTHLY_EMPTY)
    else:
        parts.append(T.MONTHLY_BODY.format(opened=f.opened, resolved=f.resolved, **rates(f)))
        if f.top_categories:
            parts.append(T.MONTHLY_TOP.format(
                items=items((category_name(c), n) for c, n in f.top_categories[:3])))
    parts += extras_lines(f)
    parts.append(T.MONTHLY_THANKS)
    return "\n".join(parts)


async def fire_monthly(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    community = await _fired(session, timer, ctx)
    if community is None:
        return
    day = timer.due_at.astimezone(ctx.tz).date()
    period = stats.month_of(day.replace(day=1) - timedelta(days=1), ctx.tz)
    text = await monthly_text(session, community, period, ctx.clock.now())
    chats = [g.chat_id for g in await org.group_chats_of_community(session, community.id)]
    await _post(session, ctx, chats, text, f"report.monthly:{community.id}:{period.first_day}")


# --- daily 晾晒 -------------------------------------------------------------------------

async def daily_text(session: AsyncSession, community: Community, now: datetime,
                     tz: ZoneInfo) -> str | None:
    """Overdue cases grouped by worker, most overdue workers first; None when none."""
    overdue = await stats.overdue_now(session, community.id, now)
    if not overdue:
        return None
    by_owner: dict[int | None, list[stats.OverdueCase]] = {}
    for c in overdue:
        by_owner.setdefault(c.owner_id, []).append(c)
    owner_ids = [k for k in by_owner if k is not None]
    names: dict[int, str] = {}
    if owner_ids:
        names = dict((await session.execute(
            select(Person.id, Person.name).where(Person.id.in_(owner_ids)))).all())
    order = sorted(by_owner, key=lambda k: (k is None, -len(by_owner[k]), names.get(k, "")))
    lines = [T.DAILY_TITLE.format(community=escape(community.name),
                                  day=now.astimezone(tz).date(), n=len(overdue))]
    for owner in order:
        cases = by_owner[owner]
        name = T.DAILY_UNOWNED if owner is None else (names.get(owner) or f"#{owner}")
        lines.append(T.DAILY_WORKER.format(name=escape(name), n=len(cases)))
        for c in cases[:DAILY_PER_WORKER]:
            lines.append(T.DAILY_LINE.format(number=c.number, category=category_name(c.category),
                                             stage=T.DAILY_STAGE[c.stage], late=span(now - c.due)))
        if len(cases) > DAILY_PER_WORKER:
            lines.append(T.DAILY_MORE.format(n=len(cases) - DAILY_PER_WORKER))
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT].rsplit("\n", 1)[0] + "\n……"


async def fire_daily(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    community = await _fired(session, timer, ctx)
    if community is None:
        return
    now = ctx.clock.now()
    text = await daily_text(session, community, now, ctx.tz)
    if text is None:
        return  # nothing overdue: no message
    day = timer.due_at.astimezone(ctx.tz).date()
    await _post(session, ctx, await _staff_chats(session, community.id), text,
                f"report.daily:{community.id}:{day}")

