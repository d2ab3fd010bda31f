"""Callback data of the rounds' buttons (64 bytes: a short prefix, integer fields)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.ui import Callback


class RoundAct(IntEnum):
    GRID = 1  # v = grid: start a round there
    VISIT = 2  # p = page of the grid's buildings
    BUILDING = 3  # v = building, p = page of its households
    ROOM = 4  # v = room: a household visit
    PLACE = 5  # v = building (0: anywhere): a place, not a household
    OUTCOME = 6  # v = visit, p = index in OUTCOMES
    CLOSE = 7


@dataclass(frozen=True)
class RoundBtn(Callback, prefix="rd"):
    a: RoundAct
    r: int  # the round (0 before it exists)
    v: int = 0
    p: int = 0
