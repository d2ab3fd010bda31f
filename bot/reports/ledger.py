"""The ledger (台账): one row per case, as xlsx or CSV, streamed.

Rows are read in keyset pages of PAGE cases (per community, by opened_at, id) and
written straight out: xlsxwriter in constant_memory mode flushes every row to disk,
CSV is written line by line, so memory does not grow with the number of cases.
"""
from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.cases.render import source_text
from bot.db.models import Case, Community, Department, Grid, GroupChat, Person, Whistle
from bot.privacy import audit
from bot.privacy.mask import mask, mask_name, safe_cell
from bot.reports import texts as T
from bot.taxonomy import URGENCY, category_name

PAGE = 2000
FORMATS = ("xlsx", "csv")
DATETIME_COLUMNS = (1, 2, 3, 4)
# Column widths in characters (CJK characters count about 2).
WIDTHS = (16, 17, 17, 17, 17, 18, 12, 18, 7, 11, 11, 9, 6, 9, 10, 18, 8, 9, 9, 8, 12, 50, 40,
          22, 12)
assert len(WIDTHS) == len(T.LEDGER_COLUMNS)


@dataclass(frozen=True)
class LedgerQuery:
    community_ids: Sequence[int]
    start: datetime  # opened_at >= start
    end: datetime  # opened_at < end
    tz: ZoneInfo
    unmasked: bool = False  # names and contact details as written: admins, with a reason
    # Extra conditions on Case (the web desk's filters and its viewer's scope), and how
    # the audit record names them.
    where: tuple[Any, ...] = ()
    label: str = ""


Reporter = aliased(Person)
Owner = aliased(Person)
# A subquery, not a join: the web desk (bot.reports.desk) selects these columns with its own
# joins, and a street's ledger has several communities.
COMMUNITY_NAME = (select(Community.name).where(Community.id == Case.community_id)
                  .correlate(Case).scalar_subquery().label("community_name"))
COLUMNS = (
    Case.id, Case.number, Case.opened_at, Case.accepted_at, Case.resolved_at, Case.closed_at,
    GroupChat.title, Grid.name, Case.place, Case.building, Case.category_auto, Case.category,
    Case.urgency, Case.kind, Case.anonymous, Reporter.name, Owner.name, Case.status,
    Case.rating, Case.close_reason, Case.reopened_count, Case.plus_count, Case.text,
    Case.resolution_note, Case.source, Case.source_chat_id, COMMUNITY_NAME,
)


def _page_query(community_id: int, q: LedgerQuery, after: tuple[datetime, int] | None) -> Any:
    stmt = (
        select(*COLUMNS)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .outerjoin(GroupChat, GroupChat.chat_id == Case.source_chat_id)
        .outerjoin(Reporter, Reporter.id == Case.reporter_id)
        .outerjoin(Owner, Owner.id == Case.owner_id)
        .where(Case.community_id == community_id, Case.opened_at >= q.start,
               Case.opened_at < q.end, *q.where)
        .order_by(Case.opened_at, Case.id)
        .limit(PAGE)
    )
    if after is not None:
        at, last_id = after
        stmt = stmt.where(or_(Case.opened_at > at, and_(Case.opened_at == at, Case.id > last_id)))
    return stmt


