"""Report charts as PNG bytes: cases by category, weekly trend, the three rates by grid,
each with a caption saying what it shows, for which period and how many cases (Chart).
Figures come from bot.reports.stats; drawing from the generic bot.charts."""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
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


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str


@dataclass(frozen=True)
class Label:
    """What a caption names: the scope ("东湖社区 · 全社区") and the period ("2026年10月")."""
    scope: str
    period: str


NO_LABEL = Label("", "")


async def _categories(session: AsyncSession, scope: Scope, period: Period, label: Label) -> Chart:
    counts = await stats.category_counts(session, scope, period)
    labels = [category_name(c) for c, _ in counts] or [T.NONE]
    values = [float(n) for _, n in counts] or [0.0]
    png = await asyncio.to_thread(charts.bar_chart, T.CHART_CATEGORIES, labels, values,
                                  ylabel=T.CHART_COUNT, horizontal=True)
    return Chart(png, T.CAPTION_CATEGORIES.format(**asdict(label),
                                                  n=sum(n for _, n in counts)))


async def _trend(session: AsyncSession, scope: Scope, period: Period, tz: ZoneInfo,
                 weeks: int, label: Label) -> Chart:
    """Opened and resolved per week, for the `weeks` weeks ending with the period's last."""
    last = stats.week_of(period.last_day, tz)
    first = stats.week_of(last.first_day - timedelta(days=7 * (weeks - 1)), tz)
    labels, opened, resolved = [], [], []
    for back in range(weeks - 1, -1, -1):
        week = stats.week_of(last.first_day - timedelta(days=7 * back), tz)
        labels.append(T.CHART_WEEK.format(week.first_day))
        opened.append(float(await stats.count_between(
            session, scope, Case.opened_at, week.start, week.end)))
        resolved.append(float(await stats.count_between(
            session, scope, Case.resolved_at, week.start, week.end)))
    series = {T.CHART_TREND_OPENED: opened, T.CHART_TREND_RESOLVED: resolved}
    png = await asyncio.to_thread(charts.line_chart, T.CHART_TREND, labels, series,
                                  ylabel=T.CHART_COUNT)
    return Chart(png, T.CAPTION_TREND.format(
        **asdict(label), weeks=weeks, first=first.first_day, last=last.last_day,
        opened=int(sum(opened)), resolved=int(sum(resolved))))


async def _rates(session: AsyncSession, scope: Scope, period: Period, now: datetime,
                 label: Label) -> Chart:
    grids = list(await session.scalars(
        select(Grid).where(Grid.community_id == scope.community_id).order_by(Grid.id)))
    if scope.grid_id is not None:
        grids = [g for g in grids if g.id == scope.grid_id]
    series: dict[str, list[float]] = {name: [] for name in T.CHART_RATE_NAMES}
    due = rated = 0
    for grid in grids:
        f = await stats.figures(session, replace(scope, grid_id=grid.id), period, now)
        due, rated = due + f.due_accept, rated + f.rated
        for name, rate in zip(T.CHART_RATE_NAMES,
                              (f.response_rate, f.resolve_rate, f.satisfaction_rate), strict=True):
            series[name].append(round((rate or 0.0) * 100, 1))
    labels = [g.name for g in grids] or [T.NONE]
    if not grids:
        series = {name: [0.0] for name in series}
    png = await asyncio.to_thread(charts.grouped_bar_chart, T.CHART_RATES, labels, series,
                                  ylabel=T.CHART_PERCENT)
    return Chart(png, T.CAPTION_RATES.format(**asdict(label), due=due, rated=rated))


async def categories_chart(session: AsyncSession, scope: Scope, period: Period) -> bytes:
    return (await _categories(session, scope, period, NO_LABEL)).png


async def trend_chart(session: AsyncSession, scope: Scope, period: Period, tz: ZoneInfo,
                      weeks: int = TREND_WEEKS) -> bytes:
    return (await _trend(session, scope, period, tz, weeks, NO_LABEL)).png


async def rates_by_grid_chart(session: AsyncSession, scope: Scope, period: Period,
                              now: datetime) -> bytes:
    return (await _rates(session, scope, period, now, NO_LABEL)).png


async def captioned_charts(session: AsyncSession, scope: Scope, period: Period, now: datetime,
                           tz: ZoneInfo, label: Label) -> list[Chart]:
    """The three charts, each captioned with what it shows, `label` and its counts."""
    return [await _categories(session, scope, period, label),
            await _trend(session, scope, period, tz, TREND_WEEKS, label),
            await _rates(session, scope, period, now, label)]


async def all_charts(session: AsyncSession, scope: Scope, period: Period, now: datetime,
                     tz: ZoneInfo) -> list[bytes]:
    return [c.png for c in await captioned_charts(session, scope, period, now, tz, NO_LABEL)]
