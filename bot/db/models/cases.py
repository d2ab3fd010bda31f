"""Cases (诉求工单) and everything that happens to them."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, Table, Text, UniqueConstraint, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, TgId, created_at

# Status values; the transitions are in bot.cases.workflow (docs/cases.md).
OPEN, ACCEPTED, RESOLVED, CLOSED = "open", "accepted", "resolved", "closed"
ACTIVE = (OPEN, ACCEPTED)
LEVELS = ("grid", "community", "street", "district")
# Case.source: reported by a resident (居民反映) or found on a grid worker's round (巡查,
# 主动发现: bot.rounds).
RESIDENT, PATROL = "resident", "patrol"
# What the desk's ledger search looks in (bot.reports.desk), and the separator of their
# concatenation in the PostgreSQL trigram index (a search term never contains it).
SEARCHED = ("number", "text", "place", "resolution_note")
SEARCH_SEPARATOR = "\x1f"
SEARCH_INDEX = "ix_cases_search_trgm"
SEARCH_FTS = "cases_search"  # SQLite: an FTS5 trigram table over SEARCHED, kept by triggers

log = logging.getLogger(__name__)


def search_sql(table: str = "") -> str:
    """The searched columns as one text, the expression of SEARCH_INDEX (PostgreSQL)."""
    prefix = f"{table}." if table else ""
    return "(" + " || chr(31) || ".join(f"coalesce({prefix}{c}, '')" for c in SEARCHED) + ")"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("community_id", "year", "seq"),
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_cases_grid_status", "grid_id", "status"),
        Index("ix_cases_owner_status", "owner_id", "status"),
        Index("ix_cases_status_accept_due", "status", "accept_due"),
        # Reports (bot.reports.stats): one range scan per time column per community (the
        # others are the ix_cases_rates_* below, which also serve the ledger's page order).
        Index("ix_cases_community_accepted", "community_id", "accepted_at"),
        # A ledger spanning many communities (a street, an admin), newest first.
        Index("ix_cases_opened", "opened_at"),
        # Index-only: counting what is overdue now (status, then the deadlines) and the
        # ledger's status + category filter over many communities. Category last: after
        # status it would look so selective to SQLite that it sorted a street's matches
        # by time instead of walking ix_cases_opened to the first page's 50.
        Index("ix_cases_community_status_category", "community_id", "status", "kind",
              "accept_due", "resolve_due", "category"),
        # Index-only anchor scans of the rates (bot.reports.stats.figures and the desk's
        # rates_by, the comparison of communities): each holds every column its anchor's
        # query reads, so a period costs no table row per case.
        Index("ix_cases_rates_opened", "community_id", "opened_at", "close_reason", "source"),
        Index("ix_cases_rates_resolved", "community_id", "resolved_at", "close_reason",
              "status"),
        Index("ix_cases_rates_closed", "community_id", "closed_at", "close_reason", "rating"),
        Index("ix_cases_rates_accept_due", "community_id", "accept_due", "close_reason",
              "kind", "accepted_at"),
        Index("ix_cases_rates_resolve_due", "community_id", "resolve_due", "close_reason",
              "kind", "status", "resolved_at", "accept_due", "accepted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(40), unique=True)  # 东湖-2026-0123
    kind: Mapped[str] = mapped_column(String(12), default="complaint")  # or suggestion
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))  # current (corrected if corrected)
    category_auto: Mapped[str] = mapped_column(String(20))  # the classifier's label
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    confidence: Mapped[float] = mapped_column(default=0.0)
    matched: Mapped[list[Any]] = mapped_column(default=list)
    place: Mapped[str | None] = mapped_column(String(60))  # as written
    building: Mapped[str | None] = mapped_column(String(20))  # normalised numbers
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    # How the case came in: "resident" (居民反映, any report) or "patrol" (巡查: found first
    # by a grid worker's round, 主动发现; bot.rounds).
    source: Mapped[str] = mapped_column(String(12), default=RESIDENT,
                                        server_default=RESIDENT)
    source_chat_id: Mapped[TgId | None]
    source_message_id: Mapped[int | None]
    media_group_id: Mapped[str | None] = mapped_column(String(64), index=True)
    card_message_id: Mapped[int | None]  # the bot's reply in the group
    status: Mapped[str] = mapped_column(String(12), default=OPEN, index=True)
    level: Mapped[str] = mapped_column(String(12), default="grid")  # one of LEVELS
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    opened_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    accept_due: Mapped[datetime | None]
    resolve_due: Mapped[datetime | None]
    # accept_due / resolve_due are the SLA deadlines: once missed they never move (the
    # figures count them). The deadline the current level is chasing after a miss
    # (escalation, a transfer, a reopen) is next_due (bot.cases.sla.current_due).
    next_due: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(20))  # rated|unrated|duplicate|...
    rating: Mapped[str | None] = mapped_column(String(12))  # satisfied|basic|unsatisfied
    rated_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    escalations: Mapped[int] = mapped_column(default=0)
    plus_count: Mapped[int] = mapped_column(default=0)  # households that said "me too"
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # The last timeline event already told to the group thread (batched updates).
    notified_event_id: Mapped[int | None]

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[CasePhoto]] = relationship(
        back_populates="case", order_by="CasePhoto.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """The timeline: one row per thing that happened, shown to the reporter."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CasePhoto(Base):
    __tablename__ = "case_photos"
    __table_args__ = (UniqueConstraint("case_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="report")  # report|result
    created_at: Mapped[datetime] = created_at()

    case: Mapped[Case] = relationship(back_populates="photos")


class CaseVoice(Base):
    """A resident who has the same problem (+1), or a message linked as a duplicate."""

    __tablename__ = "case_voices"
    __table_args__ = (UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    chat_id: Mapped[TgId | None]
    message_id: Mapped[int | None]
    at: Mapped[datetime] = created_at()


class Whistle(Base):
    """吹哨报到: a department called onto a case must acknowledge in time."""

    __tablename__ = "whistles"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    ack_due: Mapped[datetime]
    acked_at: Mapped[datetime | None]
    acked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


def _create_fts(conn: Connection) -> bool:
    """SQLite: SEARCH_FTS, an external-content FTS5 table with the trigram tokenizer (case
    folded like LIKE), filled from `cases` and kept in step by three triggers."""
    if conn.exec_driver_sql(f"SELECT 1 FROM sqlite_master WHERE name = '{SEARCH_FTS}'").first():
        return True
    cols = ", ".join(SEARCHED)
    new, old = (", ".join(f"{row}.{c}" for c in SEARCHED) for row in ("new", "old"))
    forget = f"INSERT INTO {SEARCH_FTS}({SEARCH_FTS}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    remember = f"INSERT INTO {SEARCH_FTS}(rowid, {cols}) VALUES (new.id, {new});"
    for sql in (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_FTS} USING fts5({cols}, content='cases', "
        "content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {SEARCH_FTS}_ai AFTER INSERT ON cases BEGIN {remember} END",
        f"CREATE TRIGGER IF NOT EXISTS {SEARCH_FTS}_ad AFTER DELETE ON cases BEGIN {forget} END",
        f"CREATE TRIGGER IF NOT EXISTS {SEARCH_FTS}_au AFTER UPDATE OF {cols} ON cases "
        f"BEGIN {forget} {remember} END",
        f"INSERT INTO {SEARCH_FTS}({SEARCH_FTS}) VALUES ('rebuild')",
    ):
        conn.exec_driver_sql(sql)
    return True


def create_search_index(conn: Connection) -> bool:
    """The index of the ledger search, so that a term of three or more characters over a
    million cases is a lookup. SQLite: SEARCH_FTS. PostgreSQL: a pg_trgm GIN index of
    search_sql(); pg_trgm is a trusted extension (PostgreSQL 13+: a database owner may
    create it without superuser rights); where it is absent and cannot be created, nothing
    happens and the search stays a scan. Idempotent (also run after every upgrade)."""
    if conn.dialect.name == "sqlite":
        return _create_fts(conn)
    if conn.dialect.name != "postgresql":
        return False
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is None:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError as e:
            log.warning("pg_trgm unavailable (%s): the ledger search stays a scan",
                        str(e.orig).splitlines()[0] if e.orig else e)
            return False
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON cases "
                         f"USING gin ({search_sql()} gin_trgm_ops)")
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic autogenerate: the search index is made beside the models (an extension
    that may be missing, an FTS5 table), so a database that has it differs from nothing."""
    if not reflected or compare_to is not None:
        return True
    return not ((type_ == "index" and name == SEARCH_INDEX)
                or (type_ == "table" and (name or "").startswith(SEARCH_FTS)))


@event.listens_for(Table, "after_create")
def _after_create(table: Table, connection: Connection, **_kw: Any) -> None:
    # Every way `cases` is created (the Alembic migration, metadata.create_all) adds the
    # dialect-specific search index, which a model Index cannot express.
    if table.name == Case.__tablename__:
        create_search_index(connection)


@event.listens_for(Table, "after_drop")
def _after_drop(table: Table, connection: Connection, **_kw: Any) -> None:
    if table.name == Case.__tablename__ and connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SEARCH_FTS}")