async def _whistled(session: AsyncSession, case_ids: list[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(Whistle.case_id, Department.name)
        .join(Department, Department.id == Whistle.department_id)
        .where(Whistle.case_id.in_(case_ids))
        .order_by(Whistle.case_id, Whistle.at, Whistle.id)
    )
    out: dict[int, list[str]] = {}
    for case_id, name in rows:
        out.setdefault(case_id, []).append(name)
    return out


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None


def _as_is(value: str | None) -> str:
    return value or ""


def _row(r: Any, departments: list[str], tz: ZoneInfo, unmasked: bool = False) -> list[Any]:
    (_id, number, opened, accepted, resolved, closed, group, grid, place, building, cat_auto,
     cat, urgency, kind, anonymous, reporter, owner, status, rating, reason, reopened, plus,
     text, note, source, chat_id, community) = r
    corrected = category_name(cat) if cat != cat_auto else ""
    hide, name = (_as_is, _as_is) if unmasked else (mask, mask_name)
    return [
        number, _local(opened, tz), _local(accepted, tz), _local(resolved, tz),
        _local(closed, tz), group or "", grid or "", hide(place or ""), building or "",
        category_name(cat_auto), corrected, URGENCY.get(urgency, urgency),
        T.KIND.get(kind, kind), T.ANONYMOUS if anonymous else name(reporter),
        owner or "", "、".join(departments), T.STATUS.get(status, status),
        T.RATING.get(rating or "", ""), T.CLOSE_REASON.get(reason or "", reason or ""),
        reopened, plus, hide(text or ""), hide(note or ""), source_text(source, chat_id),
        community or "",
    ]


async def rows(session: AsyncSession, q: LedgerQuery) -> AsyncIterator[list[Any]]:
    """Ledger rows (local naive datetimes), community by community, oldest first."""
    for community_id in q.community_ids:
        after: tuple[datetime, int] | None = None
        while True:
            page = (await session.execute(_page_query(community_id, q, after))).all()
            if not page:
                break
            whistled = await _whistled(session, [r[0] for r in page])
            for r in page:
                yield _row(r, whistled.get(r[0], []), q.tz, q.unmasked)
            after = (page[-1][2], page[-1][0])
            if len(page) < PAGE:
                break


class Sink(Protocol):
    def write(self, values: list[Any]) -> None: ...
    def close(self, count: int) -> None: ...


class CsvSink:
    """UTF-8 with BOM so Excel and WPS detect the encoding; dates as 2026-11-02 09:30:00."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(T.LEDGER_COLUMNS)

    def write(self, values: list[Any]) -> None:
        self._csv.writerow([v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime)
                            else safe_cell(v) for v in values])

    def close(self, count: int) -> None:
        self._file.close()


class XlsxSink:
    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self._sheet = self._book.add_worksheet("台账")
        self._date = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        head = self._book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        for col, width in enumerate(WIDTHS):
            fmt = self._date if col in DATETIME_COLUMNS else None
            self._sheet.set_column(col, col, width, fmt)
        self._sheet.freeze_panes(1, 1)
        self._sheet.write_row(0, 0, T.LEDGER_COLUMNS, head)
        self._next = 1

    def write(self, values: list[Any]) -> None:
        row, sheet = self._next, self._sheet
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(row, col, value, self._date)
            elif isinstance(value, int):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, str(value))
        self._next += 1

    def close(self, count: int) -> None:
        self._sheet.autofilter(0, 0, max(count, 1), len(T.LEDGER_COLUMNS) - 1)
        self._book.close()


def open_sink(path: Path, fmt: str) -> Sink:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return XlsxSink(path) if fmt == "xlsx" else CsvSink(path)


async def export(session: AsyncSession, q: LedgerQuery, path: Path, fmt: str,
                 progress: Callable[[int, int | None], None] | None = None, *,
                 who: str | None = None, person_id: int | None = None,
                 reason: str | None = None) -> int:
    """Write the ledger to `path`; returns the number of case rows. `progress(done, None)`
    hears after each row (the CLI draws a counter). The export is recorded in
    export_audit (`who`: a Telegram user, or the CLI account by default); an unmasked
    one only with its reason."""
    if q.unmasked and not (reason or "").strip():
        raise ValueError("an unmasked ledger needs a reason")
    sink = open_sink(Path(path), fmt)
    count = 0
    try:
        async for values in rows(session, q):
            sink.write(values)
            count += 1
            if progress is not None:
                progress(count, None)
    finally:
        sink.close(count)
    scope = (f"communities {','.join(map(str, q.community_ids))} "
             f"{q.start.date().isoformat()}..{q.end.date().isoformat()}"
             + (f" {q.label}" if q.label else ""))
    await audit.record(session, who=who or audit.cli_user(), person_id=person_id,
                       what="ledger", scope=scope, fmt=fmt, masked=not q.unmasked, rows=count,
                       reason=reason)
    return count


async def find_community(session: AsyncSession, key: str) -> Community | None:
    """A community by code, name or id (for the CLI)."""
    found = await session.scalar(
        select(Community).where(or_(Community.code == key, Community.name == key)))
    if found is None and key.isdigit():
        found = await session.get(Community, int(key))
    return found
