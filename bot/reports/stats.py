"""Figures of 接诉即办 for a community, a grid, a worker or a category over [start, end).

Every count is an SQL aggregate over one indexed time column of `cases`
(community_id + that column), so a community-month costs a handful of index range
scans, never a load of every case. Only the percentiles fetch rows: two
timestamps per case accepted / resolved in the period. The exact definitions are
in docs/reports.md; keep the two in step.
"""
from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case
from bot.db.models.cases import ACCEPTED, CLOSED, OPEN, RESOLVED
from bot.polls import evaluation

DUPLICATE = "duplicate"
# Rating slugs as bot.polls.evaluation defines them (满意 / 基本满意 / 不满意).
SATISFIED, BASIC, UNSATISFIED = evaluation.SATISFACTION.slugs
assert (SATISFIED, BASIC) == evaluation.SATISFIED_SLUGS
TOP_N = 5


# --- periods ---------------------------------------------------------------------------

# Other features' lines in the figures ("projects", "polls"): summarise(session,
# community_id, start, end) -> dict, registered by bot.reports.wire().
Summary = Callable[[AsyncSession, int | None, datetime, datetime], Awaitable[str | None]]
SUMMARIES: dict[str, Summary] = {}

@dataclass(frozen=True)
class Period:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    kind: str  # week|month|year|custom
    first_day: date  # local calendar day the period starts on
    last_day: date  # local calendar day the period ends on (inclusive)


def _at_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def day_range(first: date, last: date, tz: ZoneInfo, kind: str = "custom") -> Period:
    """Local calendar days first..last inclusive."""
    return Period(_at_midnight(first, tz), _at_midnight(last + timedelta(days=1), tz),
                  kind, first, last)


def week_of(day: date, tz: ZoneInfo) -> Period:
    monday = day - timedelta(days=day.weekday())
    return day_range(monday, monday + timedelta(days=6), tz, "week")


def month_of(day: date, tz: ZoneInfo) -> Period:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return day_range(first, nxt - timedelta(days=1), tz, "month")


def year_of(day: date, tz: ZoneInfo) -> Period:
    return day_range(date(day.year, 1, 1), date(day.year, 12, 31), tz, "year")


# Period choices offered by /stats and /export (code -> builder from "today").
def period_choice(code: str, now: datetime, tz: ZoneInfo) -> Period:
    today = now.astimezone(tz).date()
    if code == "tw":
        return week_of(today, tz)
    if code == "lw":
        return week_of(today - timedelta(days=7), tz)
    if code == "tm":
        return month_of(today, tz)
    if code == "lm":
        return month_of(today.replace(day=1) - timedelta(days=1), tz)
    if code == "ty":
        return year_of(today, tz)
    raise KeyError(code)


PERIOD_CODES = ("tw", "lw", "tm", "lm", "ty")


# --- scope -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    community_id: int
    grid_id: int | None = None
    owner_id: int | None = None
    category: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [Case.community_id == self.community_id]
        if self.grid_id is not None:
            conds.append(Case.grid_id == self.grid_id)
        if self.owner_id is not None:
            conds.append(Case.owner_id == self.owner_id)
        if self.category is not None:
            conds.append(Case.category == self.category)
        return conds


# --- figures ---------------------------------------------------------------------------

def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass
class Durations:
    median: timedelta | None = None
    p90: timedelta | None = None
    count: int = 0


