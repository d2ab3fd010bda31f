"""The steps around a workflow action that a button press starts: asking for a note,
offering the choices (workers, departments, categories), taking the choice or the typed
note, and the short answer the presser sees. Every step re-checks rights and state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts as TC
from bot.cases import access, core, intake, notify, query, workflow
from bot.cases import render as R
from bot.cases import texts as T
from bot.cases.buttons import Act
from bot.context import AppContext
from bot.db.models import Case, Department, Person
from bot.db.models.cases import LEVELS, RESOLVED
from bot.org import service as org

REASON = 0  # the typed step after 不满意 (not a button action)


async def ask_note(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                   act: Act, now: datetime) -> Case:
    """记进展 / 已解决: ask privately for the note that completes it."""
    case = await workflow.check(session, ctx, case_id, person, "handle")
    await notify.say(session, person, T.ASK_PROGRESS if act == Act.PROGRESS else T.ASK_RESOLVE,
                     now)
    return case


async def offer_workers(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                        now: datetime, *, reassign: bool) -> None:
    """转派 (the owner) / 改派 (an organizer): the grid's other workers as buttons."""
    case = await workflow.check(session, ctx, case_id, person,
                                "organize" if reassign else "transfer")
    workers = [w for w in await org.grid_workers(session, case.grid_id or 0)
               if w.id not in (case.owner_id, case.assignee_id)]
    if not workers:
        await notify.say(session, person, T.NO_OTHER_WORKER, now)
        return
    act = Act.REASSIGN if reassign else Act.TRANSFER
    await notify.say(session, person, T.CHOOSE_REASSIGN if reassign else T.CHOOSE_WORKER, now,
                     R.pick_keyboard(case, act, [(w.id, R.name_of(w)) for w in workers]))


async def offer_departments(session: AsyncSession, ctx: AppContext, case_id: int,
                            person: Person, now: datetime) -> None:
    """吹哨: the community's departments as buttons."""
    case = await workflow.check(session, ctx, case_id, person, "handle")
    depts = await access.departments_of(session, case.community_id)
    kb = R.pick_keyboard(case, Act.WHISTLE, [(d.id, d.name) for d in depts]) if depts else None
    await notify.say(session, person, T.CHOOSE_DEPT if depts else T.NO_DEPT, now, kb)


async def offer_escalate(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                         now: datetime) -> None:
    """上报: ask to confirm, naming the level it goes to (nothing changes yet)."""
    case = await workflow.check(session, ctx, case_id, person, "escalate")
    index, nxt = LEVELS.index(case.level), await workflow.next_level(session, case)
    if nxt is None:
        raise core.CaseRefused(T.TOP_LEVEL_AT.format(level=T.LEVEL[case.level]))
    level = T.LEVEL[nxt]
    await notify.say(session, person, T.CONFIRM_ESCALATE.format(number=case.number, level=level),
                     now, R.pick_keyboard(case, Act.ESCALATE,
                                          [(index, T.BTN_CONFIRM_ESCALATE.format(level=level))]))


async def pick_escalate(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                        from_level: int, now: datetime) -> str:
    case = await workflow.escalate_by(session, ctx, case_id, person, now, from_level)
    return T.ESCALATED_OK.format(level=T.LEVEL[case.level])


async def offer_categories(session: AsyncSession, ctx: AppContext, case_id: int,
                           person: Person, now: datetime) -> None:
    """改类别 (organizers): the categories as buttons."""
    case = await workflow.check(session, ctx, case_id, person, "organize")
    await notify.say(session, person, T.CHOOSE_CATEGORY, now,
                     R.pick_keyboard(case, Act.RECLASSIFY, R.category_choices()))


async def pick_worker(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                      target_id: int, now: datetime, *, reassign: bool) -> str:
    case = await workflow.transfer(session, ctx, case_id, person, target_id, now,
                                   by_organizer=reassign)
    name = R.name_of(await core.person(session, case.assignee_id))
    return (T.REASSIGNED_OK if reassign else T.TRANSFERRED_OK).format(name=name)


async def pick_department(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                          department_id: int, now: datetime) -> str:
    row = await workflow.whistle(session, ctx, case_id, person, department_id, now)
    dept = await session.get(Department, row.department_id)
    return T.WHISTLED_OK.format(dept=dept.name if dept else "")


async def pick_category(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                        index: int, now: datetime) -> str:
    category = R.category_by_index(index)
    if category is None:
        raise core.CaseRefused(TC.BUTTON_UNKNOWN)
    await workflow.reclassify(session, ctx, case_id, person, category, now)
    return T.RECLASSIFIED_OK.format(category=R.category_choices()[index][1])


async def show_detail(session: AsyncSession, ctx: AppContext, case_id: int, person: Person,
                      now: datetime) -> None:
    """A case number in a list: its card, privately."""
    case = await core.load(session, case_id)
    if case is None:
        raise core.CaseRefused(TC.BUTTON_UNKNOWN)
    shown = await query.view(session, case, person, ctx.settings.admin_ids, now, ctx.tz)
    await notify.say(session, person, shown.text, now, shown.keyboard)


async def refresh_buttons(session: AsyncSession, ctx: AppContext, case: Case, person: Person,
                          chat_id: int, message_id: int, now: datetime) -> None:
    """Rewrite the pressed card for the case's new state: its status line and buttons
    (a card that still read 状态：待受理 after 接单 misled the worker)."""
    rights = await access.rights(session, person, case, ctx.settings.admin_ids)
    reporter = await core.person(session, case.reporter_id)
    owner = await core.person(session, case.owner_id or case.assignee_id)
    await notify.set_card(session, case, chat_id, message_id,
                          R.staff_card(case, reporter, owner, now, ctx.tz),
                          R.staff_keyboard(case, organizer=rights.organizer), now)


@dataclass(frozen=True)
class Noted:
    """The answer to a typed note; `done` False: the step waits for another try."""

    text: str
    done: bool = True


async def take_note(session: AsyncSession, ctx: AppContext, step: int, case_id: int,
                    person: Person, text: str, photo: intake.Photo | None,
                    now: datetime) -> Noted:
    """The private reply after 记进展 / 已解决 / 不满意 (`step`: an Act or REASON)."""
    try:
        if step == Act.PROGRESS:
            await workflow.progress(session, ctx, case_id, person, text, now)
            return Noted(T.PROGRESS_SAVED)
        if step == Act.RESOLVE:
            note = text or (T.DEFAULT_RESOLVE_NOTE if photo else "")
            case = await workflow.resolve(session, ctx, case_id, person, note, photo, now)
            return Noted(T.RESOLVED_OK if case.status == RESOLVED else T.RESOLVED_PATROL)
        await workflow.add_reason(session, ctx, case_id, person, text, now)
        return Noted(T.REASON_SAVED)
    except core.InputRefused as exc:  # raised before any change
        return Noted(exc.message, done=False)
