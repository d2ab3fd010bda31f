"""Service levels (接诉即办): time to accept and to resolve per urgency and category,
with per-community overrides in Community.settings["sla"], and the timer rows that
chase them. What each timer does is in bot.cases.timers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Community, Department
from bot.db.models.levels import DISTRICT, STREET
from bot.org import levels
from scheduler import timers

# Defaults from the issue; every key can be overridden per community:
#   settings["sla"] = {"urgent": {"accept_minutes": 20}, "normal": {...},
#                      "suggestion": null | {...}, "categories": {"elevator": {...}},
#                      "remind_fraction": 0.75, "rating_days": 3, "batch_minutes": 10,
#                      "community_hours": 24}
# After an escalation each level has its own deadline: the community's
# "community_hours", a street's or district's `hours` (org file, bot.org.levels); a
# level without one keeps the case's own SLA window.
DEFAULTS: dict[str, Any] = {
    "urgent": {"accept_minutes": 30, "resolve_hours": 24},
    "normal": {"accept_minutes": 120, "resolve_hours": 72},
    "suggestion": None,
    "categories": {},
    "remind_fraction": 0.75,  # remind the owner when 75% of the time is used
    "rating_days": 3,
    "batch_minutes": 10,  # group-thread updates to a reporter are coalesced this long
    "community_hours": None,  # time the community has once a case is escalated to it
}

ACCEPT_REMIND, ACCEPT_DUE = "case.accept_remind", "case.accept_due"
RESOLVE_REMIND, RESOLVE_DUE = "case.resolve_remind", "case.resolve_due"
RATING_DUE, WHISTLE_DUE, DIGEST = "case.rating_due", "case.whistle_due", "case.digest"


@dataclass(frozen=True)
class Sla:
    accept: timedelta | None
    resolve: timedelta | None


def config(community: Community) -> dict[str, Any]:
    override = (community.settings or {}).get("sla") or {}
    merged = dict(DEFAULTS)
    merged.update(override)
    return merged


def sla_for(community: Community, kind: str, category: str, urgency: str) -> Sla:
    conf = config(community)
    if kind == "suggestion":
        base = conf.get("suggestion")
    else:
        base = dict(conf.get("urgent" if urgency == "urgent" else "normal") or {})
        base.update((conf.get("categories") or {}).get(category) or {})
    if not base:
        return Sla(None, None)
    accept = base.get("accept_minutes")
    resolve = base.get("resolve_hours")
    return Sla(
        timedelta(minutes=float(accept)) if accept else None,
        timedelta(hours=float(resolve)) if resolve else None,
    )


async def level_window(session: AsyncSession, case: Case, community: Community
                       ) -> timedelta | None:
    """How long the case's current level (above the grid) has to act, if configured."""
    hours: Any = None
    if case.level == "community":
        hours = config(community).get("community_hours")
    elif case.level in (STREET, DISTRICT):
        level = await levels.level_of(session, community, case.level)
        hours = (level.settings or {}).get("hours") if level is not None else None
    return timedelta(hours=float(hours)) if hours else None


async def whistle_window(session: AsyncSession, case: Case, dept: Department) -> timedelta:
    """Time to 报到 after 吹哨: the 权责清单 line for the department and the case's
    category, else the department's own ack_hours."""
    community = await session.get(Community, case.community_id)
    hours = (await levels.responsibility_hours(session, community, dept.name, case.category)
             if community is not None else None)
    return timedelta(hours=hours if hours is not None else dept.ack_hours)


def ref(case: Case) -> str:
    return f"case:{case.id}"


def _remind_at(now: datetime, due: datetime, fraction: float) -> datetime:
    return now + (due - now) * fraction


def set_first_accept_due(case: Case, community: Community, now: datetime) -> None:
    """The deadline of a case about to be inserted (at the grid level, which has no
    window of its own), set before its INSERT so that no UPDATE follows it; its timers
    are written once it has an id: `start_accept_clock(..., fresh=True)`."""
    own = sla_for(community, case.kind, case.category, case.urgency).accept
    case.accept_due, case.next_due = (now + own if own else None), None


