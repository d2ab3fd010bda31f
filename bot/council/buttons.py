"""Callback data of council buttons (bot.ui): short prefixes, integer ids only."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class Support(Callback, prefix="kz"):
    """附议 under a topic's group post."""

    topic_id: int


@dataclass(frozen=True)
class CheckIn(Callback, prefix="kq"):
    """签到 under a meeting notice."""

    meeting_id: int


@dataclass(frozen=True)
class Ballot(Callback, prefix="kv"):
    """A council ballot: meeting id and index into bot.db.models.council.CHOICES."""

    meeting_id: int
    choice: int


@dataclass(frozen=True)
class Book(Callback, prefix="kb"):
    """预约 under a 书记接待日 post."""

    slot_id: int
