"""Reports (社情发布会) and the ledger (台账): figures, charts, scheduled posts, exports.

The public surface for handlers and the CLI: the /stats and /export screens
(bot.reports.views), their buttons, the scheduled reports' set-up, and the ledger."""
from __future__ import annotations

from bot.reports.buttons import ExportPick, StatsCharts, StatsView
from bot.reports.ledger import FORMATS, LedgerQuery, export, find_community
from bot.reports.service import ensure_report_timers
from bot.reports.stats import day_range
from bot.reports.views import (
    EXPORT_PERIODS,
    Document,
    Photo,
    Screen,
    export_by_args,
    export_menu,
    export_periods,
    export_picked,
    stats_charts,
    stats_screen,
)

__all__ = [
    "EXPORT_PERIODS", "FORMATS", "Document", "ExportPick", "LedgerQuery", "Photo", "Screen",
    "StatsCharts", "StatsView", "day_range", "ensure_report_timers", "export", "export_by_args",
    "export_menu", "export_periods", "export_picked", "find_community", "stats_charts",
    "stats_screen",
]


def wire() -> None:
    """Register this feature's timers, and the other features' lines in the figures."""
    from bot import council, points, wishes
    from bot.polls import service as polls
    from bot.projects import service as projects
    from bot.reports import service, stats
    from bot.rounds import stale
    from scheduler import timers

    timers.register({
        "report.weekly": service.fire_weekly,
        "report.monthly": service.fire_monthly,
        "report.daily": service.fire_daily,
    })
    stats.SUMMARIES.update(projects=projects.report_summary, polls=polls.report_summary,
                           council=council.report_summary, wishes=wishes.report_summary,
                           points=points.report_summary)
    if stale.ensure_timers not in service.ALSO_ENSURE:  # the rounds' daily not-visited check
        service.ALSO_ENSURE.append(stale.ensure_timers)
