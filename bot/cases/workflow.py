"""What workers, departments, organizers and reporters do to a case. Every action
re-checks the case's state and the person's rights, and raises CaseRefused (with the
Chinese answer) instead of changing anything it should not. States: docs/cases.md."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot import texts as TC
from bot.cases import access, core, intake, notify, sla
from bot.cases import render as R
from bot.cases import texts as T
from bot.context import AppContext
from bot.db.models import Case, CaseEvent, Community, Department, Person, Whistle
from bot.db.models.cases import ACCEPTED, ACTIVE, CLOSED, LEVELS, OPEN, PATROL, RESOLVED
from bot.db.models.projects import Project
from bot.delivery import outbox
from bot.org import levels as org_levels
from bot.org import service as org
from bot.projects import service as projects
from bot.taxonomy import category_name
from bot.ui import markup
from scheduler import timers

# a bot.cases.sla start_*_clock: (session, case, community, now)
ClockStart = Callable[[AsyncSession, Case, Community, datetime], Awaitable[None]]

Refused = core.CaseRefused
MAX_NOTE = 500


async def _get(session: AsyncSession, ctx: AppContext, case_id: int, person: Person
               ) -> tuple[Case, access.Rights]:
    case = await core.load(session, case_id)
    if case is None:
        raise Refused(TC.BUTTON_UNKNOWN)
    return case, await access.rights(session, person, case, ctx.settings.admin_ids)


async def _no_right(session: AsyncSession, case: Case, person: Person,
                    rights: access.Rights) -> core.CaseRefused:
    """Staff who once acted on the case (accepted, transferred it) and press one of its
    buttons after it moved on hold an outdated button; anyone else never had the right."""
    if rights.staff and await session.scalar(select(CaseEvent.id).where(
            CaseEvent.case_id == case.id, CaseEvent.actor_id == person.id).limit(1)):
        return Refused(T.OUTDATED)
    return Refused(T.NO_RIGHT)


def _need_status(case: Case, *allowed: str) -> None:
    if case.status not in allowed:
        raise Refused(T.NOT_OPEN.format(status=T.STATUS[case.status]))


def _note(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise core.InputRefused(T.INPUT_EMPTY)
    if len(text) > MAX_NOTE:
        raise core.InputRefused(T.INPUT_TOO_LONG.format(n=MAX_NOTE))
    return text


async def accept(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                 now: datetime) -> Case:
    """接单: the first wins (首问负责) — a conditional UPDATE, so of two simultaneous
    presses exactly one changes the row; the other is told who has it."""
    case, rights = await _get(session, ctx, case_id, person)
    if case.status != OPEN:
        await _taken(session, case)
    if not rights.can_accept:
        raise Refused(T.NO_RIGHT)
    won = await session.execute(
        update(Case).where(Case.id == case.id, Case.status == OPEN)
        .values(status=ACCEPTED, owner_id=person.id, assignee_id=person.id, accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(case)
    if won.rowcount != 1:
        await _taken(session, case)
    await sla.start_resolve_clock(session, case, await core.community_of(session, case), now)
    await core.event(session, ctx, case, "accepted", now, actor=person)
    return case


async def _taken(session: AsyncSession, case: Case) -> None:
    if case.status == ACCEPTED and case.owner_id:
        owner = await core.person(session, case.owner_id)
        raise Refused(T.ALREADY_TAKEN.format(name=R.name_of(owner)))
    raise Refused(T.NOT_OPEN.format(status=T.STATUS[case.status]))


async def progress(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                   text: str, now: datetime) -> Case:
    case, rights = await _get(session, ctx, case_id, person)
    _need_status(case, ACCEPTED)
    if not rights.can_handle:
        raise await _no_right(session, case, person, rights)
    await core.event(session, ctx, case, "progress", now, actor=person, text=_note(text))
    return case


def photo_required(community_settings: dict, category: str) -> bool:
    return category in (community_settings or {}).get("photo_required", [])


async def resolve(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                  note: str, photo: intake.Photo | None, now: datetime) -> Case:
    case, rights = await _get(session, ctx, case_id, person)
    _need_status(case, ACCEPTED)
    if not rights.can_handle:
        raise await _no_right(session, case, person, rights)
    community = await core.community_of(session, case)
    if photo is None and photo_required(community.settings, case.category):
        raise core.InputRefused(T.ASK_RESOLVE_PHOTO)
    note = _note(note)
    if photo is not None:
        await intake.add_photos(session, case, [photo], kind="result")
    case.status, case.resolved_at, case.resolution_note = RESOLVED, now, note
    await sla.stop_clocks(session, case)
    patrol = case.source == PATROL  # found on a round: no resident to rate it
    if not patrol:
        await sla.start_rating_clock(session, case, community, now)
    await core.event(session, ctx, case, "resolved", now, actor=person, text=note)
    if patrol:
        await _close(session, ctx, case, PATROL, now, tell=False)
    else:
        await notify.rating_request(session, ctx, case, now)
    await events.publish(session, ctx, events.CaseResolved(case.id, person.id, now))
    return case


async def _worker_choice(session: AsyncSession, case: Case, target_id: int) -> Person:
    if case.grid_id is None:
        raise Refused(T.NO_OTHER_WORKER)
    workers = {w.id: w for w in await org.grid_workers(session, case.grid_id)}
    target = workers.get(target_id)
    if target is None:
        raise Refused(TC.BUTTON_UNKNOWN)
    return target


async def transfer(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                   target_id: int, now: datetime, *, by_organizer: bool = False) -> Case:
    """转派 (by the owner/assignee) or 改派 (by organizers): the new worker must accept."""
    case, rights = await _get(session, ctx, case_id, person)
    _need_status(case, *ACTIVE)
    allowed = rights.organizer if by_organizer else (
        rights.can_handle or (case.status == OPEN and case.assignee_id == person.id))
    if not allowed:
        if by_organizer:
            raise Refused(TC.NOT_ALLOWED)
        raise await _no_right(session, case, person, rights)
    target = await _worker_choice(session, case, target_id)
    if target.id in (case.owner_id, case.assignee_id) and case.status == OPEN:
        raise Refused(T.TRANSFERRED_OK.format(name=R.name_of(target)))
    # the clock first: an acceptance made in time stays made in time
    await sla.start_accept_clock(session, case, await core.community_of(session, case), now)
    case.status, case.owner_id, case.assignee_id, case.accepted_at = OPEN, None, target.id, None
    kind = "reassigned" if by_organizer else "transferred"
    await core.event(session, ctx, case, kind, now, actor=person,
                     data={"worker": R.name_of(target)})
    text = (T.ASSIGNED_TO_YOU.format(number=case.number) if by_organizer else
            T.TRANSFERRED_TO_YOU.format(name=R.name_of(person), number=case.number))
    reporter = await core.person(session, case.reporter_id)
    owner_card = R.staff_card(case, reporter, target, now, ctx.tz)
    await notify.to_person(session, target, text + "\n\n" + owner_card, now, case=case,
                           kb=R.staff_keyboard(case))
    return case


async def whistle(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                  department_id: int, now: datetime) -> Whistle:
    """吹哨: a department is called in and must 报到 within its own deadline."""
    case, rights = await _get(session, ctx, case_id, person)
    _need_status(case, ACCEPTED)
    if not rights.can_handle:
        raise await _no_right(session, case, person, rights)
    dept = await session.get(Department, department_id)
    if dept is None or dept.community_id != case.community_id:
        raise Refused(TC.BUTTON_UNKNOWN)
    if await session.scalar(select(Whistle.id).where(Whistle.case_id == case.id,
                                                     Whistle.department_id == dept.id)):
        raise Refused(T.ALREADY_WHISTLED.format(dept=dept.name))
    row = Whistle(case_id=case.id, department_id=dept.id, by_id=person.id, at=now,
                  ack_due=now + await sla.whistle_window(session, case, dept))
    session.add(row)
    await session.flush()
    await timers.schedule(session, sla.WHISTLE_DUE, f"whistle:{row.id}", row.ack_due)
    await core.event(session, ctx, case, "whistled", now, actor=person, data={"dept": dept.name})
    reporter = await core.person(session, case.reporter_id)
    text = T.WHISTLE_CALL.format(number=case.number, category=category_name(case.category),
                                 dept=dept.name, due=R.when(row.ack_due, ctx.tz),
                                 text=R.public_text(case, reporter, R.excerpt(case.text, 200)))
    kb = R.ack_keyboard(row.id)
    await notify.to_people(session, await access.department_members(session, dept.id), text, now,
                           case=case, kb=kb)
    if dept.chat_id:
        await outbox.enqueue(session, dept.chat_id, now=now, ref=f"case:{case.id}", text=text,
                             parse_mode=None, reply_markup=markup(kb))
    return row


async def ack_whistle(session: AsyncSession, ctx: AppContext, whistle_id: int, person: Person,
                      now: datetime) -> Case:
    """报到: only a member of the whistled department, once."""
    row = await session.get(Whistle, whistle_id)
    if row is None:
        raise Refused(TC.BUTTON_UNKNOWN)
    members = await access.department_members(session, row.department_id)
    if person.id not in {m.id for m in members}:
        raise Refused(T.NO_RIGHT)
    if row.acked_at is not None:
        raise Refused(T.ACK_ALREADY)
    case = await core.load(session, row.case_id)
    assert case is not None
    if case.status == CLOSED:
        raise Refused(T.NOT_OPEN.format(status=T.STATUS[case.status]))
    row.acked_at, row.acked_by_id = now, person.id
    await timers.cancel(session, sla.WHISTLE_DUE, f"whistle:{row.id}")
    dept = await session.get(Department, row.department_id)
    assert dept is not None
    await core.event(session, ctx, case, "acked", now, actor=person, data={"dept": dept.name})
    await notify.to_person(session, await core.person(session, case.owner_id),
                           T.WHISTLE_ACKED.format(dept=dept.name, number=case.number), now,
                           case=case)
    return case


async def escalate(session: AsyncSession, ctx: AppContext, case: Case, now: datetime, *,
                   actor: Person | None, why: str, restart: ClockStart | None = None) -> bool:
    """上报 one level (grid → community → street → district); False when already at the
    top: the street, or the district when the org file gives the street one. `restart`
    (a bot.cases.sla start_*_clock) gives the new level its deadline before the level
    is told, so the card it reads shows the deadline it now has."""
    level = await next_level(session, case)
    if level is None:
        return False
    case.level = level
    case.escalations += 1
    if restart is not None:
        await restart(session, case, await core.community_of(session, case), now)
    level = T.LEVEL[case.level]
    await core.event(session, ctx, case, "escalated", now, actor=actor,
                     data={"level": level, "why": why})
    reporter = await core.person(session, case.reporter_id)
    owner = await core.person(session, case.owner_id or case.assignee_id)
    text = (T.ESCALATED_TO.format(number=case.number, level=level, why=why) + "\n\n"
            + R.staff_card(case, reporter, owner, now, ctx.tz))
    await notify.to_people(session, await access.level_people(session, case), text, now,
                           case=case, kb=R.staff_keyboard(case, organizer=True),
                           priority=notify.URGENT_PRIORITY if case.urgency == "urgent" else 0)
    return True


async def next_level(session: AsyncSession, case: Case) -> str | None:
    """The level 上报 goes to; None at the top. A district is there only when the org
    file gives the community's street one."""
    index = LEVELS.index(case.level)
    if index + 1 >= len(LEVELS):
        return None
    level = LEVELS[index + 1]
    if level == "district" and await org_levels.level_of(
            session, await core.community_of(session, case), level) is None:
        return None
    return level


