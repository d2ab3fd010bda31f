"""Inline buttons of the case loop, one handler per action, and the private note that
some of them ask for. Every press is re-checked in the domain; a refusal propagates to
handlers.errors, which answers it (the update's transaction rolled back)."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases
from bot.cases import Act, CaseBtn, CasePick, CaseRate, WhistleAck
from bot.cases import texts as T
from bot.context import AppContext
from bot.db.models import Person
from handlers.cases.flow import PRIVATE, CaseInput, photo_of, pressed_on, text_of
from handlers.filters import On


async def _wait_for_note(state: FSMContext, step: int, case_id: int) -> None:
    await state.set_state(CaseInput.waiting)
    await state.set_data({"act": step, "case": case_id})


async def accept(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                 ctx: AppContext, now: datetime) -> None:
    case = await cases.accept(session, ctx, cb.c, person, now)
    await query.answer(T.ACCEPTED_OK.format(number=case.number))
    if message := pressed_on(query):
        await cases.refresh_buttons(session, ctx, case, person, message.chat.id,
                                    message.message_id, now)


async def plus_one(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                   ctx: AppContext, now: datetime) -> None:
    case = await cases.plus_one(session, ctx, cb.c, person, now)
    await query.answer(T.PLUS_DONE.format(n=cases.households(case)))


async def escalate(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                   ctx: AppContext, now: datetime) -> None:
    """上报: first a confirmation (pick_escalate)."""
    await cases.offer_escalate(session, ctx, cb.c, person, now)
    await query.answer()


async def pick_escalate(query: CallbackQuery, cb: CasePick, session: AsyncSession,
                        person: Person, ctx: AppContext, now: datetime) -> None:
    await query.answer(await cases.pick_escalate(session, ctx, cb.c, person, cb.t, now))


async def ask_note(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                   ctx: AppContext, now: datetime, state: FSMContext) -> None:
    """记进展 / 已解决: the note comes as the next private message (note_input)."""
    case = await cases.ask_note(session, ctx, cb.c, person, cb.a, now)
    await _wait_for_note(state, cb.a, case.id)
    await query.answer()


async def offer_workers(query: CallbackQuery, cb: CaseBtn, session: AsyncSession,
                        person: Person, ctx: AppContext, now: datetime) -> None:
    await cases.offer_workers(session, ctx, cb.c, person, now, reassign=cb.a == Act.REASSIGN)
    await query.answer()


async def offer_departments(query: CallbackQuery, cb: CaseBtn, session: AsyncSession,
                            person: Person, ctx: AppContext, now: datetime) -> None:
    await cases.offer_departments(session, ctx, cb.c, person, now)
    await query.answer()


async def offer_categories(query: CallbackQuery, cb: CaseBtn, session: AsyncSession,
                           person: Person, ctx: AppContext, now: datetime) -> None:
    await cases.offer_categories(session, ctx, cb.c, person, now)
    await query.answer()


async def to_project(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                     ctx: AppContext, now: datetime) -> None:
    project = await cases.to_project(session, ctx, cb.c, person, now)
    await query.answer(T.PROJECT_OK.format(id=project.id), show_alert=True)


async def detail(query: CallbackQuery, cb: CaseBtn, session: AsyncSession, person: Person,
                 ctx: AppContext, now: datetime) -> None:
    await cases.show_detail(session, ctx, cb.c, person, now)
    await query.answer()


async def pick_worker(query: CallbackQuery, cb: CasePick, session: AsyncSession,
                      person: Person, ctx: AppContext, now: datetime) -> None:
    await query.answer(await cases.pick_worker(session, ctx, cb.c, person, cb.t, now,
                                               reassign=cb.a == Act.REASSIGN))


async def pick_department(query: CallbackQuery, cb: CasePick, session: AsyncSession,
                          person: Person, ctx: AppContext, now: datetime) -> None:
    await query.answer(await cases.pick_department(session, ctx, cb.c, person, cb.t, now))


async def pick_category(query: CallbackQuery, cb: CasePick, session: AsyncSession,
                        person: Person, ctx: AppContext, now: datetime) -> None:
    await query.answer(await cases.pick_category(session, ctx, cb.c, person, cb.t, now))


async def rate(query: CallbackQuery, cb: CaseRate, session: AsyncSession, person: Person,
               ctx: AppContext, now: datetime, state: FSMContext) -> None:
    """满意 / 基本满意 close the case; 不满意 reopens it and, in private, asks why."""
    case = await cases.rate(session, ctx, cb.c, cb.r, cb.v, person, now)
    message = pressed_on(query)
    private = message is not None and message.chat.type == "private"
    if case.status == "accepted" and not private:
        await query.answer(T.REOPENED_IN_GROUP, show_alert=True)
    else:
        await query.answer(T.RATED_THANKS.format(rating=cases.rating_text(cb.v)))
    if case.status == "accepted" and private:
        await _wait_for_note(state, cases.REASON, case.id)
        await cases.say(session, person, T.ASK_UNSAT_REASON, now)
    elif case.status == "accepted" and message is not None:
        await cases.ask_reason_in_group(session, case, message.chat.id, message.message_id, now)
    if message is not None:
        await cases.set_buttons(session, case, message.chat.id, message.message_id, None, now)


async def ack(query: CallbackQuery, cb: WhistleAck, session: AsyncSession, person: Person,
              ctx: AppContext, now: datetime) -> None:
    await cases.ack_whistle(session, ctx, cb.w, person, now)
    await query.answer(T.ACKED_OK)


async def note_input(message: Message, session: AsyncSession, person: Person,
                     ctx: AppContext, now: datetime, state: FSMContext) -> None:
    """The note a button asked for. Any answer ends the step, except input to fix
    (empty, too long, a photo missing), after which the step waits again."""
    data = await state.get_data()
    step, case_id = int(data.get("act", -1)), int(data.get("case", 0))
    await state.clear()
    noted = await cases.take_note(session, ctx, step, case_id, person, text_of(message).strip(),
                                  photo_of(message), now)
    if not noted.done:
        await _wait_for_note(state, step, case_id)
    await message.answer(noted.text, parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    press = router.callback_query.register
    press(accept, On(CaseBtn, a=Act.ACCEPT))
    press(plus_one, On(CaseBtn, a=Act.PLUS))
    press(escalate, On(CaseBtn, a=Act.ESCALATE))
    press(ask_note, On(CaseBtn, a=(Act.PROGRESS, Act.RESOLVE)))
    press(offer_workers, On(CaseBtn, a=(Act.TRANSFER, Act.REASSIGN)))
    press(offer_departments, On(CaseBtn, a=Act.WHISTLE))
    press(offer_categories, On(CaseBtn, a=Act.RECLASSIFY))
    press(to_project, On(CaseBtn, a=Act.PROJECT))
    press(detail, On(CaseBtn, a=Act.DETAIL))
    press(pick_worker, On(CasePick, a=(Act.TRANSFER, Act.REASSIGN)))
    press(pick_department, On(CasePick, a=Act.WHISTLE))
    press(pick_category, On(CasePick, a=Act.RECLASSIFY))
    press(pick_escalate, On(CasePick, a=Act.ESCALATE))
    press(rate, On(CaseRate))
    press(ack, On(WhistleAck))
    router.message.register(note_input, CaseInput.waiting, PRIVATE, ~F.text.startswith("/"))
    return router
