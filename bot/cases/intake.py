"""Intake: a group message, an album, an edit, a private /report or a `/case` reply
becomes a case (idempotently), or is linked to an open case about the same problem."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import faq
from bot import texts as TC
from bot.cases import access, core, notify, routing, sla
from bot.cases import render as R
from bot.cases import texts as T
from bot.cases.buttons import ReportGrid
from bot.cases.query import View
from bot.context import AppContext
from bot.db.models import Building, Case, CasePhoto, CaseVoice, Community, Grid, GroupChat, Person
from bot.db.models.cases import ACTIVE, CLOSED, OPEN, PATROL, RESIDENT
from bot.delivery import outbox
from bot.delivery.outbox import after_quiet_hours, parse_quiet_hours
from bot.org import service as org
from bot.taxonomy import CATEGORIES, category_name
from bot.ui import Button

Photo = tuple[str, str]  # (file_id, file_unique_id)
CASE_INTENTS = ("complaint", "suggestion")


@dataclass
class Intake:
    outcome: str  # opened | linked | existing | album | inquiry | ask | ignored | reply
    case: Case | None = None


NOTHING_OPENED = ("ignored",)  # chatter: neither speaker nor message is kept


@dataclass(frozen=True)
class Author:
    """Who wrote a message, as Telegram names them."""

    tg_id: int
    username: str | None
    name: str


@dataclass
class Source:
    """Where a report came from (a group message or a private chat)."""

    chat_id: int
    message_id: int
    text: str
    photos: list[Photo] = field(default_factory=list)
    media_group_id: str | None = None
    group: GroupChat | None = None
    media: str | None = None  # photo | voice | document | video: something not text
    reply_to: int | None = None  # the bot's message this one replies to


def _category(classification: Any) -> str:
    cat = getattr(classification, "category", None)
    return cat if cat in CATEGORIES else "other"


async def by_source(session: AsyncSession, chat_id: int, message_id: int) -> Case | None:
    return await session.scalar(
        select(Case).where(Case.source_chat_id == chat_id, Case.source_message_id == message_id)
    )


DUP_MAX_TEXT = 200  # a longer message names many things: it gets its own case
DUP_MIN_OVERLAP = 0.2


def _bigrams(text: str, place: Any) -> set[str]:
    """The Chinese character pairs of a message, without its place and digits."""
    if place is not None and getattr(place, "text", None):
        text = text.replace(place.text, " ")
    runs = re.findall(r"[\u4e00-\u9fff]+", text[:DUP_MAX_TEXT])
    return {run[i:i + 2] for run in runs for i in range(len(run) - 1)}


def same_problem(text: str, other: str, place: Any) -> bool:
    """Same category and place is not enough (a blocked drain is not a roof leak):
    the two descriptions must also share words."""
    a, b = _bigrams(text, place), _bigrams(other, place)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= DUP_MIN_OVERLAP


def simplified(place: Any) -> Any:
    """The classifier's place in Simplified characters (4號樓 → 4号楼), as cards, the
    ledger and the duplicate lookup show and compare it."""
    if place is None:
        return None
    from nlp.normalize import t2s

    return replace(place, **{name: t2s(value) for name in ("text", "building", "unit", "room")
                             if isinstance(value := getattr(place, name, None), str)})


async def find_duplicate(session: AsyncSession, grid_id: int | None, category: str,
                         place: Any, text: str = "", *, in_group: bool = False) -> Case | None:
    """An open case of the same grid, category and place (a place is required) about
    the same problem. From a group, only a case the group itself has seen (no private
    or anonymous report is revealed there; a case found on a round is)."""
    if grid_id is None or place is None or len(text) > DUP_MAX_TEXT:
        return None
    place = simplified(place)
    stmt = select(Case).where(Case.grid_id == grid_id, Case.category == category,
                              Case.status.in_(ACTIVE))
    if in_group:  # a case found on a round reveals no resident: the group may join it
        stmt = stmt.where((Case.source_chat_id < 0) | (Case.source == PATROL),
                          Case.anonymous.is_(False))
    if getattr(place, "building", None):
        stmt = stmt.where(Case.building == place.building)
        if place.unit:
            stmt = stmt.where((Case.unit == place.unit) | Case.unit.is_(None))
    else:
        stmt = stmt.where(Case.place == place.text)
    for case in await session.scalars(stmt.order_by(Case.id).limit(20)):
        if same_problem(text, case.text, place):
            return case
    return None


async def intake_group(
    session: AsyncSession, ctx: AppContext, src: Source, reporter: Person, now: datetime, *,
    force: bool = False,
) -> Intake:
    """A message in a group. `force` (a `/case` reply) skips the intent check.
    `src.group` may be left None when the caller knows the group is bound (hear): it is
    then loaded here, only for a message that becomes a case or is linked to one."""
    if src.group is not None and src.group.grid is None:
        return Intake("ignored")
    result = ctx.classifier.classify(src.text) if src.text.strip() else None
    if (result is not None and not force and not src.media_group_id
            and result.intent not in (*CASE_INTENTS, "inquiry")):
        return Intake("ignored")  # chatter: nothing to look up
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
    if result is None:
        return Intake("ask" if src.media else "ignored")  # a photo, a voice: ask what it is
    if not force:
        if result.intent == "inquiry":
            return Intake("inquiry")
        if result.intent not in CASE_INTENTS:
            return Intake("ignored")
    group = src.group
    if group is None:
        src.group = group = await org.group_by_chat(session, src.chat_id)
        if group is None or group.grid is None:
            return Intake("ignored")
    category = _category(result)
    reporter = await org.persist(session, reporter)  # a case or a +1: now they are kept
    if await core.lock_community(session, group.grid.community_id) and (
            again := await by_source(session, src.chat_id, src.message_id)):
        return Intake("existing", again)  # the same message, delivered twice at once
    dup = await find_duplicate(session, group.grid.id, category, result.place, src.text,
                               in_group=True)
    if dup is not None:
        await link(session, ctx, dup, reporter, src, now)
        return Intake("linked", dup)
    case, created = await open_case(session, ctx, group.grid, reporter, src, result, now)
    return Intake("opened" if created else "existing", case)


async def open_case(
    session: AsyncSession, ctx: AppContext, grid: Grid, reporter: Person, src: Source,
    result: Any, now: datetime, *, anonymous: bool = False, source: str = RESIDENT,
) -> tuple[Case, bool]:
    """Open a case (False: this source already had one, returned instead). `source`:
    RESIDENT, or PATROL for a case found on a grid worker's round (bot.rounds)."""
    community = await session.get(Community, grid.community_id)
    assert community is not None
    year, seq, number = await core.next_number(session, community, now, ctx)
    place = simplified(result.place)
    kind = result.intent if result.intent in CASE_INTENTS else "complaint"
    category = _category(result)
    # a suggestion is for the organizers to weigh, not a job for the grid worker
    route = (routing.Route(None, None) if kind == "suggestion"
             else await routing.route(session, grid, community.id, category))
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
        source=source, source_chat_id=src.chat_id, source_message_id=src.message_id,
        media_group_id=src.media_group_id, status="open", level="grid",
        assignee_id=assignee.id if assignee else None,
        department_id=route.department.id if route.department else None, opened_at=now,
    )
    sla.set_first_accept_due(case, community, now)  # in the INSERT: no UPDATE after it
    if session.get_bind().dialect.name == "sqlite":
        # One writer at a time: the callers' lookup of the source, in this same write
        # transaction, stands (no savepoint needed).
        session.add(case)
        await session.flush()
    else:
        try:
            async with session.begin_nested():
                session.add(case)
                await session.flush()
        except IntegrityError:  # a concurrent update (a /case reply) won the race
            again = await by_source(session, src.chat_id, src.message_id)
            if again is None:
                raise
            return again, False
    await add_photos(session, case, src.photos)
    await sla.start_accept_clock(session, case, community, now, fresh=True)
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
    source = R.source_text(case.source, src.chat_id, src.group.title if src.group else None)
    if case.kind == "suggestion":
        await _announce_suggestion(session, ctx, case, reporter, src, source, now)
        return
    text = T.NEW_CASE.format(
        number=case.number, urgent=R.urgent_mark(case), category=category_name(case.category),
        source=source, reasons=R.reasons_line(case), place=R.place_text(case),
        reporter=R.reporter_text(case, reporter), text=R.excerpt(case.text),
        accept_due=R.when(case.accept_due, ctx.tz))
    receivers = dept_people or ([assignee] if assignee else [])
    if not receivers and case.grid_id:
        receivers = await access.level_people(session, case)
    priority = notify.URGENT_PRIORITY if case.urgency == "urgent" else 0
    await notify.to_people(session, receivers, text, now, case=case,
                           kb=R.staff_keyboard(case), priority=priority)
    if case.urgency == "urgent" or not receivers:
        alert = T.ALERT_URGENT.format(number=case.number, category=category_name(case.category),
                                      text=R.excerpt(case.text, 100), owner=handler_name)
        told = {p.id for p in receivers}  # an organizer who has the card: not told twice
        organizers = [p for p in await org.organizers(session, case.community_id)
                      if p.id not in told]
        await notify.to_people(session, organizers, alert, now, case=case,
                               kb=R.staff_keyboard(case, organizer=True),
                               priority=notify.URGENT_PRIORITY)
    if src.group is not None:
        card = R.public_text(case, reporter, R.group_card(case, assignee)
                             if not dept_people else T.GROUP_CARD.format(
                                 number=case.number, category=category_name(case.category),
                                 urgent=R.urgent_mark(case), worker=handler_name))
        await notify.to_group(session, ctx, case, src.chat_id, card, now,
                              reply_to=src.message_id, kb=await notify.card_keyboard(ctx, case),
                              dedupe_key=f"case-card:{case.id}", on_sent=notify.CARD_SENT)


