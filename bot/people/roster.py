"""The roster community staff keep (居民花名册), as xlsx or CSV: 楼栋, 单元, 房号, 姓名, 电话,
身份/角色, 备注 (and optionally a Telegram @username or id) in any order, under a header row
that may sit below a title. Every row is checked first: one bad row imports nothing and is
reported with its row number. Importing again updates; nobody is registered twice."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Building, Community, Person
from bot.org import service as org
from bot.people import address, register
from bot.people import texts as T

HEADERS = {
    "building": ("楼栋", "楼号", "楼栋号", "楼宇", "栋", "楼", "楼幢", "幢"),
    "unit": ("单元", "单元号"),
    "room": ("房号", "房间号", "门牌号", "门牌", "室", "房间", "户号", "住址", "地址"),
    "name": ("姓名", "居民姓名", "名字", "户主姓名"),
    "phone": ("电话", "手机", "手机号", "手机号码", "联系电话", "联系方式", "电话号码"),
    "roles": ("身份", "角色", "身份/角色", "职务", "身份角色"),
    "note": ("备注", "说明"),
    "telegram": ("telegram", "tg", "电报", "用户名", "tg用户名", "telegramid"),
}
_LOOKUP = {address.clean(h).lower(): key for key, names in HEADERS.items() for h in names}
MAX_ROWS = 20000
HEADER_SCAN = 10  # title rows above the header


class RosterError(Exception):
    """Nothing was imported; `errors` are the lines to show (第N行：…)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Row:
    line: int
    building: str
    unit: str
    room: str
    name: str
    phone: str | None = None
    roles: list[str] | None = field(default_factory=list)  # None: no 身份 column, kept
    note: str | None = None
    tg_id: int | None = None
    username: str | None = None
    problems: list[str] = field(default_factory=list)  # reported by check()


@dataclass
class Imported:
    new: int = 0
    updated: int = 0
    moved: int = 0
    same: int = 0
    households: int = 0

    @property
    def touched(self) -> int:
        return self.new + self.updated + self.moved + self.same


def read_table(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of the first sheet or the CSV file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a renamed or broken file: openpyxl raises many kinds
            raise RosterError([T.ROSTER_UNREADABLE]) from exc
        sheet = book.worksheets[0]
        rows = [(i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1)]
        book.close()
        return rows
    if not filename.lower().endswith((".csv", ".txt")):
        raise RosterError([T.ROSTER_FORMAT])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError([T.ROSTER_UNREADABLE])
    return list(enumerate(csv.reader(io.StringIO(text)), start=1))


def _header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]]:
    for pos, (_, cells) in enumerate(rows[:HEADER_SCAN]):
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            key = _LOOKUP.get(address.clean(cell).lower())
            if key and key not in columns:
                columns[key] = i
        if "name" in columns and "room" in columns:
            return pos, columns
    raise RosterError([T.ROSTER_NO_HEADER])


def parse_rows(table: list[tuple[int, list[Any]]]) -> list[Row]:
    """The rows, each with its problems (check() reports them). Blank 楼栋 / 单元 / 房号
    cells repeat the row above (merged cells: a household's members under one room)."""
    pos, cols = _header(table)
    rows: list[Row] = []
    last = {"building": "", "unit": "", "room": ""}
    body = table[pos + 1:]
    if len(body) > MAX_ROWS:
        raise RosterError([T.ROSTER_TOO_BIG.format(n=MAX_ROWS)])
    for line, cells in body:
        def get(key: str, cells: list[Any] = cells) -> object:
            i = cols.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        if not any(address.clean(c) for c in cells):
            continue
        inherit = True  # a blank cell repeats the one above while the cells left of it do
        for key in ("building", "unit", "room"):
            value = address.clean(get(key))
            inherit = inherit and not value
            last[key] = last[key] if inherit else value
        row, _ = make_row(line, building=last["building"], unit=last["unit"],
                          room=last["room"], name=get("name"), phone=get("phone"),
                          roles=get("roles"), note=get("note"), telegram=get("telegram"))
        if "roles" not in cols:
            row.roles = None
        rows.append(row)
    return rows


