"""Volunteers, 双报到 party members, activities, the points ledger (志愿积分) and the
爱心超市 catalogue. The ledger is append-only: a balance is the sum of its entries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

VOLUNTEER, PARTY = "volunteer", "party"  # 志愿者, 在职党员（双报到）
# Why points move: the community's rules name the first four (bot.points.service.RULES).
WISH, HOUR, REPORT, PLEDGE, MANUAL, EXCHANGE = (
    "wish", "hour", "report", "pledge", "manual", "exchange")


class Volunteer(Base):
    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("person_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default=VOLUNTEER)
    unit: Mapped[str | None] = mapped_column(String(100))  # 双报到: the employer unit
    hidden: Mapped[bool] = mapped_column(default=False)  # opted out of the leaderboard
    at: Mapped[datetime]


class PointEntry(Base):
    """One line of the ledger: who got (or spent) how many points, why, from whom, when."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("person_id", "ref"),  # the same deed is never paid twice
        Index("ix_point_entries_community_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    amount: Mapped[int]  # negative for an exchange
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[str | None] = mapped_column(String(60))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class Activity(Base):
    """A volunteer activity an organizer posts: time, place, places, check-in code."""

    __tablename__ = "volunteer_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(100))
    slots: Mapped[int]
    hours: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(8))  # said at the place; /checkin CODE
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class Signup(Base):
    __tablename__ = "volunteer_signups"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_activities.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    checked_in_at: Mapped[datetime | None]


class ShopItem(Base):
    """爱心超市: what points buy."""

    __tablename__ = "shop_items"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    cost: Mapped[int]
    stock: Mapped[int | None]  # None = unlimited
