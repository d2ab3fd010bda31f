"""Communities side by side in /stats, for whoever sees several (a street or district
officer, an organizer of more than one community): one line each, the figures of
bot.reports.stats for the same period."""
from __future__ import annotations

from datetime import datetime
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Community
from bot.reports import stats
from bot.reports import texts as T
from bot.reports.render import pct

MAX_ROWS = 12


async def side_by_side(session: AsyncSession, communities: list[Community],
                       period: stats.Period, now: datetime) -> str:
    lines = [T.COMPARE_TITLE]
    for c in communities[:MAX_ROWS]:
        f = await stats.figures(session, stats.Scope(c.id), period, now, extras=False)
        lines.append(T.COMPARE_LINE.format(
            name=escape(c.name), opened=f.opened, response=pct(f.response_rate),
            resolve=pct(f.resolve_rate), satisfaction=pct(f.satisfaction_rate),
            overdue=f.overdue))
    if len(communities) > MAX_ROWS:
        lines.append(T.COMPARE_MORE.format(n=len(communities) - MAX_ROWS))
    return "\n".join(lines)
