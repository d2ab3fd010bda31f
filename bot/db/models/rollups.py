"""Per-day counts of the cases' rates, per community (the comparison of communities,
bot.reports.rollup), kept in step with `cases` by database triggers.

A case counts on the UTC day of each of its five anchor columns, exactly as
bot.reports.stats counts it (docs/reports.md): opened (and found on a round) on the day
of opened_at; resolved on the day of resolved_at; rated and 满意 + 基本满意 on the day of
closed_at; due for acceptance, and accepted in time, on the day of accept_due; due for
resolution, resolved, and resolution missed on the day of resolve_due. A case that missed
both deadlines counts once in `case_rollup_both` under the pair (resolve day, accept day):
a period's overdue counts it once only when both days are in the period.

These are the counts of a day that has fully passed: a deadline on such a day has passed
too, so none of them depends on "now" and the reader (bot.reports.rollup) takes only whole
past UTC days from here and counts the edges of its period live.

Why triggers rather than the application: every change of a case changes the counts
(accept, resolve, rate, reopen, escalate, transfer, merge as duplicate, forget, a timer
closing it unrated, a correction, a bulk UPDATE, scripts/seed.py's COPY), and a trigger sees
all of them, written by any code path now or later, inside the same transaction. They add
no statement to the application's round trips, and they fire only when a column the counts
read changes (`AFTER UPDATE OF …`, and a WHEN that compares the values).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Integer, Table, event
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

ROLLUP, BOTH = "case_rollup", "case_rollup_both"
# The triggers' (and PostgreSQL functions') names carry the version of what they count:
# change ANCHORS, bump it, and the next upgrade replaces the triggers and refills the tables.
VERSION = 1
TRIGGER = f"case_rollup_v{VERSION}"


def _count() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class CaseRollup(Base):
    """One community's counts on one UTC day (each on its own anchor column's day)."""

    __tablename__ = ROLLUP

    # No foreign key: a community's cases are deleted (and uncounted) by their own triggers.
    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    opened: Mapped[int] = _count()  # opened_at; not duplicates (as every count here)
    found: Mapped[int] = _count()  # … of which source = patrol (主动发现)
    resolved: Mapped[int] = _count()  # resolved_at; resolved or closed
    rated: Mapped[int] = _count()  # closed_at; with a rating
    good: Mapped[int] = _count()  # … 满意 or 基本满意
    due_accept: Mapped[int] = _count()  # accept_due; not suggestions
    accepted_in_time: Mapped[int] = _count()  # … accepted_at <= accept_due
    due_resolve: Mapped[int] = _count()  # resolve_due; not suggestions
    resolved_of_due: Mapped[int] = _count()  # … resolved or closed
    missed_resolve: Mapped[int] = _count()  # … not resolved by resolve_due


class CaseRollupBoth(Base):
    """Cases that missed both deadlines, per community and (resolve_due, accept_due) day."""

    __tablename__ = BOTH

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    resolve_day: Mapped[date] = mapped_column(Date, primary_key=True)
    accept_day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = _count()


# --- the triggers, from one description for both dialects ------------------------------------

@dataclass(frozen=True)
class _Anchor:
    table: str
    days: tuple[tuple[str, str], ...]  # (rollup column, cases column whose UTC day it is)
    cond: str  # when the case counts at all ({r} is OLD or NEW)
    counts: tuple[tuple[str, str], ...]  # (rollup column, 0/1 expression)
    reads: tuple[str, ...]  # the cases columns cond and counts read


NOT_DUP = "({r}.close_reason IS NULL OR {r}.close_reason <> 'duplicate')"
HAS_SLA = "{r}.kind <> 'suggestion'"
IS_RESOLVED = "({r}.resolved_at IS NOT NULL AND {r}.status IN ('resolved', 'closed'))"
ACCEPT_MISSED = "({r}.accepted_at IS NULL OR {r}.accepted_at > {r}.accept_due)"
RESOLVE_MISSED = "({r}.resolved_at IS NULL OR {r}.resolved_at > {r}.resolve_due)"
GOOD = "{r}.rating IN ('satisfied', 'basic')"  # bot.reports.stats SATISFIED, BASIC (tested)


def _flag(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 1 ELSE 0 END"


ANCHORS = (
    _Anchor(ROLLUP, (("day", "opened_at"),), f"{NOT_DUP} AND {{r}}.opened_at IS NOT NULL",
            (("opened", "1"), ("found", _flag("{r}.source = 'patrol'"))),
            ("close_reason", "opened_at", "source")),
    _Anchor(ROLLUP, (("day", "resolved_at"),), f"{NOT_DUP} AND {IS_RESOLVED}",
            (("resolved", "1"),), ("close_reason", "resolved_at", "status")),
    _Anchor(ROLLUP, (("day", "closed_at"),),
            f"{NOT_DUP} AND {{r}}.closed_at IS NOT NULL AND {{r}}.rating IS NOT NULL",
            (("rated", "1"), ("good", _flag(GOOD))), ("close_reason", "closed_at", "rating")),
    _Anchor(ROLLUP, (("day", "accept_due"),),
            f"{NOT_DUP} AND {HAS_SLA} AND {{r}}.accept_due IS NOT NULL",
            (("due_accept", "1"), ("accepted_in_time", _flag(
                "{r}.accepted_at IS NOT NULL AND {r}.accepted_at <= {r}.accept_due"))),
            ("close_reason", "kind", "accept_due", "accepted_at")),
    _Anchor(ROLLUP, (("day", "resolve_due"),),
            f"{NOT_DUP} AND {HAS_SLA} AND {{r}}.resolve_due IS NOT NULL",
            (("due_resolve", "1"), ("resolved_of_due", _flag(IS_RESOLVED)),
             ("missed_resolve", _flag(RESOLVE_MISSED))),
            ("close_reason", "kind", "resolve_due", "resolved_at", "status")),
    _Anchor(BOTH, (("resolve_day", "resolve_due"), ("accept_day", "accept_due")),
            f"{NOT_DUP} AND {HAS_SLA} AND {{r}}.accept_due IS NOT NULL "
            f"AND {{r}}.resolve_due IS NOT NULL AND {ACCEPT_MISSED} AND {RESOLVE_MISSED}",
            (("n", "1"),),
            ("close_reason", "kind", "accept_due", "accepted_at", "resolve_due", "resolved_at")),
)
READS = tuple(sorted({"community_id", *(c for a in ANCHORS for c in a.reads)}))


def _day(dialect: str, column: str) -> str:
    # Timestamps are naive UTC: SQLite text "YYYY-MM-DD HH:MM:SS.ffffff", PostgreSQL
    # `timestamp without time zone`.
    return f"substr({column}, 1, 10)" if dialect == "sqlite" else f"({column})::date"


def _upsert(dialect: str, a: _Anchor, row: str, sign: str) -> str:
    """Add (sign "") or take away (sign "-") one case's counts at its anchor day(s)."""
    keys = ["community_id", *(k for k, _c in a.days)]
    values = [f"{row}.community_id", *(_day(dialect, f"{row}.{c}") for _k, c in a.days)]
    values += [sign + "(" + e.format(r=row) + ")" for _c, e in a.counts]
    cols = [*keys, *(c for c, _e in a.counts)]
    sets = ", ".join(f"{c} = {a.table}.{c} + excluded.{c}" for c, _e in a.counts)
    return (f"INSERT INTO {a.table} ({', '.join(cols)}) SELECT {', '.join(values)} "
            f"WHERE {a.cond.format(r=row)} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}")


