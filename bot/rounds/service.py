"""A grid worker's round (走访 / 巡查) in private: start, record visits (a household of the
register or a place; what was found; photos; the outcome), close. A problem found opens
a case through the case loop's own intake (source "patrol": 主动发现), routed like any
other; fixed on the spot and 帮办代办 are recorded as such."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases, people
from bot.context import AppContext
from bot.db.models import Building, Case, Grid, Person, Role
from bot.db.models.cases import PATROL
from bot.db.models.people import Room
from bot.db.models.rounds import OUTCOMES, Round, Visit
from bot.errors import Refusal
from bot.rounds import texts as T
from bot.rounds.buttons import RoundAct, RoundBtn
from bot.texts import BUTTON_UNKNOWN
from bot.ui import Button, Keyboard


@dataclass(frozen=True)
class Step:
    """What to show; `wants_text` while a visit waits for what was found."""

    text: str
    keyboard: Keyboard | None = None
    wants_text: bool = False


def _menu(round_id: int) -> Keyboard:
    return [[Button(T.BTN_VISIT, RoundBtn(a=RoundAct.VISIT, r=round_id)),
             Button(T.BTN_CLOSE, RoundBtn(a=RoundAct.CLOSE, r=round_id))]]


async def _open_round(session: AsyncSession, person: Person) -> Round | None:
    return await session.scalar(select(Round).where(
        Round.worker_id == person.id, Round.closed_at.is_(None)).order_by(Round.id.desc()))


async def _grids(session: AsyncSession, person: Person) -> list[Grid]:
    return list(await session.scalars(
        select(Grid).join(Role, Role.grid_id == Grid.id)
        .where(Role.person_id == person.id, Role.role == "grid_worker").order_by(Grid.id)))


async def _count(session: AsyncSession, round_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Visit).where(
        Visit.round_id == round_id, Visit.outcome.is_not(None))) or 0)


async def start(session: AsyncSession, ctx: AppContext, person: Person, now: datetime) -> Step:
    """/round: the open round, or a new one (the worker's grid, or a choice of grids)."""
    current = await _open_round(session, person)
    if current is not None:
        grid = await session.get(Grid, current.grid_id)
        at = current.started_at.astimezone(ctx.tz).strftime("%m-%d %H:%M")
        return Step(T.OPEN_ALREADY.format(grid=grid.name if grid else "", at=at,
                                          n=await _count(session, current.id)),
                    _menu(current.id))
    grids = await _grids(session, person)
    if not grids:
        raise Refusal(T.NOT_WORKER)
    if len(grids) > 1:
        return Step(T.CHOOSE_GRID, [[Button(g.name, RoundBtn(a=RoundAct.GRID, r=0, v=g.id))]
                                    for g in grids])
    return await _begin(session, ctx, person, grids[0], now)


async def _begin(session: AsyncSession, ctx: AppContext, person: Person, grid: Grid,
                 now: datetime) -> Step:
    row = Round(community_id=grid.community_id, grid_id=grid.id, worker_id=person.id,
                started_at=now)
    session.add(row)
    await session.flush()
    from bot.rounds import stale  # the not-visited check runs once rounds are in use

    await stale.ensure_timer(session, grid.community_id, now, ctx.tz)
    return Step(T.STARTED.format(grid=grid.name), _menu(row.id))


async def _mine(session: AsyncSession, person: Person, round_id: int) -> Round:
    row = await session.get(Round, round_id)
    if row is None:
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    if row.worker_id != person.id:
        raise Refusal(T.NOT_YOURS, alert=True)
    if row.closed_at is not None:
        raise Refusal(T.STALE_BUTTON, alert=True)
    return row


async def press(session: AsyncSession, ctx: AppContext, person: Person, cb: RoundBtn,
                now: datetime) -> Step:
    """Any button of a round."""
    if cb.a == RoundAct.GRID:
        grid = await session.get(Grid, cb.v)
        if grid is None or grid.id not in {g.id for g in await _grids(session, person)}:
            raise Refusal(BUTTON_UNKNOWN, alert=True)
        return await start(session, ctx, person, now) if await _open_round(
            session, person) else await _begin(session, ctx, person, grid, now)
    row = await _mine(session, person, cb.r)
    if cb.a == RoundAct.VISIT:
        return await _buildings(session, row, cb.p)
    if cb.a == RoundAct.BUILDING:
        return await _rooms(session, row, cb.v, cb.p)
    if cb.a in (RoundAct.ROOM, RoundAct.PLACE):
        return await _draft(session, row, cb, now)
    if cb.a == RoundAct.OUTCOME:
        return await _outcome(session, ctx, person, row, cb, now)
    return await close(session, ctx, row, now)


async def _buildings(session: AsyncSession, row: Round, page: int) -> Step:
    found = list(await session.scalars(select(Building).where(
        Building.grid_id == row.grid_id).order_by(Building.id)))
    place = [Button(T.BTN_PLACE_ONLY, RoundBtn(a=RoundAct.PLACE, r=row.id))]
    if not found:
        return Step(T.NO_BUILDINGS, [place])
    items = [Button(b.name, RoundBtn(a=RoundAct.BUILDING, r=row.id, v=b.id)) for b in found]
    kb, page, pages = people.paged(items, page, 3,
                                   lambda p: RoundBtn(a=RoundAct.VISIT, r=row.id, p=p))
    return Step(T.CHOOSE_BUILDING.format(page=page, pages=pages), [*kb, place])


async def _rooms(session: AsyncSession, row: Round, building_id: int, page: int) -> Step:
    building = await session.get(Building, building_id)
    if building is None or building.grid_id != row.grid_id:
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    items = [Button(people.room_name(r), RoundBtn(a=RoundAct.ROOM, r=row.id, v=r.id))
             for r in await people.rooms_of(session, building.id)]
    kb, page, pages = people.paged(
        items, page, 4, lambda p: RoundBtn(a=RoundAct.BUILDING, r=row.id, v=building.id, p=p))
    place = [Button(T.BTN_PLACE, RoundBtn(a=RoundAct.PLACE, r=row.id, v=building.id))]
    return Step(T.CHOOSE_ROOM.format(building=building.name, page=page, pages=pages),
                [*kb, place])


async def _draft(session: AsyncSession, row: Round, cb: RoundBtn, now: datetime) -> Step:
    """The visit being written: one per round (a new choice replaces an unfinished one)."""
    await session.execute(delete(Visit).where(Visit.round_id == row.id,
                                              Visit.outcome.is_(None)))
    visit = Visit(round_id=row.id, at=now)
    if cb.a == RoundAct.ROOM:
        room = await session.get(Room, cb.v)
        building = await session.get(Building, room.building_id) if room else None
        if room is None or building is None or building.grid_id != row.grid_id:
            raise Refusal(BUTTON_UNKNOWN, alert=True)
        household = await people.household_for(session, row.community_id, building, room)
        visit.building_id, visit.household_id = building.id, household.id
        where = people.long_label(building.name, room.unit, room.number)
        text = T.ASK_FOUND.format(place=where)
    else:
        building = await session.get(Building, cb.v) if cb.v else None
        if cb.v and (building is None or building.grid_id != row.grid_id):
            raise Refusal(BUTTON_UNKNOWN, alert=True)
        visit.building_id = building.id if building else None
        visit.place = T.PLACE_PUBLIC.format(building=building.name) if building else None
        text = T.ASK_PLACE.format(building=building.name) if building else T.ASK_PLACE_ANY
    session.add(visit)
    await session.flush()
    return Step(text, None, wants_text=True)


async def _draft_of(session: AsyncSession, person: Person) -> tuple[Round, Visit]:
    row = await _open_round(session, person)
    if row is None:
        raise Refusal(T.NO_OPEN_ROUND)
    visit = await session.scalar(select(Visit).where(
        Visit.round_id == row.id, Visit.outcome.is_(None)).order_by(Visit.id.desc()))
    if visit is None:
        raise Refusal(T.NO_DRAFT)
    return row, visit


def _outcomes(row: Round, visit: Visit) -> Keyboard:
    buttons = [Button(T.OUTCOME[o], RoundBtn(a=RoundAct.OUTCOME, r=row.id, v=visit.id, p=i))
               for i, o in enumerate(OUTCOMES)]
    return [buttons[:2], buttons[2:]]


async def note(session: AsyncSession, person: Person, text: str,
               photo: tuple[str, str] | None) -> Step:
    """Text or a photo while a visit is being written."""
    row, visit = await _draft_of(session, person)
    if photo is not None:
        visit.photos = [*visit.photos, list(photo)]
    text = text.strip()
    if text:
        visit.found = f"{visit.found}\n{text}".strip()[:2000]
    if not visit.found:
        return Step(T.PHOTO_SAVED.format(n=len(visit.photos)), None, wants_text=True)
    photos = T.PHOTOS.format(n=len(visit.photos)) if visit.photos else ""
    return Step(T.NOTED.format(found=_excerpt(visit.found, 500), photos=photos),
                _outcomes(row, visit),
                wants_text=True)


async def _where(session: AsyncSession, visit: Visit) -> str:
    place = await people.place_of(session, visit.household_id)
    return place.long if place else (visit.place or "")


async def _outcome(session: AsyncSession, ctx: AppContext, person: Person, row: Round,
                   cb: RoundBtn, now: datetime) -> Step:
    visit = await session.get(Visit, cb.v)
    if visit is None or visit.round_id != row.id or not 0 <= cb.p < len(OUTCOMES):
        raise Refusal(BUTTON_UNKNOWN, alert=True)
    if visit.outcome is not None:
        raise Refusal(T.STALE_BUTTON, alert=True)
    outcome = OUTCOMES[cb.p]
    if outcome != "ok" and not visit.found:
        raise Refusal(T.NEED_TEXT, alert=True)
    where = await _where(session, visit)
    shown = where or T.PLACE_OTHER  # a place with no building: its text is in `found`
    visit.outcome, visit.at = outcome, now
    if outcome != "case":
        return Step(T.RECORDED.format(place=shown, outcome=T.OUTCOME_NAME[outcome]),
                    _menu(row.id))
    case = await open_case(session, ctx, person, row, visit, where, now)
    if await session.scalar(select(Visit.id).where(Visit.case_id == case.id,
                                                   Visit.id != visit.id).limit(1)):
        # found on a round before (this one or another): the same case, not a new one
        return Step(T.RECORDED_AGAIN.format(place=shown, number=case.number), _menu(row.id))
    if case.source != PATROL:  # a resident had already reported it: the visit joins it
        return Step(T.RECORDED_LINKED.format(place=shown, number=case.number), _menu(row.id))
    return Step(T.RECORDED_CASE.format(place=shown, number=case.number), _menu(row.id))


async def open_case(session: AsyncSession, ctx: AppContext, person: Person, row: Round,
                    visit: Visit, where: str, now: datetime) -> Case:
    """The case loop's own private intake, keyed by the visit (a redelivered press opens
    nothing twice), opened as found on a round (its card says so); an open case about
    the same problem is joined instead and keeps its own source."""
    src = cases.Source(chat_id=person.tg_id or 0, message_id=-visit.id,
                       text=f"{where} {visit.found}".strip(),
                       photos=[(p[0], p[1]) for p in visit.photos])
    case = await cases.report(session, ctx, person, row.grid_id, src, now, source=PATROL)
    visit.case_id = case.id
    return case


async def close(session: AsyncSession, ctx: AppContext, row: Round, now: datetime) -> Step:
    await session.execute(delete(Visit).where(Visit.round_id == row.id,
                                              Visit.outcome.is_(None)))
    row.closed_at = now
    visits = list(await session.scalars(select(Visit).where(Visit.round_id == row.id)))
    tally = {o: sum(1 for v in visits if v.outcome == o) for o in OUTCOMES}
    numbers = [n for n in await session.scalars(select(Case.number).where(
        Case.id.in_([v.case_id for v in visits if v.case_id])))]
    grid = await session.get(Grid, row.grid_id)
    start, end = row.started_at.astimezone(ctx.tz), now.astimezone(ctx.tz)
    return Step(T.CLOSED.format(
        grid=grid.name if grid else "", start=start.strftime("%m-%d %H:%M"),
        end=end.strftime("%H:%M" if end.date() == start.date() else "%m-%d %H:%M"),
        n=len(visits),
        homes=len({v.household_id for v in visits if v.household_id}), fixed=tally["fixed"],
        helped=tally["helped"], cases=tally["case"], ok=tally["ok"],
        numbers=T.CASE_NUMBERS.format(numbers="、".join(numbers)) if numbers else ""))


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


async def visit_history(session: AsyncSession, household_id: int, tz: ZoneInfo) -> str:
    """The household card's part (一户一档): the latest visits, newest first."""
    rows = (await session.execute(
        select(Visit, Person.name).join(Round, Round.id == Visit.round_id)
        .outerjoin(Person, Person.id == Round.worker_id)
        .where(Visit.household_id == household_id, Visit.outcome.is_not(None))
        .order_by(Visit.at.desc(), Visit.id.desc()))).all()
    if not rows:
        return ""
    lines = [T.HISTORY]
    for visit, worker in rows[:10]:
        number = ""
        if visit.case_id:
            number = " " + (await session.scalar(
                select(Case.number).where(Case.id == visit.case_id)) or "")
        lines.append(T.HISTORY_LINE.format(
            at=visit.at.astimezone(tz).strftime("%Y-%m-%d"),
            worker=worker or "", outcome=T.OUTCOME_NAME[visit.outcome or "ok"] + number,
            found=f"：{_excerpt(visit.found)}" if visit.found else ""))
    if len(rows) > 10:
        lines.append(T.HISTORY_MORE.format(n=len(rows)))
    return "\n".join(lines)