async def start_accept_clock(
    session: AsyncSession, case: Case, community: Community, now: datetime, *,
    fresh: bool = False,
) -> None:
    """(Re)start the time to accept: a reminder and the deadline. `fresh`: a case
    just opened (its deadline set by set_first_accept_due): no clocks to stop, only
    the timers to write."""
    if fresh:
        due = case.accept_due
    else:
        await stop_clocks(session, case)
        own = sla_for(community, case.kind, case.category, case.urgency).accept
        window = (await level_window(session, case, community) or own) if own else None
        due = _set_due(case, "accept_due", case.accepted_at, now + window if window else None,
                       now)
    if due is None:
        return
    fraction = float(config(community)["remind_fraction"])
    await timers.schedule(session, ACCEPT_REMIND, ref(case), _remind_at(now, due, fraction),
                          fresh=fresh)
    await timers.schedule(session, ACCEPT_DUE, ref(case), due, fresh=fresh)


async def start_resolve_clock(
    session: AsyncSession, case: Case, community: Community, now: datetime
) -> None:
    await stop_clocks(session, case)
    own = sla_for(community, case.kind, case.category, case.urgency).resolve
    window = (await level_window(session, case, community) or own) if own else None
    done = case.resolved_at if case.status in ("resolved", "closed") else None
    due = _set_due(case, "resolve_due", done, now + window if window else None, now)
    if due is None:
        return
    fraction = float(config(community)["remind_fraction"])
    await timers.schedule(session, RESOLVE_REMIND, ref(case), _remind_at(now, due, fraction))
    await timers.schedule(session, RESOLVE_DUE, ref(case), due)


async def start_level_clock(session: AsyncSession, case: Case, community: Community,
                            now: datetime) -> None:
    """After a 上报 by hand: the new level's own deadline (if it has one) is what the
    case chases now (next_due); the SLA deadlines stay where they are for the figures."""
    window = await level_window(session, case, community)
    if window is None or case.status not in ("open", "accepted"):
        return
    await stop_clocks(session, case)
    case.next_due = due = now + window
    remind, deadline = ((ACCEPT_REMIND, ACCEPT_DUE) if case.status == "open"
                        else (RESOLVE_REMIND, RESOLVE_DUE))
    fraction = float(config(community)["remind_fraction"])
    await timers.schedule(session, remind, ref(case), _remind_at(now, due, fraction))
    await timers.schedule(session, deadline, ref(case), due)


def missed(due: datetime | None, done_at: datetime | None, now: datetime) -> bool:
    """A deadline that passed before the step was done (or is still not done)."""
    return due is not None and due <= now and (done_at is None or done_at > due)


def _set_due(case: Case, field: str, done_at: datetime | None, due: datetime | None,
             now: datetime) -> datetime | None:
    """Start a clock. A missed SLA deadline stays where it was (every figure keeps
    counting it as missed); the new deadline goes to next_due instead."""
    if missed(getattr(case, field), done_at, now):
        case.next_due = due
    else:
        setattr(case, field, due)
        case.next_due = None
    return due


def current_due(case: Case) -> datetime | None:
    """The deadline the case's handler is chasing now (what the card and timers use)."""
    if case.next_due is not None:
        return case.next_due
    if case.status == "open":
        return case.accept_due
    return case.resolve_due if case.status == "accepted" else None


async def stop_clocks(session: AsyncSession, case: Case) -> None:
    for kind in (ACCEPT_REMIND, ACCEPT_DUE, RESOLVE_REMIND, RESOLVE_DUE):
        await timers.cancel(session, kind, ref(case))


async def start_rating_clock(
    session: AsyncSession, case: Case, community: Community, now: datetime
) -> None:
    days = float(config(community)["rating_days"])
    await timers.cancel(session, RATING_DUE, ref(case))
    await timers.schedule(session, RATING_DUE, ref(case), now + timedelta(days=days),
                          {"round": case.reopened_count})


def batch_delay(community: Community) -> timedelta:
    return timedelta(minutes=float(config(community)["batch_minutes"]))


def overdue(case: Case, now: datetime) -> bool:
    if case.status == "open" and case.accept_due is not None:
        return case.accept_due <= now
    if case.status == "accepted" and case.resolve_due is not None:
        return case.resolve_due <= now
    return False
