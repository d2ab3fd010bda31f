"""Privacy: every export of personal data leaves a record (who, what, masked, when)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, created_at


class ExportAudit(Base):
    """One file of cases or ballots written by /export, `linli export` or `linli polls
    export`: kept so a community can answer "who took our data out, and when"."""

    __tablename__ = "export_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    who: Mapped[str] = mapped_column(String(100))  # "tg:123 刘书记", "cli:alice@host"
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    what: Mapped[str] = mapped_column(String(20))  # ledger | poll
    scope: Mapped[str] = mapped_column(Text)  # communities and period, or the poll number
    fmt: Mapped[str] = mapped_column(String(10))
    masked: Mapped[bool]  # names and contact details hidden in the file
    rows: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)  # asked for every unmasked export
