"""Callback data of wish buttons (bot.ui)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class Review(Callback, prefix="wr"):
    """Staff review of a pending wish: approve 1, reject 0."""

    wish_id: int
    approve: int


@dataclass(frozen=True)
class Claim(Callback, prefix="wc"):
    """认领 under a wish's group post."""

    wish_id: int


@dataclass(frozen=True)
class Phone(Callback, prefix="wp"):
    """同意交换电话, offered to the claimer and the resident of a claimed wish."""

    wish_id: int
