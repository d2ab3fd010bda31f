"""微心愿: a small wish of a resident in difficulty, approved by staff, claimed by a
volunteer or 双报到 party member, and confirmed done with a photo."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

PENDING, OPEN, CLAIMED, DONE, REJECTED = "pending", "open", "claimed", "done", "rejected"


class Wish(Base):
    __tablename__ = "wishes"

    id: Mapped[int] = mapped_column(primary_key=True)  # 心愿 #5
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                              index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    for_whom: Mapped[str | None] = mapped_column(String(50))  # a worker posting for someone
    text: Mapped[str] = mapped_column(Text)  # as written (may hold an address: staff only)
    value: Mapped[int | None]  # 元, the largest amount the text names (checked against the limit)
    public_text: Mapped[str] = mapped_column(Text, default="")  # what the groups see
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    claimer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    photo_file_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class WishConsent(Base):
    """One party of a claimed wish agreed to give their phone to the other (a button or
    /wish_phone). The numbers are exchanged only when both have agreed."""

    __tablename__ = "wish_consents"
    __table_args__ = (UniqueConstraint("wish_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(30))  # the number they agreed to give
    at: Mapped[datetime]
    shared_at: Mapped[datetime | None]  # when the other party was given it
