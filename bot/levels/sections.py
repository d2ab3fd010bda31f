"""The org file's `districts:`, `streets:` and `responsibilities:` (权责清单) sections,
added through bot.org.section. Applied before the communities, upserted by name.

    districts:
      - name: 兴庆区
        hours: 48                      # time the district has for an escalated case
        officers: [{tg_id: 5001, name: 区指挥中心马主任}]
    streets:
      - name: 丽景街街道
        district: 兴庆区
        hours: 24
        officers: [{tg_id: 4001, name: 街道赵主任}]
    responsibilities:                  # department × category → hours to 报到
      - {department: 城管, category: street_order, hours: 12}
      - {department: 物业, category: property, hours: 2, street: 丽景街街道}
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person, Role
from bot.db.models.levels import DISTRICT, STREET, Level, Responsibility
from bot.org import Section, upsert_person
from bot.taxonomy import CATEGORIES

LEVEL_KEYS = {"name", "hours", "officers"}


def _hours(node: Any, ck: Any, key: str = "hours") -> None:
    value = node.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or value <= 0):
        ck.err(node, f"{key} must be a positive number of hours")


def _list(node: Any, ck: Any, key: str) -> list[Any]:
    if not isinstance(node, list):
        ck.err(node, f"'{key}' must be a list")
        return []
    return node


def _check_levels(key: str, extra: set[str]) -> Any:
    def check(node: Any, ck: Any) -> None:
        names: set[str] = set()
        for item in _list(node, ck, key):
            if not ck.mapping(item, key[:-1], ("name",), LEVEL_KEYS | extra):
                continue
            if item.get("name") in names:
                ck.err(item, f"'{item.get('name')}' appears twice in {key}")
            names.add(item.get("name"))
            _hours(item, ck)
            for officer in ck.items(item, "officers"):
                ck.person(officer, "officer")
    return check


def _check_responsibilities(node: Any, ck: Any) -> None:
    seen: set[tuple[Any, ...]] = set()
    for item in _list(node, ck, "responsibilities"):
        if not ck.mapping(item, "responsibility", ("department", "category", "hours"),
                          {"department", "category", "hours", "street"}):
            continue
        if item.get("category") is not None and item["category"] not in CATEGORIES:
            ck.err(item, f"unknown category '{item.get('category')}'")
        _hours(item, ck)
        key = (item.get("street"), item.get("department"), item.get("category"))
        if key in seen:
            ck.err(item, "the same department and category appear twice")
        seen.add(key)


async def _level(session: AsyncSession, kind: str, name: str, **values: Any) -> Level:
    row = await session.scalar(select(Level).where(Level.kind == kind, Level.name == name))
    if row is None:
        row = Level(kind=kind, name=name, settings={})
        session.add(row)
    for field, value in values.items():
        setattr(row, field, value)
    await session.flush()
    return row


async def _officers(session: AsyncSession, level: Level, specs: list[Any]) -> int:
    for order, spec in enumerate(specs):
        person = await upsert_person(session, tg_id=spec.get("tg_id"),
                                     username=spec.get("username"), name=str(spec["name"]),
                                     phone=spec.get("phone"))
        await grant_level(session, person, level, order)
    return len(specs)


async def grant_level(session: AsyncSession, person: Person, level: Level, order: int = 0
                      ) -> Role:
    """Make `person` an officer of a street or district (idempotent)."""
    role = await session.scalar(select(Role).where(
        Role.person_id == person.id, Role.role == level.kind, Role.level_id == level.id))
    if role is None:
        role = Role(person_id=person.id, role=level.kind, level_id=level.id)
        session.add(role)
    role.duty_order = order
    await session.flush()
    return role


def _settings(item: Any) -> dict[str, Any]:
    return {"hours": float(item["hours"])} if item.get("hours") is not None else {}


async def _apply_districts(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    touched = 0
    for item in node:
        level = await _level(session, DISTRICT, str(item["name"]), settings=_settings(item))
        touched += 1 + await _officers(session, level, item.get("officers") or [])
    return touched


async def _apply_streets(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    touched = 0
    for item in node:
        district = (await _level(session, DISTRICT, str(item["district"]))
                    if item.get("district") else None)
        level = await _level(session, STREET, str(item["name"]), settings=_settings(item),
                             parent_id=district.id if district else None)
        touched += 1 + await _officers(session, level, item.get("officers") or [])
    return touched


async def _apply_responsibilities(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    for item in node:
        street = (await _level(session, STREET, str(item["street"]))
                  if item.get("street") else None)
        key = dict(level_id=street.id if street else None, department=str(item["department"]),
                   category=item["category"])
        row = await session.scalar(select(Responsibility).where(
            *(getattr(Responsibility, k).is_(None) if v is None
              else getattr(Responsibility, k) == v for k, v in key.items())))
        if row is None:
            row = Responsibility(**key, hours=float(item["hours"]))
            session.add(row)
        row.hours = float(item["hours"])
    await session.flush()
    return len(node)


SECTIONS = (
    Section("districts", "file", _check_levels("districts", set()), _apply_districts),
    Section("streets", "file", _check_levels("streets", {"district"}), _apply_streets),
    Section("responsibilities", "file", _check_responsibilities, _apply_responsibilities),
)
