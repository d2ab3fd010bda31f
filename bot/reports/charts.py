"""Report charts as PNG bytes: cases by category, weekly trend, the three rates by grid.
Figures come from bot.reports.stats; drawing from the generic bot.charts."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import charts
from bot.db.models import Case, Grid
from bot.reports import stats
from bot.reports import texts as T
from bot.reports.stats import Period, Scope
from bot.taxonomy import category_name

TREND_WEEKS = 8


async def categories_chart(session: AsyncSession, scope: Scope, period: Period) -> bytes:
    counts = await stats.category_counts(session, scope, period)
    labels = [category_name(c) for c, _ in counts] or [T.NONE]
    values = [float(n) for _, n in counts] or [0.0]
    return await asyncio.to_thread(charts.bar_chart, T.CHART_CATEGORIES, labels, values,
                                   ylabel=T.CHART_COUNT, horizontal=True)


async def trend_chart(session: AsyncSession, scope: Scope, period: Period, tz: ZoneInfo,
                      weeks: int = TREND_WEEKS) -> bytes:
    """Opened and resolved per week, for the `weeks` weeks ending with the period's last."""
    last = stats.week_of(period.last_day, tz)
    labels, opened, resolved = [], [], []
    for back in range(weeks - 1, -1, -1):
        week = stats.week_of(last.first_day - timedelta(days=7 * back), tz)
        labels.append(T.CHART_WEEK.format(week.first_day))
        opened.append(float(await stats.count_between(
            session, scope, Case.opened_at, week.start, week.end)))
        resolved.append(float(await stats.count_between(
            session, scope, Case.resolved_at, week.start, week.end)))
    series = {T.CHART_TREND_OPENED: opened, T.CHART_TREND_RESOLVED: resolved}
    return await asyncio.to_thread(charts.line_chart, T.CHART_TREND, labels, series,
                                   ylabel=T.CHART_COUNT)


async def rates_by_grid_chart(session: AsyncSession, scope: Scope, period: Period,
                              now: datetime) -> bytes:
    grids = list(await session.scalars(
        select(Grid).where(Grid.community_id == scope.community_id).order_by(Grid.id)))
    if scope.grid_id is not None:
        grids = [g for g in grids if g.id == scope.grid_id]
    series: dict[str, list[float]] = {name: [] for name in T.CHART_RATE_NAMES}
    for grid in grids:
        f = await stats.figures(session, replace(scope, grid_id=grid.id), period, now)
        for name, rate in zip(T.CHART_RATE_NAMES,
                              (f.response_rate, f.resolve_rate, f.satisfaction_rate), strict=True):
            series[name].append(round((rate or 0.0) * 100, 1))
    labels = [g.name for g in grids] or [T.NONE]
    if not grids:
        series = {name: [0.0] for name in series}
    return await asyncio.to_thread(charts.grouped_bar_chart, T.CHART_RATES, labels, series,
                                   ylabel=T.CHART_PERCENT)


async def all_charts(session: AsyncSession, scope: Scope, period: Period, now: datetime,
                     tz: ZoneInfo) -> list[bytes]:
    return [await categories_chart(session, scope, period),
            await trend_chart(session, scope, period, tz),
            await rates_by_grid_chart(session, scope, period, now)]