async def _announce_suggestion(session: AsyncSession, ctx: AppContext, case: Case,
                               reporter: Person, src: Source, source: str, now: datetime) -> None:
    """A 建议 goes to the organizers' list (no deadline, no 接单 for a worker); the
    resident hears that it was passed on."""
    text = T.NEW_SUGGESTION.format(number=case.number, source=source,
                                   reporter=R.reporter_text(case, reporter),
                                   text=R.excerpt(case.text))
    await notify.to_people(session, await org.organizers(session, case.community_id), text, now,
                           case=case, kb=R.staff_keyboard(case, organizer=True))
    if src.group is not None:
        card = R.public_text(case, reporter, T.GROUP_SUGGESTION.format(number=case.number))
        await notify.to_group(session, ctx, case, src.chat_id, card, now,
                              reply_to=src.message_id, kb=await notify.card_keyboard(ctx, case),
                              dedupe_key=f"case-card:{case.id}", on_sent=notify.CARD_SENT)


async def add_photos(session: AsyncSession, case: Case, photos: list[Photo],
                     kind: str = "report") -> int:
    if not photos:
        return 0
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
                              kb=await notify.card_keyboard(ctx, case),
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
    if person.id in (case.owner_id, case.assignee_id):
        raise core.CaseRefused(T.PLUS_OWN_CASE)
    if not await add_voice(session, ctx, case, person, now):
        raise core.CaseRefused(T.PLUS_ALREADY)
    if case.card_message_id and case.source_chat_id:
        await notify.set_buttons(session, case, case.source_chat_id, case.card_message_id,
                                 await notify.card_keyboard(ctx, case), now)
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
    # re-read: an edit may make it urgent (never less urgent: a person decides that)
    raised = case.urgency != "urgent" and ctx.classifier.classify(new).urgency == "urgent"
    if raised:
        case.urgency = "urgent"
        community = await core.community_of(session, case)
        if case.status == OPEN:
            await sla.start_accept_clock(session, case, community, now)
        else:
            await sla.start_resolve_clock(session, case, community, now)
        await core.event(session, ctx, case, "urgent", now, public=False)
    template = T.EDITED_URGENT if raised else T.EDITED_WORKER
    text_out = template.format(number=case.number, text=R.excerpt(new),
                               due=R.when(sla.current_due(case), ctx.tz))
    people = await access.level_people(session, case)
    if raised:
        people += await org.organizers(session, case.community_id)
    await notify.to_people(session, people, text_out, now, case=case,
                           priority=notify.URGENT_PRIORITY if raised else 0)
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
    now: datetime, *, anonymous: bool = False, source: str = RESIDENT,
) -> Intake:
    """A private /report: always a case (the resident asked), or linked to one."""
    existing = await by_source(session, src.chat_id, src.message_id)
    if existing is not None:
        return Intake("existing", existing)
    result = ctx.classifier.classify(src.text)
    if await core.lock_community(session, grid.community_id) and (
            again := await by_source(session, src.chat_id, src.message_id)):
        return Intake("existing", again)  # the same message, delivered twice at once
    dup = await find_duplicate(session, grid.id, _category(result), result.place, src.text)
    if dup is not None:
        await add_voice(session, ctx, dup, reporter, now, src.chat_id, src.message_id)
        return Intake("linked", dup)
    case, created = await open_case(session, ctx, grid, reporter, src, result, now,
                                    anonymous=anonymous, source=source)
    return Intake("opened" if created else "existing", case)


