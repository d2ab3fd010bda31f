"""Scheduled polls (民意调查): the poll, its options, one delivery per target group,
the votes, and the people known to be in each group (for turnout)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, TgId, created_at

STATUSES = ("scheduled", "open", "closed", "cancelled")
KINDS = ("native", "buttons")
ELIGIBILITY = ("anyone", "residents", "household")


class Poll(Base):
    __tablename__ = "opinion_polls"
    __table_args__ = (Index("ix_opinion_polls_status_community", "status", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="native")  # native | buttons
    preset: Mapped[str | None] = mapped_column(String(20))  # evaluation preset name
    multiple: Mapped[bool] = mapped_column(default=False)
    # Anonymous (the default): nobody, staff included, sees who voted what; results and
    # exports are totals only. Native anonymous polls are counted from Telegram's totals.
    anonymous: Mapped[bool] = mapped_column(default=True)
    eligibility: Mapped[str] = mapped_column(String(10), default="anyone")
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminders: Mapped[list[Any]] = mapped_column(default=list)  # minutes before the close
    recurrence: Mapped[dict[str, Any] | None]  # see bot.polls.schedule
    series_id: Mapped[int | None] = mapped_column(index=True)  # first poll of a recurrence
    occurrence: Mapped[int] = mapped_column(default=1)
    project_id: Mapped[int | None] = mapped_column(index=True)
    category: Mapped[str | None] = mapped_column(String(30))
    result: Mapped[dict[str, Any] | None]  # evaluation.Tally.as_dict()
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()

    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", cascade="all, delete-orphan", lazy="selectin")
    deliveries: Mapped[list[PollDelivery]] = relationship(
        order_by="PollDelivery.id", cascade="all, delete-orphan", lazy="selectin")

    @property
    def texts(self) -> list[str]:
        return [o.text for o in self.options]

    @property
    def chat_ids(self) -> list[int]:
        return [d.chat_id for d in self.deliveries]


class PollOption(Base):
    __tablename__ = "opinion_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("opinion_polls.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str | None] = mapped_column(String(20))  # preset choice slug


class PollDelivery(Base):
    """The poll as posted in one target group."""

    __tablename__ = "opinion_deliveries"
    __table_args__ = (UniqueConstraint("poll_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("opinion_polls.id", ondelete="CASCADE"))
    chat_id: Mapped[TgId]
    message_id: Mapped[int | None]
    tg_poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stopped: Mapped[bool] = mapped_column(default=False)
    # An anonymous native poll: Telegram's latest totals (votes per option, voters).
    counts: Mapped[list[Any] | None]
    voters: Mapped[int | None]


class PollVote(Base):
    """One ballot per person per poll (and per household when the poll says so)."""

    __tablename__ = "opinion_votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "person_id"),
        UniqueConstraint("poll_id", "household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("opinion_polls.id", ondelete="CASCADE"),
                                         index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    household: Mapped[str | None] = mapped_column(String(50))  # only for household polls
    chat_id: Mapped[TgId | None]  # where the vote was cast
    choices: Mapped[list[Any]] = mapped_column(default=list)  # option positions
    voted_at: Mapped[datetime]


class PollMember(Base):
    """A person seen in a group: the eligible base for "anyone in the groups"."""

    __tablename__ = "opinion_members"
    __table_args__ = (UniqueConstraint("chat_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[TgId] = mapped_column(index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime]
