"""Callback data of project buttons (bot.ui): short prefixes, integer ids only."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class ProjFollow(Callback, prefix="pf"):
    project_id: int
    on: int  # 1 follow, 0 unfollow


@dataclass(frozen=True)
class ProjJoin(Callback, prefix="pj"):
    project_id: int


@dataclass(frozen=True)
class ProjPledge(Callback, prefix="pp"):
    project_id: int
    kind: int  # index into bot.db.models.projects.PLEDGE_KINDS
