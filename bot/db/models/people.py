"""The register of residents (一楼一档): rooms of a building (unit and number), the
household living in a room, its residents (with or without Telegram), their register
roles, every move and departure, and self-registration requests (/join)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, created_at

# Register roles (slug → the name community staff use).
REGISTER_ROLES = {
    "building_head": "楼栋长",
    "party_household": "党员中心户",
    "representative": "居民代表",
    "supervisor": "百姓监督员",
    "volunteer": "志愿者",
}
ACTIVE, LEFT = "active", "left"
MOVE_KINDS = ("joined", "moved", "left")


class Room(Base):
    """A flat: building + unit ("" when the building has none) + number."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("building_id", "unit", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"),
                                             index=True)
    unit: Mapped[str] = mapped_column(String(10), default="")
    number: Mapped[str] = mapped_column(String(10))


class Household(Base):
    """Who lives in a room now; its residents' moves stay in `resident_moves`."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"),
                                         unique=True)
    label: Mapped[str] = mapped_column(String(40))  # "3-2-301", also Person.household
    created_at: Mapped[datetime] = created_at()


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True)
    # The Telegram person, when there is one (an elderly resident may have none).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"),
                                                  index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)  # active | left
    since: Mapped[datetime]
    left_at: Mapped[datetime | None]

    roles: Mapped[list[ResidentRole]] = relationship(
        cascade="all, delete-orphan", order_by="ResidentRole.id", lazy="selectin")


class ResidentRole(Base):
    __tablename__ = "resident_roles"
    __table_args__ = (UniqueConstraint("resident_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"),
                                             index=True)
    role: Mapped[str] = mapped_column(String(20))  # a key of REGISTER_ROLES


class ResidentMove(Base):
    """History: a resident joined a household, moved from one to another, or left."""

    __tablename__ = "resident_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(10))  # joined | moved | left
    from_household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True)
    to_household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class JoinRequest(Base):
    """/join: a Telegram person asks to be registered in a room; an organizer or that
    building's 楼栋长 decides with one press."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # approved|rejected|…
    at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
