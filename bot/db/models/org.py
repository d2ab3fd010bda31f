"""Organisation: communities, grids, buildings, groups, people, roles, departments."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, TgId, created_at

ROLES = ("resident", "grid_worker", "organizer", "admin", "street", "district", "department")


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # prefix of case numbers
    street: Mapped[str | None] = mapped_column(String(100))  # 街道, the level above
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # SLA overrides etc.
    created_at: Mapped[datetime] = created_at()

    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")


class Grid(Base):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    routing: Mapped[str] = mapped_column(String(20), default="round_robin")  # or "duty"
    rr_cursor: Mapped[int] = mapped_column(default=0)

    community: Mapped[Community] = relationship(back_populates="grids")
    buildings: Mapped[list[Building]] = relationship(back_populates="grid")


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))  # as people say it: "3号楼"
    number: Mapped[str | None] = mapped_column(String(20))  # normalised: "3"

    grid: Mapped[Grid] = relationship(back_populates="buildings")


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))  # 物业 / 城管 / 派出所 ...
    chat_id: Mapped[TgId | None]  # a department group, if it has one
    ack_hours: Mapped[float] = mapped_column(default=4.0)  # time to 报到 after 吹哨
    categories: Mapped[list[Any]] = mapped_column(default=list)  # categories routed here


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    tg_id: Mapped[TgId | None] = mapped_column(unique=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(30))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="SET NULL"))
    household: Mapped[str | None] = mapped_column(String(50))  # e.g. "3-2-301"
    started_bot: Mapped[bool] = mapped_column(default=False)
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at()

    roles: Mapped[list[Role]] = relationship(back_populates="person", cascade="all, delete-orphan")


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "community_id", "grid_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE")
    )
    # a street or district officer (role "street" / "district"): bot.db.models.levels
    level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    duty_order: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship(back_populates="roles")


class GroupChat(Base):
    __tablename__ = "group_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[TgId] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    bot_is_admin: Mapped[bool] = mapped_column(default=False)
    privacy_warned: Mapped[bool] = mapped_column(default=False)
    # a message with a phone or ID number is removed and reposted masked (bot.privacy.guard)
    repost_masked: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at()

    grid: Mapped[Grid | None] = relationship()
