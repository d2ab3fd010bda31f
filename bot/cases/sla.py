"""Service levels (接诉即办): time to accept and to resolve per urgency and category,
with per-community overrides in Community.settings["sla"], and the timer rows that
chase them. What each timer does is in bot.cases.timers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Community
from scheduler import timers

# Defaults from the issue; every key can be overridden per community:
#   settings["sla"] = {"urgent": {"accept_minutes": 20}, "normal": {...},
#                      "suggestion": null | {...}, "categories": {"elevator": {...}},
#                      "remind_fraction": 0.75, "rating_days": 3, "batch_minutes": 10}
DEFAULTS: dict[str, Any] = {
    "urgent": {"accept_minutes": 30, "resolve_hours": 24},
    "normal": {"accept_minutes": 120, "resolve_hours": 72},
    "suggestion": None,
    "categories": {},
    "remind_fraction": 0.75,  # remind the owner when 75% of the time is used
    "rating_days": 3,
    "batch_minutes": 10,  # group-thread updates to a reporter are coalesced this long
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


def ref(case: Case) -> str:
    return f"case:{case.id}"


def _remind_at(now: datetime, due: datetime, fraction: float) -> datetime:
    return now + (due - now) * fraction


async def start_accept_clock(
    session: AsyncSession, case: Case, community: Community, now: datetime, *,
    fresh: bool = False,
) -> None:
    """(Re)start the time to accept: a reminder and the deadline. `fresh`: a case
    just opened has no clocks to stop."""
    if not fresh:
        await stop_clocks(session, case)
    sla = sla_for(community, case.kind, case.category, case.urgency)
    due = _set_due(case, "accept_due", case.accepted_at, now + sla.accept if sla.accept else None,
                   now)
    if due is None:
        return
    fraction = float(config(community)["remind_fraction"])
    await timers.schedule(session, ACCEPT_REMIND, ref(case), _remind_at(now, due, fraction))
    await timers.schedule(session, ACCEPT_DUE, ref(case), due)


async def start_resolve_clock(
    session: AsyncSession, case: Case, community: Community, now: datetime
) -> None:
    await stop_clocks(session, case)
    sla = sla_for(community, case.kind, case.category, case.urgency)
    done = case.resolved_at if case.status in ("resolved", "closed") else None
    due = _set_due(case, "resolve_due", done, now + sla.resolve if sla.resolve else None, now)
    if due is None:
        return
    fraction = float(config(community)["remind_fraction"])
    await timers.schedule(session, RESOLVE_REMIND, ref(case), _remind_at(now, due, fraction))
    await timers.schedule(session, RESOLVE_DUE, ref(case), due)


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
