"""Figures as Chinese text (shared by /stats and the scheduled posts). No aiogram."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from html import escape

from bot.reports import texts as T
from bot.reports.stats import Durations, Figures, Period
from bot.taxonomy import category_name


def pct(value: float | None) -> str:
    return T.NONE if value is None else T.PERCENT.format(value * 100)


def span(value: timedelta | None) -> str:
    if value is None:
        return T.NONE
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return T.DAYS.format(d=days, h=hours)
    if hours:
        return T.HOURS.format(h=hours, m=mins)
    return T.MINUTES.format(m=mins)


def period_label(period: Period) -> str:
    first, last = period.first_day, period.last_day
    if period.kind == "week":
        year, week, _ = first.isocalendar()
        return T.PERIOD_WEEK.format(year=year, week=week, first=first, last=last)
    if period.kind == "month":
        return T.PERIOD_MONTH.format(first=first)
    if period.kind == "year":
        return T.PERIOD_YEAR.format(first=first)
    return T.PERIOD_CUSTOM.format(first=first, last=last)


def building_label(building: str) -> str:
    return T.BUILDING.format(building) if building[-1:].isdigit() else building


def items(pairs: Iterable[tuple[str, int]]) -> str:
    return T.SEP.join(T.ITEM.format(name=name, n=n) for name, n in pairs) or T.NONE


def _durations(prefix: str, d: Durations) -> dict[str, str]:
    return {f"{prefix}_median": span(d.median), f"{prefix}_p90": span(d.p90)}


def rates(f: Figures) -> dict[str, str]:
    return {"response": pct(f.response_rate), "resolve": pct(f.resolve_rate),
            "satisfaction": pct(f.satisfaction_rate), "unrated_share": pct(f.unrated_share)}


def figures_text(f: Figures) -> str:
    """The full block used by /stats and the weekly summary (HTML-safe)."""
    body = T.STATS_LINES.format(
        opened=f.opened, duplicates=f.duplicates, plus_ones=f.plus_ones, resolved=f.resolved,
        closed=f.closed, overdue=f.overdue, reopened=f.reopened,
        accepted_in_time=f.accepted_in_time, due_accept=f.due_accept,
        resolved_of_due=f.resolved_of_due, due_resolve=f.due_resolve,
        satisfied=f.satisfied, basic=f.basic, unsatisfied=f.unsatisfied,
        **rates(f), **_durations("accept", f.to_accept), **_durations("resolve", f.to_resolve),
    )
    lines = [body]
    if f.top_categories:
        lines.append(T.TOP_CATEGORIES.format(
            items=items((category_name(c), n) for c, n in f.top_categories)))
    if f.top_buildings:
        lines.append(T.TOP_BUILDINGS.format(
            items=escape(items((building_label(b), n) for b, n in f.top_buildings))))
    lines += extras_lines(f)
    return "\n".join(lines)


def extras_lines(f: Figures) -> list[str]:
    """The other features' lines (projects, polls, 议事, 微心愿, 积分), each present only
    when its summary has something to say."""
    return [T.EXTRA_LINES.get(area, "{text}").format(text=escape(str(text)))
            for area, text in f.extras.items() if text]


def stats_message(scope_label: str, f: Figures) -> str:
    title = T.STATS_TITLE.format(scope=escape(scope_label), period=period_label(f.period))
    return f"<b>{title}</b>\n{figures_text(f)}"