def make_row(line: int, *, building: object, unit: object, room: object, name: object,
             phone: object = None, roles: object = None, note: object = None,
             telegram: object = None) -> tuple[Row, list[str]]:
    """One resident and its problems as "第N行：…" lines (none: the row is good)."""
    problems: list[str] = []
    where = address.room_of(room, unit)
    if where is None:
        problems.append(T.ROW_BAD_ROOM.format(value=address.clean(room) or "（空）"))
    building_token = address.clean(building) or (where.building if where else None) or ""
    if not building_token:
        problems.append(T.ROW_NO_BUILDING)
    person_name = address.clean(name)
    if not person_name:
        problems.append(T.ROW_NO_NAME)
    elif len(person_name) > 50:
        problems.append(T.ROW_LONG_NAME)
    number = address.phone_of(phone)
    if number is None:
        problems.append(T.ROW_BAD_PHONE.format(value=address.clean(phone)))
    slugs, relations, unknown = address.roles_of(roles)
    if unknown:
        problems.append(T.ROW_BAD_ROLE.format(value="、".join(unknown)))
    tg_id, username = None, None
    handle = address.clean(telegram)
    if handle.isdigit():
        tg_id = int(handle)
    elif handle:
        username = handle.lstrip("@")
    text = "；".join(p for p in ("、".join(relations), str(note or "").strip()) if p) or None
    row = Row(line, building_token, where.unit if where else "", where.room if where else "",
              person_name, number or None, slugs, text, tg_id, username, problems)
    return row, [T.ROW_ERROR.format(line=line, problem="；".join(problems))] if problems else []


async def check(session: AsyncSession, community_id: int,
                rows: list[Row]) -> tuple[list[tuple[Row, Building]], list[str]]:
    """Each good row with its building; every problem of the others, one line per row."""
    buildings = await register.buildings_of(session, community_id)
    seen: dict[tuple[int, str, str, str], int] = {}
    found: list[tuple[Row, Building]] = []
    errors: list[str] = []
    for row in rows:
        problems = list(row.problems)
        building = register.find_building(buildings, row.building) if row.building else None
        if building is None and row.building:
            names = "、".join(b.name for b in buildings[:12]) or "（无）"
            problems.append(T.ROW_UNKNOWN_BUILDING.format(value=row.building, known=names))
        key = (building.id if building else 0, row.unit, row.room, row.name)
        if building is not None and key in seen:
            problems.append(T.ROW_DUPLICATE.format(other=seen[key]))
        seen.setdefault(key, row.line)
        if problems:
            errors.append(T.ROW_ERROR.format(line=row.line, problem="；".join(problems)))
        elif building is not None:
            found.append((row, building))
    return found, errors


async def apply(session: AsyncSession, community: Community, rows: list[Row], now: datetime,
                by: Person | None = None) -> Imported:
    """Check every row, then register them all (raises RosterError: nothing done)."""
    found, errors = await check(session, community.id, rows)
    if errors:
        raise RosterError(errors)
    result = Imported()
    homes: set[int] = set()
    for row, building in found:
        room = await register.room_for(session, building, row.unit, row.room)
        assert room is not None
        household = await register.household_for(session, community.id, building, room)
        homes.add(household.id)
        person = None
        if row.tg_id is not None or row.username:
            person = await org.upsert_person(session, tg_id=row.tg_id, username=row.username,
                                             name=row.name)
        change = await register.upsert(session, community.id, household, name=row.name,
                                       now=now, phone=row.phone, roles=row.roles,
                                       note=row.note, person=person, by=by)
        setattr(result, change.kind, getattr(result, change.kind) + 1)
    result.households = len(homes)
    return result


async def import_bytes(session: AsyncSession, community: Community, data: bytes, filename: str,
                       now: datetime, by: Person | None = None) -> Imported:
    rows = parse_rows(read_table(data, filename))
    if not rows:
        raise RosterError([T.ROSTER_EMPTY])
    return await apply(session, community, rows, now, by)
