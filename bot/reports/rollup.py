"""The rates of many communities over a period from the per-day rollup (the comparison of
communities, bot.reports.desk.compare): whole past UTC days from `case_rollup` /
`case_rollup_both` (bot.db.models.rollups, kept by triggers), the period's edges — the
part of its first day before UTC midnight, and today and the rest of the period — live
from `cases` with the definitions of bot.reports.stats. The result equals desk.rates_by
(and so stats.figures) for every community: tests/test_rollup_h17.py checks it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case
from bot.db.models.cases import PATROL
from bot.db.models.rollups import CaseRollup, CaseRollupBoth
from bot.reports import stats


def _utc_midnight(at: datetime, up: bool) -> datetime:
    at = at.astimezone(UTC)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1) if up and day < at else day


def split(period: stats.Period, now: datetime
          ) -> tuple[tuple[datetime, datetime] | None, list[tuple[datetime, datetime]]]:
    """The whole UTC days of `period` that have passed by `now` (read from the rollup), and
    the rest of the period (counted live): at most the few hours before the first UTC
    midnight and the time from the last one before `now` to the period's end."""
    first = _utc_midnight(period.start, up=True)
    last = _utc_midnight(min(period.end, now), up=False)
    if first >= last:
        return None, [(period.start, period.end)]
    edges = [(a, b) for a, b in ((period.start, first), (last, period.end)) if a < b]
    return (first, last), edges


# Rates fields, in the order of the rollup's sums (every count is additive).
FIELDS = ("opened", "found", "resolved", "rated", "good", "due_accept", "accepted_in_time",
          "due_resolve", "resolved_of_due", "overdue")


async def rates_by_community(session: AsyncSession, ids: list[int], period: stats.Period,
                             now: datetime) -> dict[int, Any]:
    """desk.Rates per community of `ids` over `period`, as of `now`: one statement, a
    UNION ALL of the rollup's sums and the edges' counts, each part grouped by community
    and read from its own index (one round trip instead of twelve)."""
    from bot.reports.desk import Rates  # the desk's line of figures

    parts: list[tuple[tuple[str, ...], Select[Any]]] = []  # Rates fields, their counts

    def part(fields: tuple[str, ...], key: Any, *counts: Any) -> Select[Any]:
        """(community, part number, the counts of `fields`, zeros to the common width)."""
        pad = (literal(0) for _ in range(len(FIELDS) - len(fields)))
        return select(key, literal(len(parts)), *counts, *pad)

    rolled, edges = split(period, now)
    if rolled is not None:
        d0, d1 = rolled[0].date(), rolled[1].date()
        r, b = CaseRollup, CaseRollupBoth
        parts.append((FIELDS, part(
            FIELDS, r.community_id, func.sum(r.opened), func.sum(r.found), func.sum(r.resolved),
            func.sum(r.rated), func.sum(r.good), func.sum(r.due_accept),
            func.sum(r.accepted_in_time), func.sum(r.due_resolve), func.sum(r.resolved_of_due),
            func.sum(r.due_accept - r.accepted_in_time + r.missed_resolve))
            .where(r.community_id.in_(ids), r.day >= d0, r.day < d1)
            .group_by(r.community_id)))
        # missed both deadlines, both days rolled: counted once in `overdue`
        parts.append((("overdue",), part(("overdue",), b.community_id, -func.sum(b.n))
                      .where(b.community_id.in_(ids), b.resolve_day >= d0, b.resolve_day < d1,
                             b.accept_day >= d0, b.accept_day < d1)
                      .group_by(b.community_id)))

    def grouped(fields: tuple[str, ...], *cols: Any, conds: list[Any]) -> None:
        parts.append((fields, part(fields, Case.community_id, *cols)
                      .where(Case.community_id.in_(ids), *conds).group_by(Case.community_id)))

    n, within = stats._n, stats._in
    start, end = period.start, period.end
    # The period's own counts (its `passed`, both deadlines within it), restricted below to
    # the edges: the same expressions as rates_by's, only over less of each anchor column.
    _w, (due_a, in_time, missed_a) = stats.due_for_accept(start, end, now)
    _w, (due_r, resolved_r, missed_r, twice) = stats.due_for_resolve(start, end, now)
    # A case due for resolution on a rolled day that missed both deadlines, its acceptance
    # due in an edge: not in case_rollup_both's sum (its accept day is not rolled). As
    # stats.due_for_resolve's `both`, whose accept_due within the period the edge's own
    # condition makes true.
    passed = min(end, now)
    crossing = n(and_(
        *stats.due_for_resolve(*rolled, now)[0], Case.resolve_due < passed,
        or_(Case.resolved_at.is_(None), Case.resolved_at > Case.resolve_due),
        stats._accept_missed(passed))) if rolled is not None else literal(0)
    for a, z in edges:
        grouped(("opened", "found"), func.count(), n(Case.source == PATROL),
                conds=[stats.NOT_DUP, within(Case.opened_at, a, z)])
        grouped(("resolved",), func.count(),
                conds=[stats.NOT_DUP, stats.IS_RESOLVED, within(Case.resolved_at, a, z)])
        grouped(("rated", "good"), n(Case.rating.is_not(None)),
                n(Case.rating.in_([stats.SATISFIED, stats.BASIC])),
                conds=[stats.NOT_DUP, within(Case.closed_at, a, z)])
        grouped(("due_accept", "accepted_in_time", "overdue"), due_a, in_time,
                missed_a - crossing, conds=stats.due_for_accept(a, z, now)[0])
        grouped(("due_resolve", "resolved_of_due", "overdue"), due_r, resolved_r,
                missed_r - twice, conds=stats.due_for_resolve(a, z, now)[0])

    out: dict[int, Rates] = {}
    for cid, number, *counts in await session.execute(union_all(*(q for _f, q in parts))):
        x = out.setdefault(cid, Rates())
        for field, value in zip(parts[number][0], counts, strict=False):
            setattr(x, field, getattr(x, field) + int(value or 0))
    return out
