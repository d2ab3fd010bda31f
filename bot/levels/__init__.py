"""Levels above the community (街道, 区) and what they see: the org-file sections for
streets, districts and the 权责清单 (bot.levels.sections), departments rated by the
community after 吹哨报到 (bot.levels.depts, /depts), and the monthly 比学赶超 rankings
(bot.levels.rankings, /rank). Escalation to these levels, their deadlines and their
scope live where cases and the org are (bot.cases.sla / workflow / access,
bot.org.levels). This module is the public surface for handlers."""
from __future__ import annotations

from bot.levels.buttons import DeptRate, DeptsView, RankView
from bot.levels.depts import Rated, add_reason, depts_screen, rate
from bot.levels.rankings import ensure_rank_timers, rank_screen
from bot.levels.scope import Screen

__all__ = [
    "DeptRate", "DeptsView", "RankView", "Rated", "Screen", "add_reason", "depts_screen",
    "ensure_rank_timers", "rank_screen", "rate", "wire",
]


def wire() -> None:
    """Org-file sections, the rating prompt on resolution, the monthly ranking timer."""
    from bot import events
    from bot.levels import depts, rankings, sections
    from bot.org import section
    from bot.reports import service as reports
    from scheduler import timers

    for sec in sections.SECTIONS:
        section(sec)
    events.subscribe(events.CaseResolved, depts.on_case_resolved)
    timers.register({rankings.RANK: rankings.fire_rank})
    if rankings.ensure_rank_timers not in reports.ALSO_ENSURE:
        reports.ALSO_ENSURE.append(rankings.ensure_rank_timers)
