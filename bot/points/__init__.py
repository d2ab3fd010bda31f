"""Volunteers, 双报到 and 志愿积分: registration (with the unit for 双报到), activities with
sign-up and check-in, the append-only points ledger by community rules, the monthly
leaderboard (opt-out), and the 爱心超市 where an organizer records exchanges.

Other features pay points through `grant` (wishes for a completed wish, projects for a
fulfilled pledge); a valid 随手拍 is paid when its case is resolved (bot.events.CaseResolved,
bot.points.snaps); reports may register `report_summary`."""
from __future__ import annotations

from bot.points import texts
from bot.points.actions import (
    activity_checkin,
    activity_new,
    checkin,
    exchange,
    grant_command,
    leaderboard,
    leaderboard_optout,
    points,
    shop,
    shop_add,
    signup_button,
    volunteer,
)
from bot.points.buttons import SignUp
from bot.points.service import (
    PointsError,
    community_for,
    grant,
    home_community,
    is_volunteer,
    lookup,
    parse_time,
    person_named,
    reachable,
    report_summary,
    volunteer_row,
)

__all__ = [
    "PointsError",
    "SignUp",
    "activity_checkin",
    "activity_new",
    "checkin",
    "community_for",
    "exchange",
    "grant",
    "grant_command",
    "home_community",
    "is_volunteer",
    "leaderboard",
    "leaderboard_optout",
    "lookup",
    "parse_time",
    "person_named",
    "points",
    "reachable",
    "report_summary",
    "shop",
    "shop_add",
    "signup_button",
    "texts",
    "volunteer",
    "volunteer_row",
    "wire",
]


def wire() -> None:
    """The org file's `points:` section; 随手拍 points when a case is resolved. Idempotent."""
    from bot import events
    from bot.org import orgfile
    from bot.points import settings, snaps

    orgfile.section(orgfile.Section("points", "community", settings.check, settings.apply))
    events.subscribe(events.CaseResolved, snaps.on_case_resolved)
