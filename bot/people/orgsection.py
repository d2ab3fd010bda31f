"""The org file's `residents:` and `households:` sections inside a community:

    residents:
      - {room: 3号楼2单元301, name: 陈阿姨, phone: "13800000000", roles: [楼栋长]}
      - {building: 3号楼, unit: 2, room: 302, name: 王大爷, username: wang_daye}
    households:
      - room: 3-2-401
        residents:
          - {name: 李奶奶, roles: [党员中心户]}
          - {name: 李小明, tg_id: 5005}

Checked with the rest of the file (errors with line numbers); buildings are checked
against the community's grids when applied, and any error there fails the whole import
(the import is one transaction)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.org.orgfile import OrgFileError, Section
from bot.people import roster

PERSON_KEYS = {"name", "phone", "roles", "note", "tg_id", "username"}
PLACE_KEYS = {"building", "unit", "room"}


def _row(ck: Any, node: Any, place: dict[str, Any]) -> roster.Row:
    telegram = node.get("tg_id") if node.get("tg_id") is not None else node.get("username")
    if node.get("tg_id") is not None and not isinstance(node.get("tg_id"), int):
        ck.err(node, "tg_id must be a number")
    row, problems = roster.make_row(
        getattr(node, "line", 0), building=place.get("building"), unit=place.get("unit") or "",
        room=place.get("room"), name=node.get("name"), phone=node.get("phone"),
        roles=node.get("roles"), note=node.get("note"), telegram=telegram)
    for problem in problems:
        ck.err(node, problem.split("：", 1)[-1])
    return row


def _rows(key: str, value: Any, ck: Any) -> list[roster.Row]:
    if not isinstance(value, list):
        ck.err(value, f"'{key}' must be a list")
        return []
    rows: list[roster.Row] = []
    for item in value:
        if key == "residents":
            if ck.mapping(item, "resident", ("name", "room"), PERSON_KEYS | PLACE_KEYS):
                rows.append(_row(ck, item, item))
            continue
        if not ck.mapping(item, "household", ("room",), PLACE_KEYS | {"residents"}):
            continue
        for person in ck.items(item, "residents"):
            if ck.mapping(person, "resident", ("name",), PERSON_KEYS):
                rows.append(_row(ck, person, item))
    return rows


class _Collect:
    """A checker that keeps errors as strings (apply has no checker of its own)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, node: Any, message: str) -> None:
        self.errors.append(f"line {getattr(node, 'line', '?')}: {message}")

    def mapping(self, node: Any, where: str, required: tuple[str, ...], allowed: set[str]) -> bool:
        return isinstance(node, dict)

    def items(self, node: Any, key: str) -> list[Any]:
        value = node.get(key) or []
        return value if isinstance(value, list) else []


def _apply_for(key: str) -> Any:
    async def apply(session: AsyncSession, value: Any, ctx: dict[str, Any]) -> int:
        community = ctx["community"]
        rows = _rows(key, value, _Collect())
        now = ctx.get("now") or _now()
        try:
            done = await roster.apply(session, community, rows, now)
        except roster.RosterError as exc:
            raise OrgFileError("org file", [_line(e, rows) for e in exc.errors]) from None
        return done.touched

    return apply


def _line(error: str, rows: list[roster.Row]) -> str:
    """"第12行：…" → "line 12: …" like every other org-file error."""
    head, _, problem = error.partition("：")
    number = head.removeprefix("第").removesuffix("行")
    return f"line {number}: {problem}" if number.isdigit() else error


def _now() -> Any:
    from bot.clock import Clock

    return Clock().now()  # the org import is given no clock: the register's "since"


def _check_for(key: str) -> Any:
    def check(value: Any, ck: Any) -> None:
        _rows(key, value, ck)

    return check


SECTIONS = [Section(key, "community", _check_for(key), _apply_for(key))
            for key in ("residents", "households")]
