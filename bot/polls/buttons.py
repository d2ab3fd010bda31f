"""Callback data of poll buttons (bot.ui): short prefixes, integer fields only (64 bytes).
The wire format is `prefix:field:field`, unchanged from the classes it replaced."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.taxonomy import CATEGORIES
from bot.ui import Callback


@dataclass(frozen=True)
class VoteButton(Callback, prefix="ov"):
    """An inline-button ballot: poll id and option position."""

    p: int
    i: int


class Dlg(IntEnum):
    """Buttons of the /poll_new dialog (the draft itself lives in FSM storage)."""

    COMMUNITY = 1  # v = community id
    PRESET = 2  # v = index into PRESET_NAMES
    MULTIPLE = 3  # v = 0 single, 1 multiple
    ANONYMOUS = 4  # v = 0 public, 1 anonymous
    GROUP = 5  # v = group chat row id (toggle)
    ALL_GROUPS = 6
    GROUPS_DONE = 7
    OPEN_NOW = 8
    DURATION = 9  # v = minutes
    NO_REPEAT = 10
    ELIGIBILITY = 11  # v = index into ELIGIBILITY
    NO_LINK = 12
    CATEGORY = 13  # v = index into bot.taxonomy.CATEGORIES
    CONFIRM = 14
    EDIT = 15
    CANCEL = 16
    FIELD = 17  # v = index into bot.polls.spec.FIELDS


@dataclass(frozen=True)
class DialogButton(Callback, prefix="od"):
    a: Dlg
    v: int = 0


class ListAct(IntEnum):
    CANCEL = 1
    EDIT = 2
    RESULTS = 3


@dataclass(frozen=True)
class ListButton(Callback, prefix="ol"):
    a: ListAct
    p: int  # poll id


PRESET_NAMES = ("satisfaction", "score", "agree")
ELIGIBILITY = ("anyone", "residents", "household")
CATEGORY_SLUGS = tuple(CATEGORIES)  # Dlg.CATEGORY's v is an index into this
