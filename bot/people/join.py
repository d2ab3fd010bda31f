"""/join: a resident registers themself in private. Community (if several), building and
room by buttons (paged), or the room typed; the request goes to the community's organizers
and that building's 楼栋长, who approve or reject with one press; the resident is told."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Building, Community, Grid, Person
from bot.db.models.people import JoinRequest, Room
from bot.delivery import outbox
from bot.errors import Refusal
from bot.org import service as org
from bot.people import address, register
from bot.people import texts as T
from bot.people.buttons import JoinAct, JoinDecide, JoinPick
from bot.people.paging import paged
from bot.texts import BUTTON_UNKNOWN
from bot.ui import Button, Keyboard, markup


@dataclass(frozen=True)
class Step:
    """What to show; `room_for` is the building whose room may now be typed."""

    text: str
    keyboard: Keyboard | None = None
    room_for: int | None = None


async def _already(session: AsyncSession, person: Person) -> None:
    mine = await register.resident_of_person(session, person.id)
    if mine is None:
        return
    place = await register.place_of(session, mine.household_id)
    community = await session.get(Community, mine.community_id)
    raise Refusal(T.JOIN_ALREADY.format(community=community.name if community else "",
                                        place=place.long if place else ""))


async def start(session: AsyncSession, person: Person) -> Step:
    await _already(session, person)
    communities = list(await session.scalars(select(Community).order_by(Community.id)))
    if len(communities) == 1:
        return await buildings(session, communities[0].id, 0)
    if not communities:
        raise Refusal(T.JOIN_NO_BUILDINGS)
    items = [(c.name, JoinPick(a=JoinAct.COMMUNITY, v=c.id)) for c in communities]
    return Step(T.JOIN_CHOOSE_COMMUNITY, [[Button(t, cb)] for t, cb in items])


async def buildings(session: AsyncSession, community_id: int, page: int) -> Step:
    found = await register.buildings_of(session, community_id)
    if not found:
        raise Refusal(T.JOIN_NO_BUILDINGS)
    items = [Button(b.name, JoinPick(a=JoinAct.BUILDING, v=b.id)) for b in found]
    kb, page, pages = paged(items, page, 3,
                            lambda p: JoinPick(a=JoinAct.COMMUNITY, v=community_id, p=p))
    return Step(T.JOIN_CHOOSE_BUILDING.format(page=page, pages=pages), kb)


async def rooms(session: AsyncSession, building_id: int, page: int) -> Step:
    building = await session.get(Building, building_id)
    if building is None:
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    found = await rooms_of(session, building_id)
    if not found:
        return Step(T.JOIN_TYPE_ROOM.format(building=building.name), None, building.id)
    items = [Button(room_name(r), JoinPick(a=JoinAct.ROOM, v=r.id)) for r in found]
    kb, page, pages = paged(items, page, 4,
                            lambda p: JoinPick(a=JoinAct.BUILDING, v=building_id, p=p))
    return Step(T.JOIN_CHOOSE_ROOM.format(building=building.name, page=page, pages=pages), kb,
                building.id)


def _natural(text: str) -> tuple[int, str]:
    digits = "".join(c for c in text if c.isdigit())
    return (int(digits) if digits else 0, text)


async def rooms_of(session: AsyncSession, building_id: int) -> list[Room]:
    """The building's rooms in the order people count them (2-301 before 10-101)."""
    found = list(await session.scalars(select(Room).where(Room.building_id == building_id)))
    return sorted(found, key=lambda r: (_natural(r.unit), _natural(r.number)))


def room_name(room: Room) -> str:
    return f"{room.unit + '-' if room.unit else ''}{room.number}"


async def pick(session: AsyncSession, ctx: AppContext, person: Person, cb: JoinPick,
               now: datetime) -> Step:
    """A button of the /join dialog."""
    await _already(session, person)
    if cb.a == JoinAct.COMMUNITY:
        if await session.get(Community, cb.v) is None:
            raise Refusal(BUTTON_UNKNOWN, alert=True)
        return await buildings(session, cb.v, cb.p)
    if cb.a == JoinAct.BUILDING:
        return await rooms(session, cb.v, cb.p)
    room = await session.get(Room, cb.v)
    if room is None:
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    return await request(session, ctx, person, room, now)


async def typed(session: AsyncSession, ctx: AppContext, person: Person, building_id: int,
                text: str, now: datetime) -> Step:
    """The room typed after choosing a building ("2单元301", "301")."""
    await _already(session, person)
    building = await session.get(Building, building_id)
    where = address.room_of(text)
    if building is None or where is None or (where.building and where.building != (
            building.number or "").upper()):
        raise Refusal(T.JOIN_BAD_ROOM)
    room = await register.room_for(session, building, where.unit, where.room)
    assert room is not None
    return await request(session, ctx, person, room, now)