# -- what the chat hands over -------------------------------------------------------------

async def hear(session: AsyncSession, ctx: AppContext, src: Source, reporter: Person,
               now: datetime) -> Intake:
    """A plain group message: a case, a link, or for an inquiry a short pointer.
    `reporter` may be unsaved (someone the bot keeps nothing about, as
    org.upsert_person(create=False) returns them): they are stored only when the
    message opens or joins a case, or asks something (org.persist before using the id)."""
    if await org.bound_grid_id(session, src.chat_id) is None:  # cached: no query
        return Intake("ignored")
    src = replace(src, group=None)
    if src.reply_to is not None:  # an answer to the bot's rating / reason request
        from bot.cases import workflow  # workflow builds on intake

        if case := await workflow.reply_to_case(session, ctx, src, reporter, now):
            return Intake("reply", case)
    got = await intake_group(session, ctx, src, reporter, now)
    if got.outcome == "ask":
        src.group = await org.group_by_chat(session, src.chat_id)
        await _ask_what(session, ctx, src, reporter, now)
    if got.outcome == "inquiry":  # the 问答库 answers it, or a worker is asked
        reporter = await org.persist(session, reporter)  # (who asked, for the answer)
        await faq.hear(session, ctx, src.chat_id, src.message_id, src.text, reporter, now)
    return got


