"""A resident's own register rows for their rights (个人信息保护法, bot.privacy.rights):
what /mydata shows of the register, and what /forget does to it.

Forgetting takes the person off the register and erases what identified them (name,
phone, note, register roles, the Telegram link); the household keeps its history: the
moves stay, under a placeholder name, so 一户一档 still shows that someone lived there
and when they left."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Building, Community, Person
from bot.db.models.people import (
    ACTIVE,
    LEFT,
    REGISTER_ROLES,
    JoinRequest,
    Resident,
    ResidentMove,
    Room,
)
from bot.people import address, register
from bot.people import texts as T


def _when(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


async def _place(session: AsyncSession, household_id: int | None) -> str | None:
    place = await register.place_of(session, household_id)
    return place.long if place else None


async def register_data(session: AsyncSession, person: Person) -> dict[str, Any]:
    """The person's register entries (household, room, roles, history) and /join requests."""
    communities = dict((await session.execute(select(Community.id, Community.name))).all())
    residents = list(await session.scalars(
        select(Resident).where(Resident.person_id == person.id).order_by(Resident.id)))
    items = []
    for r in residents:
        place = await register.place_of(session, r.household_id)
        moves = list(await session.scalars(select(ResidentMove).where(
            ResidentMove.resident_id == r.id).order_by(ResidentMove.at, ResidentMove.id)))
        items.append({
            "community": communities.get(r.community_id),
            "household": place.household.label if place else None,
            "room": place.long if place else None,
            "name": r.name, "phone": r.phone, "note": r.note,
            "roles": [REGISTER_ROLES.get(s, s) for s in register.role_slugs(r)],
            "status": T.MYDATA_STATUS.get(r.status, r.status),
            "since": _when(r.since), "left_at": _when(r.left_at),
            "history": [{"kind": T.MYDATA_MOVE.get(m.kind, m.kind), "at": _when(m.at),
                         "from": await _place(session, m.from_household_id),
                         "to": await _place(session, m.to_household_id), "note": m.note}
                        for m in moves],
        })
    joins = (await session.execute(
        select(JoinRequest, Room).join(Room, Room.id == JoinRequest.room_id)
        .where(JoinRequest.person_id == person.id).order_by(JoinRequest.id))).all()
    requests = []
    for req, room in joins:
        building = await session.get(Building, room.building_id)
        requests.append({
            "community": communities.get(req.community_id),
            "room": address.long_label(building.name if building else "", room.unit,
                                                room.number),
            "status": T.MYDATA_JOIN.get(req.status, req.status), "at": _when(req.at),
            "decided_at": _when(req.decided_at)})
    return {"purpose": T.MYDATA_PURPOSE, "items": items, "join_requests": requests}


async def forget(session: AsyncSession, person: Person, now: datetime) -> int:
    """Take the person off the register and erase what identified them; the households
    keep their history. Returns how many register entries were erased. (Their /join
    requests go with the person row: the foreign key cascades.)"""
    residents = list(await session.scalars(
        select(Resident).where(Resident.person_id == person.id)))
    for r in residents:
        if r.status == ACTIVE:
            await register.leave(session, r, now, None, T.FORGOTTEN_NOTE)
        r.status, r.left_at = LEFT, r.left_at or now
        r.name, r.phone, r.note, r.person_id = T.FORGOTTEN_NAME, None, None, None
        register.set_roles(r, [])
    await session.flush()
    return len(residents)
