"""Grid workers' rounds (走访 / 巡查, 民情日志): a round and its visits. A visit is to a
household of the register or to a place; what was found, photos, and its outcome:
nothing to do, fixed on the spot, 帮办代办 done, or a case opened (主动发现)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

OUTCOMES = ("ok", "fixed", "helped", "case")


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"),
                                                  index=True)
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_building_at", "building_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"),
                                          index=True)
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL"))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True)
    place: Mapped[str | None] = mapped_column(String(100))  # where, when not a household
    found: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(default=list)  # [[file_id, unique_id], …]
    outcome: Mapped[str | None] = mapped_column(String(10))  # None while being written
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    at: Mapped[datetime]
