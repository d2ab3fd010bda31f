"""Callback data of the register's buttons: short prefixes, integer fields (64 bytes)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.ui import Callback


class JoinAct(IntEnum):
    COMMUNITY = 1  # v = community id, p = page of its buildings
    BUILDING = 2  # v = building id, p = page of its rooms
    ROOM = 3  # v = room id: ask to be registered there


@dataclass(frozen=True)
class JoinPick(Callback, prefix="jn"):
    a: JoinAct
    v: int
    p: int = 0


@dataclass(frozen=True)
class JoinDecide(Callback, prefix="jd"):
    r: int  # the JoinRequest
    ok: int  # 1 approve, 0 reject