def _changed(dialect: str, columns: tuple[str, ...]) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return "(" + " OR ".join(f"old.{c} {op} new.{c}" for c in columns) + ")"


def _steps(dialect: str, op: str) -> list[str]:
    """The statements of one trigger: for an update, an anchor whose columns are unchanged
    is skipped (the SQLite form guards each statement, the PostgreSQL form an IF)."""
    out = []
    for a in ANCHORS:
        guard = _changed(dialect, ("community_id", *a.reads)) if op == "update" else ""
        steps = ([_upsert(dialect, a, "old", "-")] if op != "insert" else []) + (
            [_upsert(dialect, a, "new", "")] if op != "delete" else [])
        if dialect == "sqlite":
            out += [s.replace(" WHERE ", f" WHERE {guard} AND ", 1) if guard else s
                    for s in steps]
        else:
            body = "; ".join(steps) + ";"
            out.append(f"IF {guard} THEN {body} END IF;" if guard else body)
    return out


OPS = {"insert": "INSERT", "delete": "DELETE", "update": f"UPDATE OF {', '.join(READS)}"}


def trigger_sql(dialect: str) -> list[str]:
    """CREATE statements of the three triggers (PostgreSQL: and their functions)."""
    out = []
    for op, event_ in OPS.items():
        name = f"{TRIGGER}_{op}"
        when = f" WHEN {_changed(dialect, READS)}" if op == "update" else ""
        if dialect == "sqlite":
            body = " ".join(s + ";" for s in _steps(dialect, op))
            out.append(f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event_} ON cases "
                       f"FOR EACH ROW{when} BEGIN {body} END")
        else:
            body = "\n  ".join(_steps(dialect, op))
            out.append(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                       f"AS $$\nBEGIN\n  {body}\n  RETURN NULL;\nEND $$")
            out.append(f"DROP TRIGGER IF EXISTS {name} ON cases")
            out.append(f"CREATE TRIGGER {name} AFTER {event_} ON cases FOR EACH ROW"
                       f"{when.replace(' WHEN ', ' WHEN (')}{')' if when else ''} "
                       f"EXECUTE FUNCTION {name}()")
    return out


