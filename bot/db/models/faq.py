"""The 问答库 (FAQ) of a community and the inquiries that were routed to a worker
because no entry answered them. Logic in bot.faq."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, TgId


class FaqEntry(Base):
    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("community_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # shown as #N in /faq
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(200))  # a typical phrasing
    keywords: Mapped[list[Any]] = mapped_column(default=list)  # extra words that match
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default="chat")  # chat | file | inquiry
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    added_at: Mapped[datetime]
    hits: Mapped[int] = mapped_column(default=0)  # inquiries it answered


class Inquiry(Base):
    """A resident's question in a group that no entry answered: sent to the grid's
    workers with a reply button; the reply goes back to the group thread."""
    __tablename__ = "faq_inquiries"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    chat_id: Mapped[TgId]
    message_id: Mapped[int]
    asker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    faq_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"))
