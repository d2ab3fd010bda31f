"""The daily not-visited check: a building with no visit for N days (community setting
`round_stale_days`, default 30) is flagged to the workers of its grid, and again every
7 days while it stays unvisited. The timer's payload carries when each building was last
flagged and since when the check runs (a building never visited counts from then)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Building, Community, Grid, Timer
from bot.db.models.rounds import Visit
from bot.delivery import outbox
from bot.org import service as org
from bot.rounds import texts as T
from scheduler import timers

KIND = "rounds.stale"
AT = time(9, 0)  # local time of the daily check
DEFAULT_DAYS = 30
REPEAT_DAYS = 7


def _ref(community_id: int) -> str:
    return f"community:{community_id}"


def next_check(after: datetime, tz: ZoneInfo) -> datetime:
    day = after.astimezone(tz).date()
    due = datetime.combine(day, AT, tz)
    return due if due > after else datetime.combine(day + timedelta(days=1), AT, tz)


def stale_days(community: Community) -> int:
    value = (community.settings or {}).get("round_stale_days", DEFAULT_DAYS)
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_DAYS


async def ensure_timer(session: AsyncSession, community_id: int, now: datetime,
                       tz: ZoneInfo) -> None:
    if not await timers.pending(session, KIND, _ref(community_id)):
        await timers.schedule(session, KIND, _ref(community_id), next_check(now, tz),
                              {"since": now.isoformat(), "flagged": {}})


async def ensure_timers(session: AsyncSession, now: datetime, tz: ZoneInfo) -> None:
    """Every community's daily check (for the app's start, like the report timers)."""
    for community_id in await session.scalars(select(Community.id).order_by(Community.id)):
        await ensure_timer(session, community_id, now, tz)


async def last_visits(session: AsyncSession, building_ids: list[int]) -> dict[int, datetime]:
    rows = await session.execute(
        select(Visit.building_id, func.max(Visit.at))
        .where(Visit.building_id.in_(building_ids), Visit.outcome.is_not(None))
        .group_by(Visit.building_id))
    return {b: at for b, at in rows if b is not None and at is not None}


async def fire(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    community = await session.get(Community, int(timer.ref.split(":", 1)[1]))
    if community is None:
        return
    now = ctx.clock.now()
    payload: dict[str, Any] = dict(timer.payload or {})
    since = datetime.fromisoformat(payload.get("since") or now.isoformat())
    flagged: dict[str, str] = dict(payload.get("flagged") or {})
    days = stale_days(community)
    today = now.astimezone(ctx.tz).date()
    for grid in await session.scalars(select(Grid).where(Grid.community_id == community.id)
                                      .order_by(Grid.id)):
        await _check_grid(session, ctx, grid, days, since, flagged, today, now)
    await timers.schedule(session, KIND, timer.ref, next_check(max(timer.due_at, now), ctx.tz),
                          {"since": since.isoformat(), "flagged": flagged})


async def _check_grid(session: AsyncSession, ctx: AppContext, grid: Grid, days: int,
                      since: datetime, flagged: dict[str, str], today: date,
                      now: datetime) -> None:
    buildings = list(await session.scalars(select(Building).where(
        Building.grid_id == grid.id).order_by(Building.id)))
    last = await last_visits(session, [b.id for b in buildings])
    limit = now - timedelta(days=days)
    lines = []
    for b in buildings:
        seen = last.get(b.id)
        if (seen or since) > limit:
            flagged.pop(str(b.id), None)  # visited (or not yet due): flag afresh next time
            continue
        before = flagged.get(str(b.id))
        if before and (today - date.fromisoformat(before)).days < REPEAT_DAYS:
            continue
        flagged[str(b.id)] = today.isoformat()
        when = (T.STALE_LAST.format(at=seen.astimezone(ctx.tz).strftime("%m-%d"))
                if seen else T.STALE_NEVER)
        lines.append(T.STALE_LINE.format(building=b.name, last=when))
    if not lines:
        return
    text = T.STALE.format(days=days, grid=grid.name, lines="\n".join(lines))
    for worker in await org.grid_workers(session, grid.id):
        if worker.tg_id is not None and not worker.blocked_bot:
            await outbox.enqueue(session, worker.tg_id, now=now, text=text, parse_mode=None,
                                 dedupe_key=f"rounds-stale:{grid.id}:{worker.id}:{today}")
