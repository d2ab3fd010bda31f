"""The org file's per-community `wishes:` section: the most a wish may be worth.

    wishes:
      limit: 200   # 元; a wish naming a larger amount is refused (0: no limit)

Stored in Community.settings["wish_limit"]; without it the limit is LIMIT."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Community

LIMIT = 200  # 元: a 微心愿 is a small wish
KEY = "wish_limit"


def check(node: Any, ck: Any) -> None:
    if not isinstance(node, dict):
        ck.err(node, "wishes: expected a mapping, e.g. {limit: 200}")
        return
    for key, value in node.items():
        if key != "limit":
            ck.err(node, f"wishes: unknown key '{key}' (known: limit)")
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
            ck.err(node, f"wishes.limit: expected a whole number of 元 (0: no limit), got {value!r}")


async def apply(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    community = ctx["community"]
    if "limit" in node:
        community.settings = {**(community.settings or {}), KEY: node["limit"]}
    return len(node)


def limit(community: Community | None) -> int:
    """The community's limit in 元; 0 means none."""
    value = ((community.settings or {}) if community else {}).get(KEY)
    return value if isinstance(value, int) and value >= 0 else LIMIT
