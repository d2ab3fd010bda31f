"""Volunteers, 双报到 and 志愿积分: registration (with the unit for 双报到), activities with
sign-up and check-in, the append-only points ledger by community rules, the monthly
leaderboard (opt-out), and the 爱心超市 where an organizer records exchanges.

Other features pay points through `grant` (wishes for a completed wish; cases may for a
valid 随手拍, projects for a fulfilled pledge); reports may register `report_summary`."""
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
    """Nothing to register yet (no timers). Idempotent."""