def fill_sql(dialect: str) -> list[str]:
    """Rebuild both tables from `cases` (one GROUP BY per anchor)."""
    out = [f"DELETE FROM {ROLLUP}", f"DELETE FROM {BOTH}"]
    for a in ANCHORS:
        keys = ["community_id", *(k for k, _c in a.days)]
        group = ["c.community_id", *(_day(dialect, f"c.{c}") for _k, c in a.days)]
        sums = [f"sum({e.format(r='c')})" for _c, e in a.counts]
        sets = ", ".join(f"{c} = {a.table}.{c} + excluded.{c}" for c, _e in a.counts)
        out.append(
            f"INSERT INTO {a.table} ({', '.join([*keys, *(c for c, _e in a.counts)])}) "
            f"SELECT {', '.join([*group, *sums])} FROM cases c WHERE {a.cond.format(r='c')} "
            f"GROUP BY {', '.join(group)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}")
    return out


def _existing(conn: Connection) -> tuple[set[str], set[str]]:
    """The rollup's tables, and its triggers on `cases` of any version (one query)."""
    if conn.dialect.name == "sqlite":
        sql = ("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') "
               "AND name LIKE 'case_rollup%'")
    else:
        sql = ("SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal "
               "AND tgname LIKE 'case_rollup%' UNION ALL SELECT 'table', tablename "
               "FROM pg_tables WHERE schemaname = current_schema() "
               "AND tablename LIKE 'case_rollup%'")
    rows = list(conn.exec_driver_sql(sql))
    return ({n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"})


def create_case_rollup(conn: Connection) -> bool:
    """Make the rollup tables and their triggers on `cases`, and fill them from the cases
    already there: on a new database with the tables, on one made before them (or with
    triggers of another VERSION) by the next `linli db upgrade` / start (1M cases: 10–20 s).
    Idempotent, one query when all is there; the triggers are made and the tables filled
    in the caller's transaction, so either both happen or neither. False when `cases` does
    not exist yet (the migration makes it later)."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return False
    tables, triggers = _existing(conn)
    if tables >= {ROLLUP, BOTH} and triggers == {f"{TRIGGER}_{op}" for op in OPS}:
        return True
    if not conn.dialect.has_table(conn, "cases"):
        return False
    for model in (CaseRollup, CaseRollupBoth):
        model.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]
    for name in triggers:  # another version's, or some of them only: made anew
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (
            " ON cases" if conn.dialect.name == "postgresql" else ""))
    for sql in [*trigger_sql(conn.dialect.name), *fill_sql(conn.dialect.name)]:
        conn.exec_driver_sql(sql)
    if conn.dialect.name == "postgresql":  # the planner's view of the refilled tables
        conn.exec_driver_sql(f"ANALYZE {ROLLUP}, {BOTH}")
    return True


@event.listens_for(Table, "after_create")
def _after_create(table: Table, connection: Connection, **_kw: Any) -> None:
    # Every way the tables are made (the Alembic migration, metadata.create_all): once
    # `cases` and the rollup tables all exist, the triggers are made.
    if table.name in ("cases", ROLLUP, BOTH) and all(
            connection.dialect.has_table(connection, t) for t in ("cases", ROLLUP, BOTH)):
        create_case_rollup(connection)
