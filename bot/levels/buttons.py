"""Callback data of levels: rating a department, the /depts and /rank periods."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class DeptRate(Callback, prefix="dr"):
    w: int  # whistle id
    v: int  # 1 satisfied, 2 basic, 3 unsatisfied


@dataclass(frozen=True)
class DeptsView(Callback, prefix="dv"):
    p: int  # index in PERIODS (this month, last month)


@dataclass(frozen=True)
class RankView(Callback, prefix="rk"):
    p: int  # index in PERIODS
