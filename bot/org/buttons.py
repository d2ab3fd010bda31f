"""Callback data of the org's buttons: short prefixes, integer ids only (64 bytes)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class BindGrid(Callback, prefix="bg"):
    grid_id: int
