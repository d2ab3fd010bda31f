"""Intake: a group message, an album, an edit, a private /report or a `/case` reply
becomes a case (idempotently), or is linked to an open case about the same problem."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Building, Case, CasePhoto, CaseVoice, Community, GroupChat, Grid, Person
from bot.db.models.cases import ACTIVE, CLOSED
from bot.cases import access
from bot.cases import core
from bot.cases import notify
from bot.cases import render as R
from bot.cases import routing
from bot.cases import sla
from bot.taxonomy import CATEGORIES, category_name
from bot.cases import texts as T

Photo = tuple[str, str]  # (file_id, file_unique_id)
CASE_INTENTS = ("complaint", "suggestion")


@dataclass
class Intake:
    outcome: str  # opened | linked | existing | album | inquiry | ignored
    case: Case | None = None


@dataclass
class Source:
    """Where a report came from (a group message or a private chat)."""

    chat_id: int
    message_id: int
    text: str
    photos: list[Photo] = field(default_factory=list)
    media_group_id: str | None = None
    group: GroupChat | None = None


def _category(classification: Any) -> str:
    cat = getattr(classification, "category", None)
    return cat if cat in CATEGORIES else "other"


async def by_source(session: AsyncSession, chat_id: int, message_id: int) -> Case | None:
    return await session.scalar(
        select(Case).where(Case.source_chat_id == chat_id, Case.source_message_id == message_id)
    )


async def find_duplicate(session: AsyncSession, grid_id: int | None, category: str,
                         place: Any) -> Case | None:
    """An open case of the same grid, category and place (a place is required)."""
    if grid_id is None or place is None:
        return None
    stmt = select(Case).where(Case.grid_id == grid_id, Case.category == category,
                              Case.status.in_(ACTIVE))
    if getattr(place, "building", None):
        stmt = stmt.where(Case.building == place.building)
        if place.unit:
            stmt = stmt.where((Case.unit == place.unit) | Case.unit.is_(None))
    else:
        stmt = stmt.where(Case.place == place.text)
    return await session.scalar(stmt.order_by(Case.id).limit(1))


async def intake_group(
    session: AsyncSession, ctx: AppContext, src: Source, reporter: Person, now: datetime, *,
    force: bool = False,
) -> Intake:
    """A message in a group. `force` (a `/case` reply) skips the intent check."""
    group = src.group
    if group is None or group.grid is None:
        return Intake("ignored")
    existing = await by_source(session, src.chat_id, src.message_id)
    if existing is not None:
        return Intake("existing", existing)
    if src.media_group_id and not src.text.strip():
        album = await session.scalar(select(Case).where(
            Case.source_chat_id == src.chat_id, Case.media_group_id == src.media_group_id))
        if album is None:
            return Intake("ignored")
        await add_photos(session, album, src.photos)
        return Intake("album", album)
    if not src.text.strip():
        return Intake("ignored")  # a photo with no caption: quietly ignored in groups
    result = ctx.classifier.classify(src.text)
    if not force:
        if result.intent == "inquiry":
            return Intake("inquiry")
        if result.intent not in CASE_INTENTS:
            return Intake("ignored")
    category = _category(result)
    dup = await find_duplicate(session, group.grid.id, category, result.place)
    if dup is not None:
        await link(session, ctx, dup, reporter, src, now)
        return Intake("linked", dup)
    case, created = await open_case(session, ctx, group.grid, reporter, src, result, now)
    return Intake("opened" if created else "existing", case)


async def open_case(
    session: AsyncSession, ctx: AppContext, grid: Grid, reporter: Person, src: Source,
    result: Any, now: datetime, *, anonymous: bool = False,
) -> tuple[Case, bool]:
    """Open a case (False: this source already had one, returned instead)."""
    community = await session.get(Community, grid.community_id)
    assert community is not None
    year, seq, number = await core.next_number(session, community, now, ctx)
    again = await by_source(session, src.chat_id, src.message_id)  # checked under the lock
    if again is not None:
        return again, False
    place = result.place
    kind = result.intent if result.intent in CASE_INTENTS else "complaint"
    category = _category(result)
    route = await routing.route(session, grid, community.id, category)
    dept_people = (await access.department_members(session, route.department.id)
                   if route.department else [])
    assignee = None if dept_people else route.assignee
    case = Case(
        community_id=community.id, grid_id=grid.id, year=year, seq=seq, number=number,
        kind=kind, text=core.clip(src.text), category=category, category_auto=category,
        urgency=result.urgency if result.urgency == "urgent" else "normal",
        confidence=float(result.confidence or 0), matched=list(result.matched or [])[:20],
        place=place.text[:60] if place else None,
        building=place.building if place else None, unit=place.unit if place else None,
        room=place.room if place else None, reporter_id=reporter.id, anonymous=anonymous,
        source_chat_id=src.chat_id, source_message_id=src.message_id,
        media_group_id=src.media_group_id, status="open", level="grid",
        assignee_id=assignee.id if assignee else None,
        department_id=route.department.id if route.department else None, opened_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(case)
            await session.flush()
    except IntegrityError:  # a concurrent redelivery won the (chat, message) race
        again = await by_source(session, src.chat_id, src.message_id)
        if again is None:
            raise
        return again, False
    await add_photos(session, case, src.photos)
    await sla.start_accept_clock(session, case, community, now)
    handler_name = route.department.name if dept_people and route.department else R.name_of(assignee)
    await core.event(session, ctx, case, "opened", now, actor=reporter,
                     data={"worker": handler_name}, tell=False)
    await _announce(session, ctx, case, reporter, assignee, dept_people, src, handler_name, now)
    return case, True


async def _announce(
    session: AsyncSession, ctx: AppContext, case: Case, reporter: Person,
    assignee: Person | None, dept_people: list[Person], src: Source, handler_name: str,
    now: datetime,
) -> None:
    source = (T.SOURCE_GROUP.format(title=src.group.title) if src.group else T.SOURCE_PRIVATE)
    text = T.NEW_CASE.format(
        number=case.number, urgent=R.urgent_mark(case), category=category_name(case.category),
        source=source, place=R.place_text(case), reporter=R.reporter_text(case, reporter),
        text=R.excerpt(case.text), accept_due=R.when(case.accept_due, ctx.tz))
    receivers = dept_people or ([assignee] if assignee else [])
    if not receivers and case.grid_id:
        receivers = await access.level_people(session, case)
    priority = notify.URGENT_PRIORITY if case.urgency == "urgent" else 0
    await notify.to_people(session, receivers, text, now, case=case,
                           kb=R.staff_keyboard(case), priority=priority)
    if case.urgency == "urgent" or not receivers:
        from bot.org import service as org

        alert = T.ALERT_URGENT.format(number=case.number, category=category_name(case.category),
                                      text=R.excerpt(case.text, 100), owner=handler_name)
        await notify.to_people(session, await org.organizers(session, case.community_id), alert,
                               now, case=case, kb=R.staff_keyboard(case, organizer=True),
                               priority=notify.URGENT_PRIORITY)
    if src.group is not None:
        card = R.public_text(case, reporter, R.group_card(case, assignee)
                             if not dept_people else T.GROUP_CARD.format(
                                 number=case.number, category=category_name(case.category),
                                 urgent=R.urgent_mark(case), worker=handler_name))
        await notify.to_group(session, ctx, case, src.chat_id, card, now,
                              reply_to=src.message_id, kb=R.plus_keyboard(case),
                              dedupe_key=f"case-card:{case.id}", on_sent="case.card_sent")


async def add_photos(session: AsyncSession, case: Case, photos: list[Photo],
                     kind: str = "report") -> int:
    have = set(await session.scalars(
        select(CasePhoto.file_unique_id).where(CasePhoto.case_id == case.id)))
    added = 0
    for file_id, unique_id in photos:
        if unique_id in have:
            continue
        have.add(unique_id)
        session.add(CasePhoto(case_id=case.id, file_id=file_id, file_unique_id=unique_id, kind=kind))
        added += 1
    if added:
        await session.flush()
        await session.refresh(case, ["photos"])
    return added


async def link(session: AsyncSession, ctx: AppContext, case: Case, person: Person, src: Source,
               now: datetime) -> bool:
    """Same problem, another voice: count the household (once) and say so in the group."""
    counted = await add_voice(session, ctx, case, person, now, src.chat_id, src.message_id)
    if src.group is not None:
        reporter = await core.person(session, case.reporter_id)
        text = R.public_text(case, reporter, T.GROUP_LINKED.format(
            number=case.number, status=T.STATUS[case.status], households=R.households(case)))
        await notify.to_group(session, ctx, case, src.chat_id, text, now, reply_to=src.message_id,
                              kb=R.plus_keyboard(case),
                              dedupe_key=f"case-link:{src.chat_id}:{src.message_id}")
    return counted


async def add_voice(session: AsyncSession, ctx: AppContext, case: Case, person: Person,
                    now: datetime, chat_id: int | None = None, message_id: int | None = None) -> bool:
    if person.id == case.reporter_id:
        return False
    exists = await session.scalar(select(CaseVoice.id).where(
        CaseVoice.case_id == case.id, CaseVoice.person_id == person.id))
    if exists is not None:
        return False
    session.add(CaseVoice(case_id=case.id, person_id=person.id, chat_id=chat_id,
                          message_id=message_id, at=now))
    case.plus_count += 1
    await session.flush()
    await core.event(session, ctx, case, "linked", now, actor=person, public=False,
                     data={"households": R.households(case)})
    return True


async def plus_one(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                   now: datetime) -> Case:
    """The 我也遇到 (+1) button."""
    case = await core.load(session, case_id)
    if case is None:
        raise core.CaseRefused(T.CASE_NOT_FOUND.format(number=""))
    if case.status == CLOSED:
        raise core.CaseRefused(T.PLUS_CLOSED)
    if not await add_voice(session, ctx, case, person, now):
        raise core.CaseRefused(T.PLUS_ALREADY)
    if case.card_message_id and case.source_chat_id:
        from bot.delivery import outbox

        await outbox.enqueue(session, case.source_chat_id, "editMessageReplyMarkup", now=now,
                             ref=f"case:{case.id}", message_id=case.card_message_id,
                             reply_markup=outbox.markup(R.plus_keyboard(case)))
    return case


async def edit(session: AsyncSession, ctx: AppContext, chat_id: int, message_id: int, text: str,
               now: datetime) -> Case | None:
    """An edited message updates its open case's text; it never opens a case."""
    case = await by_source(session, chat_id, message_id)
    if case is None or case.status not in ACTIVE or not text.strip():
        return None
    new = core.clip(text)
    if new == case.text:
        return case
    case.text = new
    await core.event(session, ctx, case, "edited", now, public=False, text=new[:200])
    return case