@dataclass
class Figures:
    scope: Scope
    period: Period
    opened: int = 0
    resolved: int = 0
    closed: int = 0
    overdue: int = 0
    reopened: int = 0
    duplicates: int = 0
    plus_ones: int = 0
    due_accept: int = 0
    accepted_in_time: int = 0
    due_resolve: int = 0
    resolved_of_due: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    unrated: int = 0
    to_accept: Durations = field(default_factory=Durations)
    to_resolve: Durations = field(default_factory=Durations)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    top_buildings: list[tuple[str, int]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # projects / polls, when built

    @property
    def response_rate(self) -> float | None:
        """响应率: accepted within the SLA ÷ due for acceptance."""
        return _ratio(self.accepted_in_time, self.due_accept)

    @property
    def resolve_rate(self) -> float | None:
        """解决率: resolved ÷ due for resolution."""
        return _ratio(self.resolved_of_due, self.due_resolve)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: (满意 + 基本满意) ÷ rated."""
        return _ratio(self.satisfied + self.basic, self.rated)

    @property
    def unrated_share(self) -> float | None:
        """未评价: closed without a rating ÷ closed."""
        return _ratio(self.unrated, self.rated + self.unrated)


def _n(expr: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((expr, 1), else_=0)), 0)


NOT_DUP = or_(Case.close_reason.is_(None), Case.close_reason != DUPLICATE)
HAS_SLA = Case.kind != "suggestion"
IS_RESOLVED = and_(Case.resolved_at.is_not(None), Case.status.in_([RESOLVED, CLOSED]))


def _in(col: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(col >= start, col < end)


# The two deadline anchors of the rates, shared by figures() and the desk's grouped figures
# (bot.reports.desk.rates_by): the cases due in [start, end) whose outcome is known by `now`,
# and their counts.
Anchor = tuple[list[ColumnElement[bool]], list[Any]]


def _accept_missed(passed: datetime) -> ColumnElement[bool]:
    return and_(Case.accept_due < passed,
                or_(Case.accepted_at.is_(None), Case.accepted_at > Case.accept_due))


def due_for_accept(start: datetime, end: datetime, now: datetime) -> Anchor:
    """响应率: due for acceptance, accepted within the SLA, acceptance missed."""
    passed = min(end, now)  # deadlines before this moment have an outcome
    return ([NOT_DUP, HAS_SLA, _in(Case.accept_due, start, end),
             or_(Case.accept_due <= now, Case.accepted_at.is_not(None))],
            [func.count(),
             _n(and_(Case.accepted_at.is_not(None), Case.accepted_at <= Case.accept_due)),
             _n(_accept_missed(passed))])


def due_for_resolve(start: datetime, end: datetime, now: datetime) -> Anchor:
    """解决率: due for resolution, resolved, resolution missed, and missed both deadlines
    in the period (counted once in `overdue`)."""
    passed = min(end, now)
    resolve_missed = and_(Case.resolve_due < passed,
                          or_(Case.resolved_at.is_(None), Case.resolved_at > Case.resolve_due))
    both = and_(resolve_missed, _in(Case.accept_due, start, end), _accept_missed(passed))
    return ([NOT_DUP, HAS_SLA, _in(Case.resolve_due, start, end),
             or_(Case.resolve_due <= now, Case.resolved_at.is_not(None))],
            [func.count(), _n(IS_RESOLVED), _n(resolve_missed), _n(both)])


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (same as PostgreSQL percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _durations(pairs: Sequence[tuple[datetime, datetime]]) -> Durations:
    secs = [(b - a).total_seconds() for a, b in pairs]
    if not secs:
        return Durations()
    p90 = percentile(secs, 0.9)
    return Durations(timedelta(seconds=statistics.median(secs)),
                     timedelta(seconds=p90 or 0), len(secs))


def durations(pairs: Sequence[tuple[datetime, datetime]]) -> Durations:
    """Median and 90th percentile of (start, end) pairs (other features' timings)."""
    return _durations(pairs)


async def figures(session: AsyncSession, scope: Scope, period: Period, now: datetime, *,
                  extras: bool = True) -> Figures:
    out = Figures(scope, period)
    start, end = period.start, period.end
    base = scope.where()

    # Anchor: opened_at.
    row = (await session.execute(
        select(
            _n(NOT_DUP), _n(Case.close_reason == DUPLICATE),
            _n(and_(NOT_DUP, Case.reopened_count > 0)),
            func.coalesce(func.sum(case((NOT_DUP, Case.plus_count), else_=0)), 0),
        ).where(*base, _in(Case.opened_at, start, end))
    )).one()
    out.opened, out.duplicates, out.reopened, out.plus_ones = map(int, row)

    # Anchor: accepted_at (durations).
    pairs = (await session.execute(
        select(Case.opened_at, Case.accepted_at)
        .where(*base, NOT_DUP, _in(Case.accepted_at, start, end))
    )).all()
    out.to_accept = _durations([(a, b) for a, b in pairs])

    # Anchor: resolved_at (count + durations).
    pairs = (await session.execute(
        select(Case.opened_at, Case.resolved_at)
        .where(*base, NOT_DUP, IS_RESOLVED, _in(Case.resolved_at, start, end))
    )).all()
    out.resolved = len(pairs)
    out.to_resolve = _durations([(a, b) for a, b in pairs])

    # Anchor: closed_at (satisfaction).
    row = (await session.execute(
        select(
            _n(Case.rating.is_not(None)), _n(Case.rating == SATISFIED), _n(Case.rating == BASIC),
            _n(Case.rating == UNSATISFIED), _n(Case.rating.is_(None)),
        ).where(*base, NOT_DUP, _in(Case.closed_at, start, end))
    )).one()
    out.rated, out.satisfied, out.basic, out.unsatisfied, out.unrated = map(int, row)
    out.closed = out.rated + out.unrated

    # Anchor: accept_due (响应率, missed acceptance).
    where, counts = due_for_accept(start, end, now)
    row = (await session.execute(select(*counts).where(*base, *where))).one()
    out.due_accept, out.accepted_in_time, missed_accept = map(int, row)

    # Anchor: resolve_due (解决率, missed resolution, and cases that missed both).
    where, counts = due_for_resolve(start, end, now)
    row = (await session.execute(select(*counts).where(*base, *where))).one()
    out.due_resolve, out.resolved_of_due, missed_resolve, missed_both = map(int, row)
    out.overdue = missed_accept + missed_resolve - missed_both

    out.top_categories = await _top(session, Case.category, base, start, end)
    out.top_buildings = await _top(session, Case.building, base, start, end)
    if extras:
        await _extras(session, out)
    return out


async def _top(session: AsyncSession, col: Any, base: list[ColumnElement[bool]],
               start: datetime, end: datetime) -> list[tuple[str, int]]:
    n = func.count().label("n")
    rows = await session.execute(
        select(col, n).where(*base, NOT_DUP, col.is_not(None), _in(Case.opened_at, start, end))
        .group_by(col).order_by(n.desc(), col).limit(TOP_N)
    )
    return [(str(k), int(v)) for k, v in rows]


async def _extras(session: AsyncSession, out: Figures) -> None:
    """Projects and polls lines, from the summaries registered at composition."""
    for area, summarise in SUMMARIES.items():
        out.extras[area] = await summarise(session, out.scope.community_id,
                                           out.period.start, out.period.end)


# --- light figures for charts and lists --------------------------------------------------

async def count_between(session: AsyncSession, scope: Scope, col: Any,
                        start: datetime, end: datetime) -> int:
    extra = [IS_RESOLVED] if col is Case.resolved_at else []
    return int(await session.scalar(
        select(func.count()).select_from(Case)
        .where(*scope.where(), NOT_DUP, *extra, _in(col, start, end))
    ) or 0)


async def category_counts(session: AsyncSession, scope: Scope, period: Period
                          ) -> list[tuple[str, int]]:
    n = func.count().label("n")
    rows = await session.execute(
        select(Case.category, n).where(*scope.where(), NOT_DUP,
                                       _in(Case.opened_at, period.start, period.end))
        .group_by(Case.category).order_by(n.desc(), Case.category)
    )
    return [(k, int(v)) for k, v in rows]


@dataclass(frozen=True)
class OverdueCase:
    case_id: int
    number: str
    owner_id: int | None
    category: str
    opened_at: datetime
    stage: str  # accept|resolve
    due: datetime


async def overdue_now(session: AsyncSession, community_id: int, now: datetime
                      ) -> list[OverdueCase]:
    """Cases past a deadline right now (for 晾晒): not accepted after accept_due, or
    not resolved after resolve_due. Suggestions have no deadlines."""
    late_accept = and_(Case.status == OPEN, Case.accept_due < now)
    late_resolve = and_(Case.status.in_([OPEN, ACCEPTED]), Case.resolve_due < now)
    rows = await session.execute(
        select(Case.id, Case.number, Case.owner_id, Case.category, Case.opened_at,
               Case.accept_due, Case.resolve_due, Case.status)
        .where(Case.community_id == community_id, HAS_SLA, or_(late_accept, late_resolve))
        .order_by(Case.opened_at, Case.id)
    )
    out = []
    for cid, number, owner, cat, opened, adue, rdue, _status in rows:
        if rdue is not None and rdue < now:
            stage, due = "resolve", rdue
        else:
            stage, due = "accept", adue
        out.append(OverdueCase(cid, number, owner, cat, opened, stage, due))
    return out
