"""Callback data of volunteer buttons (bot.ui)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class SignUp(Callback, prefix="vs"):
    """报名 under an activity post."""

    activity_id: int