async def escalate_by(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                      now: datetime, from_level: int) -> Case:
    """上报 confirmed from the level the presser saw (`from_level`, an index in LEVELS):
    a second confirmation of the same level never skips a level."""
    case = await check(session, ctx, case_id, person, "escalate")
    if LEVELS.index(case.level) != from_level:
        raise Refused(T.ESCALATE_STALE.format(level=T.LEVEL[case.level]))
    if not await escalate(session, ctx, case, now, actor=person,
                          why=T.WHY_MANUAL.format(name=R.name_of(person)),
                          restart=sla.start_level_clock):
        raise Refused(T.TOP_LEVEL_AT.format(level=T.LEVEL[case.level]))
    return case


async def rate(session: AsyncSession, ctx: AppContext, case_id: int, round_: int, value: int,
               person: Person, now: datetime) -> Case:
    """满意 / 基本满意 close the case; 不满意 reopens it to the same owner."""
    case = await core.load(session, case_id)
    if case is None or not 1 <= value <= len(R.RATINGS):
        raise Refused(TC.BUTTON_UNKNOWN)
    if case.reporter_id != person.id or case.source == PATROL:
        raise Refused(T.NOT_REPORTER)
    if case.status != RESOLVED or case.reopened_count != round_:
        raise Refused(T.RATE_STALE)
    slug = R.RATINGS[value - 1]
    community = await core.community_of(session, case)
    await timers.cancel(session, sla.RATING_DUE, sla.ref(case))
    case.rating, case.rated_at = slug, now
    await core.event(session, ctx, case, "rated", now, actor=person,
                     data={"rating": R.rating_label(slug)}, tell=False)
    owner = await core.person(session, case.owner_id)
    if slug == "unsatisfied":
        await sla.start_resolve_clock(session, case, community, now)  # before resolved_at goes
        case.status, case.resolved_at = ACCEPTED, None
        case.reopened_count += 1
        await core.event(session, ctx, case, "reopened", now, actor=person, tell=False)
        await notify.to_person(session, owner, T.REOPENED_OWNER.format(
            number=case.number, due=R.when(sla.current_due(case), ctx.tz)), now, case=case,
            kb=R.staff_keyboard(case))
        return case
    await _close(session, ctx, case, "rated", now, tell=False)
    await notify.to_person(session, owner, T.RATED_OWNER.format(
        number=case.number, rating=R.rating_label(slug)), now, case=case)
    return case


