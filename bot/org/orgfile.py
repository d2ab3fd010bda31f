"""Load the org file (组织架构 YAML). Validation collects every error with its line;
the import is one transaction, so a bad file changes nothing."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Building, Community, Department, Grid, GroupChat, Person, Role
from bot.org import service as org
from bot.taxonomy import CATEGORIES


class OrgFileError(Exception):
    def __init__(self, path: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{path}: {len(errors)} error(s)\n" + "\n".join(errors))


class _Map(dict):  # type: ignore[type-arg]
    line: int = 0


class _List(list):  # type: ignore[type-arg]
    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    value = _Map(loader.construct_mapping(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


def _seq(loader: _Loader, node: yaml.SequenceNode) -> _List:
    value = _List(loader.construct_sequence(node, deep=True))
    value.line = node.start_mark.line + 1
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _seq)


@dataclass
class _Checker:
    path: str
    errors: list[str] = field(default_factory=list)

    def err(self, node: Any, message: str) -> None:
        self.errors.append(f"line {getattr(node, 'line', '?')}: {message}")

    def mapping(self, node: Any, where: str, required: tuple[str, ...], allowed: set[str]) -> bool:
        if not isinstance(node, dict):
            self.err(node, f"{where}: expected a mapping (key: value)")
            return False
        for key in required:
            if node.get(key) in (None, ""):
                self.err(node, f"{where}: '{key}' is required")
        for key in node:
            if key not in allowed:
                self.err(node, f"{where}: unknown key '{key}'")
        return True

    def items(self, node: Any, key: str) -> list[Any]:
        value = node.get(key) or []
        if not isinstance(value, list):
            self.err(node, f"'{key}' must be a list")
            return []
        return value

    def person(self, node: Any, where: str) -> None:
        if not self.mapping(node, where, ("name",), {"tg_id", "username", "name", "phone"}):
            return
        if node.get("tg_id") is None and not node.get("username"):
            self.err(node, f"{where}: give tg_id or username")
        if node.get("tg_id") is not None and not isinstance(node["tg_id"], int):
            self.err(node, f"{where}: tg_id must be a number")


PERSON = "person"


@dataclass(frozen=True)
class Section:
    """An org-file key a feature adds, at the top level (`where="file"`) or inside a
    community (`where="community"`). `check(node, ck)` reports problems with ck.err;
    `apply(session, node, ctx)` upserts it idempotently in the import's transaction and
    returns how many rows it touched. ctx: {"community": Community, "grids": {name: id}}
    for a community section; {} at the top level (applied before the communities)."""
    key: str
    where: str
    check: Callable[[Any, _Checker], None]
    apply: Callable[[AsyncSession, Any, dict[str, Any]], Awaitable[int]]


SECTIONS: dict[tuple[str, str], Section] = {}


def section(sec: Section) -> None:
    """Register a feature's section (from its `wire()`; idempotent)."""
    SECTIONS[(sec.where, sec.key)] = sec


def _extra(where: str) -> dict[str, Section]:
    return {key: sec for (w, key), sec in SECTIONS.items() if w == where}


def _validate(data: Any, ck: _Checker) -> None:
    if data is None:
        ck.errors.append("line 1: the file is empty (see examples/org.yaml)")
        return
    if not ck.mapping(data, "file", ("communities",), {"communities", *_extra("file")}):
        return
    for key, sec in _extra("file").items():
        if data.get(key) is not None:
            sec.check(data[key], ck)
    names: set[str] = set()
    chats: set[int] = set()
    for com in ck.items(data, "communities"):
        allowed = {"name", "code", "street", "settings", "grids", "organizers", "departments",
                   "groups", *_extra("community")}
        if not ck.mapping(com, "community", ("name", "code"), allowed):
            continue
        for key, sec in _extra("community").items():
            if com.get(key) is not None:
                sec.check(com[key], ck)
        if com.get("name") in names:
            ck.err(com, f"community '{com.get('name')}' appears twice")
        names.add(com.get("name"))
        grids: set[str] = set()
        for grid in ck.items(com, "grids"):
            allowed = {"name", "buildings", "workers", "routing"}
            if not ck.mapping(grid, "grid", ("name",), allowed):
                continue
            if grid.get("name") in grids:
                ck.err(grid, f"grid '{grid.get('name')}' appears twice")
            grids.add(grid.get("name"))
            if grid.get("routing", "round_robin") not in ("round_robin", "duty"):
                ck.err(grid, "routing must be round_robin or duty")
            for worker in ck.items(grid, "workers"):
                ck.person(worker, "worker")
            for building in ck.items(grid, "buildings"):
                if not isinstance(building, (str, int)):
                    ck.err(grid, "buildings must be names like 3号楼")
        for person in ck.items(com, "organizers"):
            ck.person(person, "organizer")
        for dept in ck.items(com, "departments"):
            allowed = {"name", "ack_hours", "categories", "members", "chat_id"}
            if not ck.mapping(dept, "department", ("name",), allowed):
                continue
            for cat in ck.items(dept, "categories"):
                if cat not in CATEGORIES:
                    ck.err(dept, f"unknown category '{cat}'")
            for member in ck.items(dept, "members"):
                ck.person(member, "department member")
            hours = dept.get("ack_hours", 4)
            if not isinstance(hours, (int, float)) or hours <= 0:
                ck.err(dept, "ack_hours must be a positive number")
        for group in ck.items(com, "groups"):
            if not ck.mapping(group, "group", ("chat_id", "grid"), {"chat_id", "grid", "title"}):
                continue
            if not isinstance(group.get("chat_id"), int):
                ck.err(group, "chat_id must be a number (group ids are negative)")
            elif group["chat_id"] in chats:
                ck.err(group, f"group {group['chat_id']} appears twice")
            else:
                chats.add(group["chat_id"])
            if group.get("grid") not in grids:
                ck.err(group, f"group names unknown grid '{group.get('grid')}'")


