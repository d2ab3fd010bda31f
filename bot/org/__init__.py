"""The organisation: communities, grids, buildings, people and their roles, groups.

The public surface for handlers and other features is this module: the group and role
actions (bot.org.actions), the lookups of bot.org.service and the org file import."""
from __future__ import annotations

from bot.org.actions import (
    Said,
    Who,
    appoint_worker,
    bind,
    bind_menu,
    help_for,
    help_text,
    membership_changed,
    roles,
    staff_roles,
    start,
    whoami,
)
from bot.org.buttons import BindGrid
from bot.org.orgfile import OrgFileError, Section, import_file, section
from bot.org.service import (
    ROLE_NAMES,
    can_organize,
    grant,
    grid_workers,
    grids_for,
    group_by_chat,
    group_chats_of_community,
    organizer_communities,
    organizers,
    person_by_tg,
    person_by_username,
    upsert_person,
)

__all__ = [
    "ROLE_NAMES", "BindGrid", "OrgFileError", "Said", "Section", "Who", "appoint_worker", "bind",
    "bind_menu", "can_organize", "grant", "grid_workers", "grids_for", "group_by_chat",
    "group_chats_of_community", "help_for", "help_text", "import_file", "membership_changed",
    "organizer_communities", "organizers", "person_by_tg", "person_by_username", "roles",
    "section", "staff_roles", "start", "upsert_person", "whoami",
]


def wire() -> None:
    """The org has no timers or hooks."""