async def add_reason(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                     text: str, now: datetime) -> Case:
    """The short reason after 不满意, passed to the owner."""
    case = await core.load(session, case_id)
    if case is None or case.reporter_id != person.id:
        raise Refused(T.NOT_REPORTER)
    text = _note(text)
    await core.event(session, ctx, case, "reason", now, actor=person, text=text, tell=False)
    await notify.to_person(session, await core.person(session, case.owner_id),
                           T.UNSAT_REASON_OWNER.format(number=case.number, text=text), now,
                           case=case)
    return case


async def reply_to_case(session: AsyncSession, ctx: AppContext, src: intake.Source,
                        person: Person, now: datetime) -> Case | None:
    """A reporter's reply in the group to one of the bot's messages about their active
    case (the rating prompt, the reason request, a digest): it is their word on the case,
    told to whoever handles it, never a new case. None: not such a reply."""
    assert src.reply_to is not None
    case = await notify.case_of_message(session, src.chat_id, src.reply_to, person)
    if case is None or case.reporter_id != person.id or case.status == CLOSED:
        return None
    text = src.text.strip()
    if not text:
        return None
    text = text[:MAX_NOTE]
    reason = case.reopened_count > 0 and case.status == ACCEPTED
    await core.event(session, ctx, case, "reason", now, actor=person, text=text, tell=False)
    said = (T.UNSAT_REASON_OWNER if reason else T.REPORTER_REPLY_OWNER).format(
        number=case.number, text=text)
    await notify.to_people(session, await access.level_people(session, case), said, now,
                           case=case)
    await outbox.enqueue(
        session, src.chat_id, now=now, ref=f"case:{case.id}", parse_mode=None,
        dedupe_key=f"case-reply:{src.chat_id}:{src.message_id}", text=T.REPLY_SAVED_GROUP,
        reply_parameters={"message_id": src.message_id, "allow_sending_without_reply": True})
    return case


