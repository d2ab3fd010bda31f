"""Polls (民意调查 / 群众评价): one poll, its options, one delivery per target group,
one vote per voter (or per household), and the stored result with its chart."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, TgId, created_at

# Poll.status values; transitions are in bot.services.polls.
SCHEDULED, OPEN, CLOSED, CANCELLED = "scheduled", "open", "closed", "cancelled"
# Poll.kind: a native Telegram poll per group, or a message with inline buttons.
NATIVE, BUTTONS = "native", "buttons"
# Poll.eligibility: who may vote.
ANYONE, RESIDENTS, HOUSEHOLD = "anyone", "residents", "household"


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    preset: Mapped[str | None] = mapped_column(String(20))  # bot.services.evaluation.PRESETS
    kind: Mapped[str] = mapped_column(String(10), default=NATIVE)
    multiple: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=True)  # to residents; Telegram never
    eligibility: Mapped[str] = mapped_column(String(12), default=ANYONE)
    with_comment: Mapped[bool] = mapped_column(default=False)
    all_groups: Mapped[bool] = mapped_column(default=False)  # re-resolved per occurrence
    status: Mapped[str] = mapped_column(String(12), default=SCHEDULED, index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminders: Mapped[list[Any]] = mapped_column(default=list)  # minutes before the close
    recurrence: Mapped[str | None] = mapped_column(String(60))  # see services.poll_schedule
    series_id: Mapped[int | None] = mapped_column(index=True)  # first poll of the series
    next_id: Mapped[int | None]  # the next occurrence, once created
    project_id: Mapped[int | None] = mapped_column(index=True)  # projects.id (no FK on purpose)
    case_category: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()

    options: Mapped[list[PollOption]] = relationship(
        back_populates="poll", order_by="PollOption.position", cascade="all, delete-orphan",
        lazy="selectin",
    )
    deliveries: Mapped[list[PollDelivery]] = relationship(
        back_populates="poll", order_by="PollDelivery.id", cascade="all, delete-orphan",
        lazy="selectin",
    )


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int]  # 0-based, the Telegram option index
    text: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str | None] = mapped_column(String(20))  # preset choice slug

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollDelivery(Base):
    """The poll as posted in one target group."""

    __tablename__ = "poll_deliveries"
    __table_args__ = (UniqueConstraint("poll_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[TgId]
    title: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[int | None]
    tg_poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    member_count: Mapped[int | None]  # from getChatMemberCount at open, bots excluded
    stopped: Mapped[bool] = mapped_column(default=False)  # stopPoll queued

    poll: Mapped[Poll] = relationship(back_populates="deliveries")


class Vote(Base):
    """One voter's current choice; a changed vote replaces it. With the household rule
    `household` is set and unique per poll, so a household counts once."""

    __tablename__ = "poll_votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "person_id"),
        UniqueConstraint("poll_id", "household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    household: Mapped[str | None] = mapped_column(String(80))
    choices: Mapped[list[Any]] = mapped_column(default=list)  # option positions
    chat_id: Mapped[TgId | None]  # where it was cast
    comment: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[datetime]
    changes: Mapped[int] = mapped_column(default=0)


class PollResult(Base):
    """The stored tally at close (bot.services.evaluation.Tally.as_dict) and its chart."""

    __tablename__ = "poll_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), unique=True)
    tally: Mapped[dict[str, Any]]
    voters: Mapped[int] = mapped_column(default=0)
    eligible: Mapped[int | None]
    satisfaction: Mapped[float | None]  # 0..1 for the satisfaction preset
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    late: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime]
