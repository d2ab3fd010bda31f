"""Reports (社情发布会) and the ledger (台账): figures, charts, scheduled posts, exports."""
from __future__ import annotations


def wire() -> None:
    """Register this feature's timers, and the other features' lines in the figures."""
    from bot.polls import service as polls
    from bot.projects import service as projects
    from bot.reports import service, stats  # noqa: F401  (transitional: decorators register)

    stats.SUMMARIES.update(projects=projects.report_summary, polls=polls.report_summary)