async def _close(session: AsyncSession, ctx: AppContext, case: Case, reason: str, now: datetime,
                 *, tell: bool = True) -> None:
    case.status, case.closed_at, case.close_reason = CLOSED, now, reason
    await sla.stop_clocks(session, case)
    await timers.cancel(session, sla.RATING_DUE, sla.ref(case))
    await core.event(session, ctx, case, "closed", now,
                     data={"reason": T.CLOSE_REASON.get(reason, reason)}, tell=tell)


async def close_unrated(session: AsyncSession, ctx: AppContext, case: Case, round_: int,
                        now: datetime) -> bool:
    if case.status != RESOLVED or case.reopened_count != round_:
        return False
    await _close(session, ctx, case, "unrated", now)
    return True


async def _organizer_case(session: AsyncSession, ctx: AppContext, case_id: int,
                          person: Person) -> Case:
    case, rights = await _get(session, ctx, case_id, person)
    if not rights.organizer:
        raise Refused(TC.NOT_ALLOWED)
    return case


async def reclassify(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                     category: str, now: datetime) -> Case:
    """Store the correction; category_auto keeps the classifier's label (for nlp suggest)."""
    case = await _organizer_case(session, ctx, case_id, person)
    old = case.category
    if category != old:
        case.category = category
        await core.event(session, ctx, case, "reclassified", now, actor=person, public=False,
                         data={"old": category_name(old), "new": category_name(category)})
    return case


