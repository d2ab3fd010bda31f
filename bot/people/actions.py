"""What staff do with the register in private: import the roster file, add / move /
remove a resident, look at a household (一户一档) or a building. Staff are the
community's organizers and grid workers."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot.context import AppContext
from bot.db.models import Community, Person, Role
from bot.db.models.people import ACTIVE, REGISTER_ROLES, Household, Resident, Room
from bot.errors import Refusal
from bot.org import service as org
from bot.people import address, register, roster
from bot.people import texts as T

# Other features add lines to the household card (rounds: the visit history):
# async (session, household_id, tz) -> text or "".
HouseholdPart = Callable[[AsyncSession, int, ZoneInfo], Awaitable[str]]
HOUSEHOLD_PARTS: list[HouseholdPart] = []
MAX_ERRORS_SHOWN = 30
MAX_TEXT = 3800  # under Telegram's 4096 characters


async def staff_communities(session: AsyncSession, person: Person, ctx: AppContext,
                            *, organizers_only: bool = False) -> list[Community]:
    found = {c.id: c for c in await org.organizer_communities(session, person,
                                                               ctx.settings.admin_ids)}
    if not organizers_only:
        for c in await session.scalars(select(Community).join(
                Role, Role.community_id == Community.id).where(
                Role.person_id == person.id, Role.role == "grid_worker")):
            found.setdefault(c.id, c)
    return list(found.values())


async def _staff_ids(session: AsyncSession, person: Person, ctx: AppContext) -> list[int]:
    ids = [c.id for c in await staff_communities(session, person, ctx)]
    if not ids:
        raise Refusal(T.NO_COMMUNITY)
    return ids


def _roles_text(slugs: list[str]) -> str:
    return T.ROLES_SUFFIX.format(roles="、".join(REGISTER_ROLES[s] for s in slugs)) \
        if slugs else ""


# --- the roster file, sent to the bot ------------------------------------------------------

def summary(community: Community, done: roster.Imported) -> str:
    return T.ROSTER_DONE.format(community=community.name, new=done.new, updated=done.updated,
                                moved=done.moved, same=done.same, households=done.households)


def failure(errors: list[str]) -> str:
    """The rows to fix, as many as one message holds."""
    shown: list[str] = []
    for line in errors[:MAX_ERRORS_SHOWN]:
        if sum(len(x) + 1 for x in shown) + len(line) > MAX_TEXT - 200:
            break
        shown.append(line)
    if len(errors) > len(shown):
        shown.append(T.ROSTER_MORE.format(n=len(errors) - len(shown)))
    return T.ROSTER_FAILED.format(n=len(errors), errors="\n".join(shown))


async def import_roster(session: AsyncSession, ctx: AppContext, person: Person, data: bytes,
                        filename: str, caption: str, now: datetime) -> str:
    """An organizer sent the roster file; the caption may name the community. A bad file
    imports nothing (the answer lists the rows); it is an answer, not a refusal."""
    mine = await staff_communities(session, person, ctx, organizers_only=True)
    if not mine:
        raise Refusal(T.ROSTER_NOT_STAFF)
    named = [c for c in mine if c.name in caption or c.code in caption]
    if len(named) != 1 and len(mine) > 1:
        raise Refusal(T.ROSTER_WHICH)
    community = named[0] if named else mine[0]
    try:
        async with session.begin_nested():
            done = await roster.import_bytes(session, community, data, filename, now, person)
    except roster.RosterError as exc:
        return failure(exc.errors)
    from bot import events
    from bot.people.events import RegisterChanged

    await events.publish(session, ctx, RegisterChanged(community.id))
    return summary(community, done)


# --- one resident ---------------------------------------------------------------------------

async def _place(session: AsyncSession, community_ids: list[int], text: str,
                 *, create: bool) -> tuple[int, register.Place]:
    """The household at "3号楼2单元301" / "3-2-301" in one of these communities."""
    where = address.parse(text)
    for community_id in community_ids if where else []:
        assert where is not None
        building = register.find_building(await register.buildings_of(session, community_id),
                                          where.building)
        if building is None:
            continue
        room = await register.room_for(session, building, where.unit, where.room, create=create)
        if room is None:
            continue
        household = await (register.household_for(session, community_id, building, room)
                           if create else session.scalar(select(Household).where(
                               Household.room_id == room.id)))
        if household is not None:
            return community_id, register.Place(household, room, building)
    raise Refusal((T.BAD_PLACE if create else T.NO_HOUSEHOLD).format(value=text))


async def add(session: AsyncSession, ctx: AppContext, person: Person, args: str,
              now: datetime) -> str:
    """/resident_add 3号楼2单元301 陈阿姨 [13800000000] [楼栋长 …]"""
    parts = (args or "").split()
    if len(parts) < 2:
        raise Refusal(T.ADD_HOW)
    community_id, place = await _place(session, await _staff_ids(session, person, ctx),
                                       parts[0], create=True)
    phone = next((p for p in parts[2:] if address.phone_of(p)), None)
    words = [p for p in parts[2:] if p != phone]
    row, problems = roster.make_row(0, building=place.building.name, unit=place.room.unit,
                                    room=place.room.number, name=parts[1], phone=phone,
                                    roles=words)
    if problems:
        raise Refusal(problems[0].split("：", 1)[-1] + "\n" + T.ADD_HOW)
    change = await register.upsert(session, community_id, place.household, name=row.name,
                                   now=now, phone=row.phone, roles=row.roles or None,
                                   note=row.note, by=person)
    text = T.ADDED if change.kind == "new" else T.UPDATED
    return text.format(name=row.name, place=place.long,
                       roles=_roles_text(register.role_slugs(change.resident)))


async def _resident(session: AsyncSession, community_ids: list[int], who: str) -> Resident:
    """By "#12" / "12" or by name; several namesakes are listed to choose by number."""
    number = numbers.number(who)
    stmt = select(Resident).where(Resident.community_id.in_(community_ids),
                                  Resident.status == ACTIVE)
    stmt = stmt.where(Resident.id == number) if number is not None else stmt.where(
        Resident.name == who)
    found = list(await session.scalars(stmt.order_by(Resident.id)))
    if not found:
        raise Refusal(T.NO_SUCH.format(value=who))
    if len(found) > 1:
        lines = []
        for r in found:
            place = await register.place_of(session, r.household_id)
            lines.append(T.MANY_LINE.format(id=r.id, name=r.name,
                                            place=place.long if place else "-"))
        raise Refusal(T.MANY.format(n=len(found), value=who, lines="\n".join(lines)))
    return found[0]


async def move(session: AsyncSession, ctx: AppContext, person: Person, args: str,
               now: datetime) -> str:
    """/resident_move 陈阿姨 3-2-302"""
    parts = (args or "").split()
    if len(parts) != 2:
        raise Refusal(T.MOVE_HOW)
    ids = await _staff_ids(session, person, ctx)
    resident = await _resident(session, ids, parts[0])
    _, place = await _place(session, [resident.community_id], parts[1], create=True)
    old = await register.place_of(session, resident.household_id)
    await register.move(session, resident, place.household, now, person)
    return T.MOVED.format(name=resident.name, old=old.long if old else "-", place=place.long)


async def remove(session: AsyncSession, ctx: AppContext, person: Person, args: str,
                 now: datetime) -> str:
    """/resident_remove 陈阿姨 [搬走了]"""
    who, _, why = (args or "").strip().partition(" ")
    if not who:
        raise Refusal(T.REMOVE_HOW)
    resident = await _resident(session, await _staff_ids(session, person, ctx), who)
    place = await register.place_of(session, resident.household_id)
    await register.leave(session, resident, now, person, why.strip() or None)
    return T.REMOVED.format(name=resident.name, place=place.long if place else "-")


# --- looking -------------------------------------------------------------------------------

def _at(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d")


async def household_card(session: AsyncSession, ctx: AppContext, person: Person,
                         args: str) -> str:
    """/household 3-2-301: residents, their roles, every move, and the other features'
    parts (the visits of grid workers' rounds)."""
    if not (args or "").strip():
        raise Refusal(T.HOUSEHOLD_HOW)
    _, place = await _place(session, await _staff_ids(session, person, ctx), args.strip(),
                            create=False)
    lines = [T.HOUSEHOLD_CARD.format(place=place.long, label=place.household.label)]
    residents = await register.residents_of(session, place.household.id)
    for r in residents:
        lines.append(T.RESIDENT_LINE.format(
            id=r.id, name=r.name, phone=f" {r.phone}" if r.phone else "",
            roles=_roles_text(register.role_slugs(r)), tg=T.TG_MARK if r.person_id else ""))
    if not residents:
        lines.append(T.HOUSEHOLD_NOBODY)
    moves = await register.history(session, place.household.id)
    if moves:
        lines.append(T.HISTORY)
    for move_, name in moves:
        lines.append(await _history_line(session, move_, name, place.household.id, ctx.tz))
    for part in HOUSEHOLD_PARTS:
        text = await part(session, place.household.id, ctx.tz)
        if text:
            lines.append(text)
    return "\n".join(lines)


async def _history_line(session: AsyncSession, m: register.ResidentMove, name: str,
                        household_id: int, tz: ZoneInfo) -> str:
    at = _at(m.at, tz)
    if m.kind == "moved":
        inbound = m.to_household_id == household_id
        other = await register.place_of(session, m.from_household_id if inbound
                                        else m.to_household_id)
        key = "moved_in" if inbound else "moved_out"
        return T.HISTORY_LINE[key].format(at=at, name=name, other=other.long if other else "-")
    note = f"（{m.note}）" if m.note else ""
    return T.HISTORY_LINE[m.kind].format(at=at, name=name, note=note)


async def building_list(session: AsyncSession, ctx: AppContext, person: Person,
                        args: str) -> str:
    """/residents 3号楼: its households and who is registered in each."""
    if not (args or "").strip():
        raise Refusal(T.RESIDENTS_HOW)
    for community_id in await _staff_ids(session, person, ctx):
        building = register.find_building(await register.buildings_of(session, community_id),
                                          args.strip())
        if building is not None:
            break
    else:
        raise Refusal(T.BAD_PLACE.format(value=args.strip()))
    rows = (await session.execute(
        select(Room, Resident.name).join(Household, Household.room_id == Room.id)
        .join(Resident, Resident.household_id == Household.id)
        .where(Room.building_id == building.id, Resident.status == ACTIVE)
        .order_by(Room.unit, Room.number, Resident.id))).all()
    if not rows:
        return T.BUILDING_EMPTY.format(building=building.name)
    homes: dict[int, tuple[Room, list[str]]] = {}
    for room, name in rows:
        homes.setdefault(room.id, (room, []))[1].append(name)
    lines = [T.BUILDING_LIST.format(building=building.name, households=len(homes),
                                    residents=len(rows))]
    lines += [T.BUILDING_LINE.format(place=address.long_label("", room.unit, room.number),
                                     names="、".join(names)) for room, names in homes.values()]
    text = "\n".join(lines)
    if len(text) > MAX_TEXT:  # one Telegram message: the rest by /household
        text = text[:text.rfind("\n", 0, MAX_TEXT)] + "\n" + T.BUILDING_MORE
    return text

