"""Durable plumbing: the update inbox, the message outbox and scheduled timers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, TgId, created_at


class InboxUpdate(Base):
    """Every update is stored here before Telegram is told we have it."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_status_update", "status", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    chat_key: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = created_at()
    done_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message the bot must deliver, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),
                      Index("ix_outbox_message", "chat_id", "message_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[TgId] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(30))  # sendMessage, sendPhoto, stopPoll ...
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|dead
    priority: Mapped[int] = mapped_column(default=0)  # higher goes first (urgent alerts)
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    on_sent: Mapped[str | None] = mapped_column(String(60))  # hook name, see bot.delivery.outbox
    ref: Mapped[str | None] = mapped_column(String(60))  # what it is about, e.g. "case:12"
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = created_at()
    sent_at: Mapped[datetime | None]
    # A sender claims a row before calling Telegram (FOR UPDATE SKIP LOCKED on
    # PostgreSQL): another replica skips it until the lease lapses (wall clock).
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    claimed_until: Mapped[datetime | None]
    # May share one message with the replies queued right after it to the same chat
    # (a rush in a group, bot.delivery.coalesce); then each such row is a part of it.
    mergeable: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[int | None]  # the Telegram message it went out as (shared by parts)


class Timer(Base):
    """Anything scheduled: one row per due action, fired once by the scheduler."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "due_at"),
        Index("ix_timers_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|cancelled
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)  # fired after downtime


class Lease(Base):
    """A named lease held by one process until `until` (wall clock), renewed while it
    runs: e.g. "poller", so a second long-polling replica waits instead of dying (409)."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    until: Mapped[datetime]
