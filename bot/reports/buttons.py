"""Callback data of the report buttons: short prefixes, integer fields only (64 bytes)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class StatsView(Callback, prefix="rs"):
    c: int  # community id
    g: int  # grid id, 0 = whole community
    p: int  # index into stats.PERIOD_CODES


@dataclass(frozen=True)
class StatsCharts(Callback, prefix="rc"):
    c: int
    g: int
    p: int


@dataclass(frozen=True)
class ExportPick(Callback, prefix="rx"):
    c: int
    p: int  # index into views.EXPORT_PERIODS, -1 = choose the period next
    f: int  # index into ledger.FORMATS: 0 xlsx, 1 csv