async def _community_of(session: AsyncSession, building: Building) -> Community:
    grid = await session.get(Grid, building.grid_id)
    assert grid is not None
    community = await session.get(Community, grid.community_id)
    assert community is not None
    return community


async def request(session: AsyncSession, ctx: AppContext, person: Person, room: Room,
                  now: datetime) -> Step:
    building = await session.get(Building, room.building_id)
    assert building is not None
    community = await _community_of(session, building)
    place = address.long_label(building.name, room.unit, room.number)
    pending = await session.scalar(select(JoinRequest).where(
        JoinRequest.person_id == person.id, JoinRequest.status == "pending"))
    if pending is not None and pending.room_id == room.id:
        return Step(T.JOIN_PENDING_SAME.format(place=place))
    if pending is not None:  # asked for another room: the newer request replaces it
        pending.status, pending.decided_at = "cancelled", now
    req = JoinRequest(person_id=person.id, community_id=community.id, room_id=room.id, at=now)
    session.add(req)
    await session.flush()
    deciders = await _deciders(session, community.id, building.id)
    household = await session.scalar(select(register.Household).where(
        register.Household.room_id == room.id))
    names = [r.name for r in await register.residents_of(session, household.id)] \
        if household else []
    text = "\n".join([
        T.JOIN_ASK.format(name=person.name or f"@{person.username}", community=community.name,
                          place=place),
        T.JOIN_ASK_HOUSEHOLD.format(names="、".join(names)) if names else T.JOIN_ASK_EMPTY])
    kb = [[Button(T.BTN_APPROVE, JoinDecide(r=req.id, ok=1)),
           Button(T.BTN_REJECT, JoinDecide(r=req.id, ok=0))]]
    for decider in deciders:
        await outbox.enqueue(session, decider.tg_id or 0, now=now, text=text, parse_mode=None,
                             reply_markup=markup(kb), dedupe_key=f"join:{req.id}:{decider.id}")
    return Step(T.JOIN_SENT.format(place=place) + ("" if deciders else "\n" + T.JOIN_NOBODY))


async def _deciders(session: AsyncSession, community_id: int, building_id: int) -> list[Person]:
    people = await org.organizers(session, community_id)
    people += await register.building_heads(session, building_id)
    seen: set[int] = set()
    out = []
    for p in people:
        if p.id not in seen and p.tg_id is not None and not p.blocked_bot:
            seen.add(p.id)
            out.append(p)
    return out


async def decide(session: AsyncSession, ctx: AppContext, person: Person, cb: JoinDecide,
                 now: datetime) -> str:
    """An organizer's or the building head's press; returns the new text of their message."""
    req = await session.get(JoinRequest, cb.r, with_for_update=True)
    if req is None:
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    room = await session.get(Room, req.room_id)
    assert room is not None
    building = await session.get(Building, room.building_id)
    assert building is not None
    allowed = await org.can_organize(session, person, req.community_id, ctx.settings.admin_ids)
    if not allowed:
        allowed = any(h.id == person.id for h in await register.building_heads(session,
                                                                              building.id))
    if not allowed:
        raise Refusal(T.JOIN_NOT_YOURS, alert=True)
    if req.status != "pending":
        raise Refusal(T.JOIN_DECIDED.format(status=T.JOIN_STATUS.get(req.status, req.status)),
                      alert=True)
    asker = await session.get(Person, req.person_id)
    assert asker is not None
    community = await session.get(Community, req.community_id)
    assert community is not None
    place = address.long_label(building.name, room.unit, room.number)
    req.decided_at, req.decided_by_id = now, person.id
    name = asker.name or f"@{asker.username}"
    if cb.ok:
        req.status = "approved"
        household = await register.household_for(session, community.id, building, room)
        await register.upsert(session, community.id, household, name=name, now=now,
                              person=asker, by=person)
        said = T.JOIN_APPROVED.format(community=community.name, place=place)
        done = T.JOIN_DONE_APPROVED.format(name=name, place=place)
    else:
        req.status = "rejected"
        said, done = T.JOIN_REJECTED.format(place=place), T.JOIN_DONE_REJECTED.format(
            name=name, place=place)
    await session.execute(update(JoinRequest).where(
        JoinRequest.person_id == asker.id, JoinRequest.status == "pending",
        JoinRequest.id != req.id).values(status="cancelled", decided_at=now))
    if asker.tg_id is not None:
        await outbox.enqueue(session, asker.tg_id, now=now, text=said, parse_mode=None,
                             dedupe_key=f"join-done:{req.id}")
    return done