async def close_duplicate(session: AsyncSession, ctx: AppContext, case_id: int, other_id: int,
                          person: Person, now: datetime) -> Case:
    case = await _organizer_case(session, ctx, case_id, person)
    other = await core.load(session, other_id)
    if other is None or other.community_id != case.community_id:
        raise Refused(T.CASE_OTHER_COMMUNITY.format(number=""))
    if other.id == case.id:
        raise Refused(T.DUP_SELF)
    _need_status(case, OPEN, ACCEPTED, RESOLVED)
    case.duplicate_of_id = other.id
    await core.event(session, ctx, case, "duplicate", now, actor=person,
                     data={"other": other.number})
    await _close(session, ctx, case, "duplicate", now, tell=False)
    reporter = await core.person(session, case.reporter_id)
    if reporter is not None:
        await intake.add_voice(session, ctx, other, reporter, now)
    return case


async def to_project(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                     now: datetime) -> Project:
    """转为项目: an organizer turns a suggestion into a community project; the case
    closes (reason "project") and its reporter follows the project."""
    case = await _organizer_case(session, ctx, case_id, person)
    if case.kind != "suggestion":
        raise Refused(T.PROJECT_ONLY_SUGGESTION)
    _need_status(case, OPEN, ACCEPTED, RESOLVED)
    title = case.text.strip().splitlines()[0][:30] if case.text.strip() else case.number
    project = await projects.create_from_case(session, case, title=title, created_by=person,
                                              now=now)
    await _close(session, ctx, case, "project", now)
    return project


async def add_note(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                   text: str, now: datetime) -> Case:
    case = await _organizer_case(session, ctx, case_id, person)
    await core.event(session, ctx, case, "note", now, actor=person, text=_note(text))
    return case


async def check(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                what: str) -> Case:
    """The rights/state check of an action before asking for its input
    (what: "handle" progress/resolve/whistle, "transfer", "organize")."""
    case, rights = await _get(session, ctx, case_id, person)
    if what == "organize":
        if not rights.organizer:
            raise Refused(TC.NOT_ALLOWED)
        _need_status(case, OPEN, ACCEPTED, RESOLVED)
        return case
    if what == "escalate":
        _need_status(case, *ACTIVE)
        if not rights.can_handle:
            raise await _no_right(session, case, person, rights)
        return case
    if what == "transfer":
        _need_status(case, *ACTIVE)
        if not (rights.can_handle or (case.status == OPEN and case.assignee_id == person.id)):
            raise await _no_right(session, case, person, rights)
        return case
    _need_status(case, ACCEPTED)
    if not rights.can_handle:
        raise await _no_right(session, case, person, rights)
    return case