async def _ask_what(session: AsyncSession, ctx: AppContext, src: Source, reporter: Person,
                    now: datetime) -> None:
    """A photo without a caption, a voice message…: ask (privately if we can, else in
    the thread) what the problem is, once per message or album."""
    what = T.MEDIA_WORD.get(src.media or "", T.MEDIA_WORD["photo"])
    key = f"case-ask:{src.chat_id}:{src.media_group_id or src.message_id}"
    if notify.reporter_in_private(None, reporter):  # type: ignore[arg-type]
        await outbox.enqueue(session, reporter.tg_id or 0, now=now, parse_mode=None,
                             dedupe_key=key, text=T.ASK_WHAT_PRIVATE.format(
                                 what=what, title=src.group.title if src.group else ""))
        return
    quiet = after_quiet_hours(now, parse_quiet_hours(ctx.settings.quiet_hours), ctx.tz)
    await outbox.enqueue(
        session, src.chat_id, now=now, not_before=quiet, parse_mode=None, dedupe_key=key,
        text=T.ASK_WHAT_GROUP.format(what=what),
        reply_parameters={"message_id": src.message_id, "allow_sending_without_reply": True})


def wants_case(ctx: AppContext, text: str) -> bool:
    """A private message typed without /report that reads as a complaint or suggestion."""
    return bool(text.strip()) and ctx.classifier.classify(text).intent in CASE_INTENTS


async def report_by_reply(session: AsyncSession, ctx: AppContext, src: Source,
                          author: Author | None, now: datetime) -> str | None:
    """`/case` or `#报事` as a reply: the replied message becomes a case. Returns what to
    reply, if anything (the card itself goes out through the outbox)."""
    group = await org.group_by_chat(session, src.chat_id)
    if group is None or group.grid is None:
        return TC.UNBOUND_GROUP
    if author is None or not src.text.strip():
        return T.CASE_FROM_REPLY_EMPTY
    reporter = await org.upsert_person(session, tg_id=author.tg_id, username=author.username,
                                       name=author.name)
    got = await intake_group(session, ctx, replace(src, group=group), reporter, now, force=True)
    if got.outcome == "existing" and got.case is not None:
        return T.CASE_ALREADY.format(number=got.case.number)
    return None


async def report_grid(session: AsyncSession, ctx: AppContext, reporter: Person,
                      text: str) -> int | None:
    """The grid of a private report, if it can be told (else ask: choose_grid)."""
    grid = await guess_grid(session, reporter, simplified(ctx.classifier.classify(text).place))
    return grid.id if grid is not None else None


async def choose_grid(session: AsyncSession) -> View | None:
    """Every grid as a button, one to a row; None when there is no grid at all."""
    grids = await org.grids_for(session, await org.all_community_ids(session))
    if not grids:
        return None
    return View(T.REPORT_CHOOSE_GRID,
                [[Button(f"{g.community.name} · {g.name}", ReportGrid(g=g.id))] for g in grids])


async def report(session: AsyncSession, ctx: AppContext, reporter: Person, grid_id: int,
                 src: Source, now: datetime, *, anonymous: bool = False,
                 source: str = RESIDENT) -> Case:
    """A finished private /report: the case, and the reporter told its number (not for
    a case found on a round: the round's own answer shows it)."""
    grid = await session.get(Grid, grid_id)
    if grid is None:
        raise core.CaseRefused(TC.BUTTON_UNKNOWN)
    got = await intake_private(session, ctx, reporter, grid, src, now, anonymous=anonymous,
                               source=source)
    case = got.case
    assert case is not None
    if source == PATROL:
        return case
    if got.outcome == "linked":
        text = T.REPORT_LINKED.format(number=case.number, status=T.STATUS[case.status])
    elif case.kind == "suggestion":
        text = T.REPORT_SUGGESTION.format(number=case.number)
    else:
        worker = await core.person(session, case.assignee_id)
        text = T.REPORT_OPENED.format(number=case.number, category=category_name(case.category),
                                      worker=R.name_of(worker))
    await outbox.enqueue(session, src.chat_id, now=now, text=text, parse_mode=None,
                         dedupe_key=f"case-report:{src.chat_id}:{src.message_id}")
    return case
