"""A community's settings (Community.settings, the org file's `settings:`): checked key
by key when the file is read (an unknown key or a bad value is a line-numbered error,
nothing is imported), and shown to organizers by /settings with the defaults filled in.

The case loop's keys are `sla` (bot.cases.sla.DEFAULTS: every key there is allowed)
and `photo_required`; other features' keys are listed in OTHER (a feature adding one
adds a line there)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import sla
from bot.cases import texts as T
from bot.cases.core import CaseRefused
from bot.context import AppContext
from bot.db.models import Community, Person
from bot.org import service as org
from bot.taxonomy import CATEGORIES, category_name

WINDOW_KEYS = ("accept_minutes", "resolve_hours")
FRACTIONS = ("remind_fraction",)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


# Other features' keys: (check, what the error says a good value is).
OTHER: dict[str, tuple[Callable[[Any], bool], str]] = {
    "project_stale_days": (_days, "a whole number of days, e.g. 14"),
    "project_decision_poll_days": (_days, "a whole number of days, e.g. 3"),
    "project_evaluation_days": (_days, "a whole number of days, e.g. 7"),
    "round_stale_days": (_days, "a whole number of days, e.g. 30"),
    "rank_to_groups": (_flag, "true or false"),
}
KEYS = ("sla", "photo_required", *OTHER)


def check(node: Any, ck: Any) -> None:
    """The org file's community `settings:` (ck: bot.org.orgfile's checker)."""
    if not isinstance(node, dict):
        ck.err(node, "settings: expected a mapping (key: value)")
        return
    for key, value in node.items():
        if key == "sla":
            _check_sla(value, node, ck)
        elif key == "photo_required":
            _check_categories(value, node, ck, "settings.photo_required")
        elif key in OTHER:
            good, what = OTHER[key]
            if not good(value):
                ck.err(node, f"settings.{key}: expected {what}, got {value!r}")
        else:
            ck.err(node, f"settings: unknown key '{key}' (known: {', '.join(KEYS)})")


def _check_sla(node: Any, parent: Any, ck: Any) -> None:
    if not isinstance(node, dict):
        ck.err(parent, "settings.sla: expected a mapping (key: value)")
        return
    for key, value in node.items():
        where = f"settings.sla.{key}"
        if key not in sla.DEFAULTS:
            ck.err(node, f"settings.sla: unknown key '{key}' (known: {', '.join(sla.DEFAULTS)})")
        elif key in ("urgent", "normal", "suggestion"):
            _check_window(value, node, ck, where, allow_none=key == "suggestion")
        elif key == "categories":
            if not isinstance(value, dict):
                ck.err(node, f"{where}: expected a mapping of category: {{accept_minutes: …}}")
                continue
            for cat, window in value.items():
                if cat not in CATEGORIES:
                    ck.err(value, f"{where}: unknown category '{cat}'")
                _check_window(window, value, ck, f"{where}.{cat}", allow_none=False)
        elif key in FRACTIONS:
            if not _positive(value) or value >= 1:
                ck.err(node, f"{where}: expected a number between 0 and 1, got {value!r}")
        elif value is not None and not (_positive(value) or (key == "batch_minutes"
                                                             and value == 0)):
            ck.err(node, f"{where}: expected a positive number, got {value!r}")


def _check_window(node: Any, parent: Any, ck: Any, where: str, *, allow_none: bool) -> None:
    if node is None and allow_none:
        return
    if not isinstance(node, dict):
        ck.err(parent, f"{where}: expected {{accept_minutes: N, resolve_hours: N}}")
        return
    for key, value in node.items():
        if key not in WINDOW_KEYS:
            ck.err(node, f"{where}: unknown key '{key}' (known: {', '.join(WINDOW_KEYS)})")
        elif value is not None and not _positive(value):
            ck.err(node, f"{where}.{key}: expected a positive number, got {value!r}")


def _check_categories(value: Any, parent: Any, ck: Any, where: str) -> None:
    if not isinstance(value, list):
        ck.err(parent, f"{where}: expected a list of categories, e.g. [sanitation, facilities]")
        return
    for cat in value:
        if cat not in CATEGORIES:
            ck.err(value, f"{where}: unknown category '{cat}' (known: {', '.join(CATEGORIES)})")


async def apply(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    """The import already stored `settings:` on the community; count its keys."""
    return len(node)


# --- /settings --------------------------------------------------------------------------

def _n(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _window(window: dict[str, Any] | None) -> str:
    if not window:
        return T.SETTINGS_NO_LIMIT
    accept, resolve = window.get("accept_minutes"), window.get("resolve_hours")
    return T.SETTINGS_WINDOW.format(
        accept=T.SETTINGS_MINUTES.format(n=_n(accept)) if accept else T.SETTINGS_NO_LIMIT,
        resolve=T.SETTINGS_HOURS.format(n=_n(resolve)) if resolve else T.SETTINGS_NO_LIMIT)


def describe(community: Community) -> str:
    """The settings in force, each marked 默认 or 本社区设置."""
    own = community.settings or {}
    own_sla = own.get("sla") or {}
    conf = sla.config(community)

    def mark(key: str, mine: dict[str, Any] = own_sla) -> str:
        return T.SETTINGS_OWN if key in mine else T.SETTINGS_DEFAULT

    lines = [T.SETTINGS_HEAD.format(community=community.name)]
    for key, label in T.SETTINGS_WINDOWS.items():
        lines.append(f"{label}：{_window(conf.get(key))}{mark(key)}")
    for cat, window in (conf.get("categories") or {}).items():
        merged = {**(conf.get("normal") or {}), **(window or {})}
        lines.append(T.SETTINGS_CATEGORY.format(category=category_name(cat),
                                                window=_window(merged)))
    lines.append(T.SETTINGS_REMIND.format(pct=_n(float(conf["remind_fraction"]) * 100))
                 + mark("remind_fraction"))
    lines.append(T.SETTINGS_RATING.format(days=_n(conf["rating_days"])) + mark("rating_days"))
    lines.append(T.SETTINGS_BATCH.format(minutes=_n(conf["batch_minutes"]))
                 + mark("batch_minutes"))
    if "community_hours" in conf:
        hours = conf.get("community_hours")
        lines.append(T.SETTINGS_COMMUNITY_HOURS.format(
            hours=T.SETTINGS_HOURS.format(n=_n(hours)) if hours else T.SETTINGS_SAME_SLA)
            + mark("community_hours"))
    photos = own.get("photo_required") or []
    lines.append(T.SETTINGS_PHOTO.format(
        cats="、".join(category_name(c) for c in photos) if photos else T.SETTINGS_NONE)
        + mark("photo_required", own))
    others = [f"{key}: {own[key]}" for key in OTHER if key in own]
    if others:
        lines.append(T.SETTINGS_OTHER.format(items="；".join(others)))
    lines.append(T.SETTINGS_FOOT)
    return "\n".join(lines)


async def screen(session: AsyncSession, ctx: AppContext, person: Person,
                 chat_id: int | None) -> str:
    """/settings: the settings of the communities this organizer runs (in a group: the
    group's community only)."""
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if chat_id is not None:
        group = await org.group_by_chat(session, chat_id)
        here = group.grid.community_id if group is not None and group.grid else None
        communities = [c for c in communities if c.id == here]
    if not communities:
        raise CaseRefused(T.SETTINGS_ORGANIZERS_ONLY)
    return "\n\n".join(describe(c) for c in communities)
