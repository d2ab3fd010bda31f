"""The register (一楼一档): rooms, households and residents, kept in step with the
Telegram side. A resident linked to a Person makes that person a registered resident
of the community (Role "resident") with `Person.household` = the household's label:
that is what the polls' "registered residents only" / "one vote per household" rules
and the masking of a resident's own room read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Building, Grid, Person, Role
from bot.db.models.people import (
    ACTIVE,
    LEFT,
    Household,
    Resident,
    ResidentMove,
    ResidentRole,
    Room,
)
from bot.org import service as org
from bot.people import address


async def buildings_of(session: AsyncSession, community_id: int) -> list[Building]:
    return list(await session.scalars(
        select(Building).join(Grid, Grid.id == Building.grid_id)
        .where(Grid.community_id == community_id).order_by(Grid.id, Building.id)))


def find_building(buildings: list[Building], token: object) -> Building | None:
    """By exact name ("3号楼"), else by number ("3", "3栋", "３号楼")."""
    name = address.clean(token)
    for b in buildings:
        if b.name == name:
            return b
    key = address.building_key(token)
    found = [b for b in buildings if (b.number or "").upper() == key or b.name == key]
    return found[0] if len(found) == 1 else None


async def room_for(session: AsyncSession, building: Building, unit: str, number: str,
                   *, create: bool = True) -> Room | None:
    room = await session.scalar(select(Room).where(
        Room.building_id == building.id, Room.unit == unit, Room.number == number))
    if room is None and create:
        room = Room(building_id=building.id, unit=unit, number=number)
        session.add(room)
        await session.flush()
    return room


async def household_for(session: AsyncSession, community_id: int, building: Building,
                        room: Room) -> Household:
    household = await session.scalar(select(Household).where(Household.room_id == room.id))
    if household is None:
        household = Household(community_id=community_id, room_id=room.id,
                              label=address.label(building.number, building.name, room.unit,
                                                  room.number))
        session.add(household)
        await session.flush()
    return household


@dataclass(frozen=True)
class Place:
    """A household with its room and building, for texts."""

    household: Household
    room: Room
    building: Building

    @property
    def long(self) -> str:
        return address.long_label(self.building.name, self.room.unit, self.room.number)


async def place_of(session: AsyncSession, household_id: int | None) -> Place | None:
    if household_id is None:
        return None
    row = (await session.execute(
        select(Household, Room, Building).join(Room, Room.id == Household.room_id)
        .join(Building, Building.id == Room.building_id).where(Household.id == household_id)
    )).one_or_none()
    return Place(*row) if row else None


async def find_household(session: AsyncSession, community_ids: list[int],
                         text: str) -> Place | None:
    """"3-2-301" / "3号楼2单元301" in one of these communities."""
    where = address.parse(text)
    if where is None or not community_ids:
        return None
    rows = (await session.execute(
        select(Household, Room, Building).join(Room, Room.id == Household.room_id)
        .join(Building, Building.id == Room.building_id)
        .where(Household.community_id.in_(community_ids), Room.unit == where.unit,
               Room.number == where.room)
    )).all()
    found = [Place(*r) for r in rows if (r[2].number or r[2].name).upper() == where.building]
    return found[0] if len(found) == 1 else None


async def residents_of(session: AsyncSession, household_id: int,
                       status: str = ACTIVE) -> list[Resident]:
    return list(await session.scalars(select(Resident).where(
        Resident.household_id == household_id, Resident.status == status)
        .order_by(Resident.id)))


async def resident_of_person(session: AsyncSession, person_id: int) -> Resident | None:
    return await session.scalar(select(Resident).where(
        Resident.person_id == person_id, Resident.status == ACTIVE).order_by(Resident.id))


def role_slugs(resident: Resident) -> list[str]:
    return [r.role for r in resident.roles]


def set_roles(resident: Resident, slugs: list[str]) -> bool:
    """Replace the resident's register roles; True if they changed."""
    if role_slugs(resident) == slugs:
        return False
    keep = {r.role: r for r in resident.roles}
    resident.roles = [keep.get(s) or ResidentRole(role=s) for s in slugs]
    return True


async def _record(session: AsyncSession, resident: Resident, kind: str, now: datetime,
                  by: Person | None, src: int | None, dst: int | None,
                  note: str | None = None) -> None:
    session.add(ResidentMove(resident_id=resident.id, kind=kind, from_household_id=src,
                             to_household_id=dst, at=now, by_id=by.id if by else None,
                             note=note))