async def guess_grid(session: AsyncSession, reporter: Person, place: Any) -> Grid | None:
    """For a private report: the reporter's building, a building named in the text,
    or the only grid there is; None means ask."""
    if reporter.building_id:
        building = await session.get(Building, reporter.building_id)
        if building is not None:
            return await session.get(Grid, building.grid_id)
    if place is not None and place.building:
        grid_ids = set(await session.scalars(
            select(Building.grid_id).where(Building.number == place.building)))
        if len(grid_ids) == 1:
            return await session.get(Grid, grid_ids.pop())
    grids = list(await session.scalars(select(Grid).limit(2)))
    return grids[0] if len(grids) == 1 else None


async def intake_private(
    session: AsyncSession, ctx: AppContext, reporter: Person, grid: Grid, src: Source,
    now: datetime, *, anonymous: bool = False,
) -> Intake:
    """A private /report: always a case (the resident asked), or linked to one."""
    existing = await by_source(session, src.chat_id, src.message_id)
    if existing is not None:
        return Intake("existing", existing)
    result = ctx.classifier.classify(src.text)
    dup = await find_duplicate(session, grid.id, _category(result), result.place)
    if dup is not None:
        await add_voice(session, ctx, dup, reporter, now, src.chat_id, src.message_id)
        return Intake("linked", dup)
    case, created = await open_case(session, ctx, grid, reporter, src, result, now,
                                    anonymous=anonymous)
    return Intake("opened" if created else "existing", case)
