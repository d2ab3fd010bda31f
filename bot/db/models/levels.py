"""Levels above the community (街道, 区), the responsibility list (权责清单) and the
community's rating of a whistled department (吹哨报到 评价)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, created_at

STREET, DISTRICT = "street", "district"


class Level(Base):
    """A street office (kind "street", parent: its district) or a district. Communities
    name their street in Community.street; officers hold Role(role=kind, level_id)."""

    __tablename__ = "levels"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="SET NULL"))
    # {"hours": 24}: how long this level has to act on a case escalated to it
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at()


class Responsibility(Base):
    """权责清单: how long a department has to 报到 on a category, in one street (or
    everywhere when level_id is None). Departments are matched by name."""

    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("level_id", "department", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    hours: Mapped[float]


class DeptRating(Base):
    """The community's word on a whistled department's response, once per whistle."""

    __tablename__ = "dept_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    whistle_id: Mapped[int] = mapped_column(
        ForeignKey("whistles.id", ondelete="CASCADE"), unique=True)
    rating: Mapped[str] = mapped_column(String(12))  # satisfied|basic|unsatisfied
    reason: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