async def sync_person(session: AsyncSession, resident: Resident) -> None:
    """The linked person's view of the register: resident role, household, building."""
    if resident.person_id is None:
        return
    person = await session.get(Person, resident.person_id)
    if person is None:
        return
    place = await place_of(session, resident.household_id) if resident.status == ACTIVE else None
    if place is not None:
        person.household = place.household.label
        person.building_id = place.building.id
        await org.grant(session, person, "resident", resident.community_id)
        return
    person.household, person.building_id = None, None
    await session.execute(delete(Role).where(
        Role.person_id == person.id, Role.role == "resident",
        Role.community_id == resident.community_id))


@dataclass
class Change:
    resident: Resident
    kind: str  # new | updated | same | moved


async def upsert(session: AsyncSession, community_id: int, household: Household, *,
                 name: str, now: datetime, phone: str | None = None,
                 roles: list[str] | None = None, note: str | None = None,
                 person: Person | None = None, by: Person | None = None) -> Change:
    """Register `name` in `household` (idempotent on household + name, or on the linked
    person: a person registered elsewhere in the community is moved here)."""
    resident = None
    if person is not None:
        resident = await session.scalar(select(Resident).where(
            Resident.person_id == person.id, Resident.status == ACTIVE,
            Resident.community_id == community_id))
    if resident is None:
        resident = await session.scalar(select(Resident).where(
            Resident.household_id == household.id, Resident.name == name,
            Resident.status == ACTIVE))
    if resident is None:
        resident = Resident(community_id=community_id, household_id=household.id, name=name,
                            phone=phone or None, note=note or None, since=now,
                            person_id=person.id if person else None,
                            roles=[ResidentRole(role=s) for s in roles or []])
        session.add(resident)
        await session.flush()
        await _record(session, resident, "joined", now, by, None, household.id)
        await sync_person(session, resident)
        return Change(resident, "new")
    kind = "same"
    if resident.household_id != household.id:
        await _record(session, resident, "moved", now, by, resident.household_id, household.id)
        resident.household_id, kind = household.id, "moved"
    for field, value in (("name", name), ("phone", phone or None), ("note", note or None),
                         ("person_id", person.id if person else resident.person_id)):
        if value is not None and getattr(resident, field) != value:
            setattr(resident, field, value)
            kind = "updated" if kind == "same" else kind
    if roles is not None and set_roles(resident, roles):
        kind = "updated" if kind == "same" else kind
    await session.flush()
    await sync_person(session, resident)
    return Change(resident, kind)


async def move(session: AsyncSession, resident: Resident, household: Household, now: datetime,
               by: Person | None, note: str | None = None) -> None:
    if resident.household_id == household.id:
        return
    await _record(session, resident, "moved", now, by, resident.household_id, household.id, note)
    resident.household_id = household.id
    await session.flush()
    await sync_person(session, resident)


async def leave(session: AsyncSession, resident: Resident, now: datetime, by: Person | None,
                note: str | None = None) -> None:
    """Moved away or passed away: off the register, the history stays."""
    await _record(session, resident, "left", now, by, resident.household_id, None, note)
    resident.status, resident.left_at = LEFT, now
    await session.flush()
    await sync_person(session, resident)


async def history(session: AsyncSession, household_id: int) -> list[tuple[ResidentMove, str]]:
    """Every move into or out of this household, with the resident's name."""
    rows = await session.execute(
        select(ResidentMove, Resident.name).join(Resident, Resident.id == ResidentMove.resident_id)
        .where((ResidentMove.from_household_id == household_id)
               | (ResidentMove.to_household_id == household_id))
        .order_by(ResidentMove.at, ResidentMove.id))
    return [(m, n) for m, n in rows]


async def counts(session: AsyncSession, community_id: int) -> tuple[int, int]:
    """(registered residents, households with at least one) of the community."""
    base = select(Resident).where(Resident.community_id == community_id,
                                  Resident.status == ACTIVE, Resident.household_id.is_not(None))
    sub = base.subquery()
    people = await session.scalar(select(func.count()).select_from(sub))
    homes = await session.scalar(select(func.count(func.distinct(sub.c.household_id))))
    return int(people or 0), int(homes or 0)


async def building_heads(session: AsyncSession, building_id: int) -> list[Person]:
    """The 楼栋长 / 楼门管家 of a building who are on Telegram."""
    return list(await session.scalars(
        select(Person).join(Resident, Resident.person_id == Person.id)
        .join(ResidentRole, ResidentRole.resident_id == Resident.id)
        .join(Household, Household.id == Resident.household_id)
        .join(Room, Room.id == Household.room_id)
        .where(Room.building_id == building_id, Resident.status == ACTIVE,
               ResidentRole.role == "building_head").order_by(Resident.id)))