def load(path: str | Path) -> Any:
    """Parse and validate; raises OrgFileError listing every problem."""
    ck = _Checker(str(path))
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise OrgFileError(str(path), [f"line {line}: not valid YAML ({exc})"]) from exc
    except OSError as exc:
        raise OrgFileError(str(path), [f"cannot read: {exc}"]) from exc
    _validate(data, ck)
    if ck.errors:
        raise OrgFileError(str(path), ck.errors)
    return data

Progress = Callable[[int, int | None], None]  # (done, total or None when unknown)


@dataclass
class ImportSummary:
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    people: int = 0
    departments: int = 0
    groups: int = 0
    sections: dict[str, int] = field(default_factory=dict)  # feature key -> rows


async def import_file(session: AsyncSession, path: str | Path,
                      progress: Progress | None = None) -> ImportSummary:
    """Validate the whole file, then upsert it by natural keys in the caller's transaction.
    `progress(done, total)` hears after each community (the CLI draws a bar)."""
    data = load(path)
    org.forget_bindings(session)  # groups may be bound anew
    summary = ImportSummary()
    for key, sec in _extra("file").items():
        if data.get(key) is not None:
            summary.sections[key] = await sec.apply(session, data[key], {})
    for done, com in enumerate(data["communities"], start=1):
        community = await _upsert(session, Community, {"name": com["name"]},
                                  code=str(com["code"]), street=com.get("street"),
                                  settings=dict(com.get("settings") or {}))
        summary.communities += 1
        grid_ids: dict[str, int] = {}
        for g in com.get("grids") or []:
            grid = await _upsert(session, Grid, {"community_id": community.id, "name": g["name"]},
                                 routing=g.get("routing", "round_robin"))
            grid_ids[g["name"]] = grid.id
            summary.grids += 1
            for b in g.get("buildings") or []:
                await _upsert(session, Building, {"grid_id": grid.id, "name": str(b)},
                              number=org.building_number(str(b)))
                summary.buildings += 1
            for order, w in enumerate(g.get("workers") or []):
                person = await _person(session, w)
                await org.grant(session, person, "grid_worker", community.id, grid_id=grid.id,
                                duty_order=order)
                summary.people += 1
        for o in com.get("organizers") or []:
            await org.grant(session, await _person(session, o), "organizer", community.id)
            summary.people += 1
        for d in com.get("departments") or []:
            dept = await _upsert(session, Department,
                                 {"community_id": community.id, "name": d["name"]},
                                 ack_hours=float(d.get("ack_hours", 4)),
                                 categories=list(d.get("categories") or []),
                                 chat_id=d.get("chat_id"))
            summary.departments += 1
            for m in d.get("members") or []:
                await org.grant(session, await _person(session, m), "department", community.id,
                                department_id=dept.id)
                summary.people += 1
        for grp in com.get("groups") or []:
            await _upsert(session, GroupChat, {"chat_id": grp["chat_id"]},
                          grid_id=grid_ids[grp["grid"]], title=grp.get("title") or "")
            summary.groups += 1
        for key, sec in _extra("community").items():
            if com.get(key) is not None:
                ctx = {"community": community, "grids": grid_ids}
                summary.sections[key] = (summary.sections.get(key, 0)
                                         + await sec.apply(session, com[key], ctx))
        if progress is not None:
            progress(done, len(data["communities"]))
    return summary


async def _upsert(session: AsyncSession, model: Any, key: dict[str, Any], **values: Any) -> Any:
    row = await session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    await session.flush()
    return row


async def _person(session: AsyncSession, spec: dict[str, Any]) -> Person:
    return await org.upsert_person(
        session, tg_id=spec.get("tg_id"), username=spec.get("username"),
        name=str(spec["name"]), phone=spec.get("phone"),
    )


__all__ = ["ImportSummary", "OrgFileError", "Role", "Section", "import_file", "load", "section"]
