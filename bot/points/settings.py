"""The org file's per-community `points:` section: the points each deed earns and the
daily cap on 随手拍 awards. Stored in Community.settings["points_rules"], read by
bot.points.service.rule() and report_daily().

    points:
      wish: 10          # a claimed wish completed
      hour: 5           # per hour of service
      report: 2         # a 随手拍 report that became a valid case
      pledge: 5         # a pledge of labour kept
      report_daily: 3   # at most this many 随手拍 awards per person per day"""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models.points import HOUR, PLEDGE, REPORT, WISH

REPORT_DAILY = "report_daily"
KEYS = (WISH, HOUR, REPORT, PLEDGE, REPORT_DAILY)


def check(node: Any, ck: Any) -> None:
    if not isinstance(node, dict):
        ck.err(node, f"points: expected a mapping, e.g. {{report: 2, {REPORT_DAILY}: 3}}")
        return
    for key, value in node.items():
        if key not in KEYS:
            ck.err(node, f"points: unknown key '{key}' (known: {', '.join(KEYS)})")
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            ck.err(node, f"points.{key}: expected a whole number from 0 to 1000, got {value!r}")


async def apply(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    community = ctx["community"]
    community.settings = {**(community.settings or {}), "points_rules": dict(node)}
    return len(node)
