"""Inline buttons of the case loop. Every press re-checks state and rights in the
service and is always answered, also when refused."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import outbox
from bot.context import AppContext
from bot.db.models import Case, Person
from bot.cases import access
from bot.cases import query as query_svc
from bot.cases import render as R
from bot import cases
from bot.org import service as org
from bot.cases.workflow import check
from bot.cases import texts as T
from bot import texts as TC
from handlers.cases.callbacks import Act, CaseBtn, CasePick, CaseRate, WhistleAck
from handlers.cases.flow import PRIVATE, CaseInput, photo_of, refuse, text_of


async def _refresh_markup(session: AsyncSession, query: CallbackQuery, case: Case,
                          person: Person, ctx: AppContext, now: datetime) -> None:
    """Swap the pressed message's buttons for the ones of the case's new state."""
    message = query.message
    if not isinstance(message, Message):
        return
    rights = await access.rights(session, person, case, ctx.settings.admin_ids)
    kb = R.staff_keyboard(case, organizer=rights.organizer)
    await outbox.enqueue(session, message.chat.id, "editMessageReplyMarkup", now=now,
                         ref=f"case:{case.id}", message_id=message.message_id,
                         reply_markup=outbox.markup(kb) if kb else {"inline_keyboard": []})


async def _say(session: AsyncSession, person: Person, text: str, now: datetime,
               kb: object | None = None) -> None:
    if person.tg_id is None:
        return
    extra = {"reply_markup": outbox.markup(kb)} if kb is not None else {}
    await outbox.enqueue(session, person.tg_id, now=now, text=text, parse_mode=None, **extra)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.callback_query(CaseBtn.filter())
    async def button(query: CallbackQuery, callback_data: CaseBtn, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
        act, cid = callback_data.a, callback_data.c
        try:
            if act == Act.ACCEPT:
                case = await cases.accept(session, ctx, cid, person, now)
                await query.answer(T.ACCEPTED_OK.format(number=case.number))
                await _refresh_markup(session, query, case, person, ctx, now)
            elif act == Act.PLUS:
                case = await cases.plus_one(session, ctx, cid, person, now)
                await query.answer(T.PLUS_DONE.format(n=R.households(case)))
            elif act == Act.ESCALATE:
                case = await cases.escalate_by(session, ctx, cid, person, now)
                await query.answer(T.ESCALATED_OK.format(level=T.LEVEL[case.level]))
            elif act in (Act.PROGRESS, Act.RESOLVE):
                case = await check(session, ctx, cid, person, "handle")
                await state.set_state(CaseInput.waiting)
                await state.set_data({"act": int(act), "case": case.id})
                await query.answer()
                await _say(session, person,
                           T.ASK_PROGRESS if act == Act.PROGRESS else T.ASK_RESOLVE, now)
            elif act in (Act.TRANSFER, Act.REASSIGN):
                organizing = act == Act.REASSIGN
                case = await check(session, ctx, cid, person,
                                   "organize" if organizing else "transfer")
                workers = [w for w in await org.grid_workers(session, case.grid_id or 0)
                           if w.id not in (case.owner_id, case.assignee_id)]
                await query.answer()
                if not workers:
                    await _say(session, person, T.NO_OTHER_WORKER, now)
                    return
                await _say(session, person,
                           T.CHOOSE_REASSIGN if organizing else T.CHOOSE_WORKER, now,
                           R.pick_keyboard(case, act, [(w.id, R.name_of(w)) for w in workers]))
            elif act == Act.WHISTLE:
                case = await check(session, ctx, cid, person, "handle")
                depts = await access.departments_of(session, case.community_id)
                await query.answer()
                await _say(session, person, T.CHOOSE_DEPT if depts else T.NO_DEPT, now,
                           R.pick_keyboard(case, act, [(d.id, d.name) for d in depts])
                           if depts else None)
            elif act == Act.RECLASSIFY:
                case = await check(session, ctx, cid, person, "organize")
                await query.answer()
                await _say(session, person, T.CHOOSE_CATEGORY, now,
                           R.pick_keyboard(case, act, R.category_choices()))
            elif act == Act.PROJECT:
                project = await cases.to_project(session, ctx, cid, person, now)
                await query.answer(T.PROJECT_OK.format(id=project.id), show_alert=True)
            elif act == Act.DETAIL:
                case = await cases.load(session, cid)
                if case is None:
                    await refuse(query, TC.BUTTON_UNKNOWN)
                    return
                shown = await query_svc.view(session, case, person, ctx.settings.admin_ids,
                                             now, ctx.tz)
                await query.answer()
                await _say(session, person, shown.text, now, shown.keyboard)
            else:
                await refuse(query, TC.BUTTON_UNKNOWN)
        except cases.CaseRefused as exc:
            await refuse(query, str(exc))

    @router.callback_query(CasePick.filter())
    async def pick(query: CallbackQuery, callback_data: CasePick, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime) -> None:
        act, cid, target = callback_data.a, callback_data.c, callback_data.t
        try:
            if act in (Act.TRANSFER, Act.REASSIGN):
                case = await cases.transfer(session, ctx, cid, person, target, now,
                                            by_organizer=act == Act.REASSIGN)
                name = R.name_of(await session.get(Person, case.assignee_id))
                await query.answer((T.REASSIGNED_OK if act == Act.REASSIGN
                                    else T.TRANSFERRED_OK).format(name=name))
            elif act == Act.WHISTLE:
                row = await cases.whistle(session, ctx, cid, person, target, now)
                from bot.db.models import Department

                dept = await session.get(Department, row.department_id)
                await query.answer(T.WHISTLED_OK.format(dept=dept.name if dept else ""))
            elif act == Act.RECLASSIFY:
                category = R.category_by_index(target)
                if category is None:
                    await refuse(query, TC.BUTTON_UNKNOWN)
                    return
                await cases.reclassify(session, ctx, cid, person, category, now)
                await query.answer(T.RECLASSIFIED_OK.format(category=R.category_choices()[target][1]))
            else:
                await refuse(query, TC.BUTTON_UNKNOWN)
        except cases.CaseRefused as exc:
            await refuse(query, str(exc))

    @router.callback_query(CaseRate.filter())
    async def rate(query: CallbackQuery, callback_data: CaseRate, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
        try:
            case = await cases.rate(session, ctx, callback_data.c, callback_data.r,
                                    callback_data.v, person, now)
        except cases.CaseRefused as exc:
            await refuse(query, str(exc))
            return
        label = R.rating_label(R.RATINGS[callback_data.v - 1])
        private = isinstance(query.message, Message) and query.message.chat.type == "private"
        if case.status != "accepted":
            await query.answer(T.RATED_THANKS.format(rating=label))
        elif private:
            await state.set_state(CaseInput.waiting)
            await state.set_data({"act": 0, "case": case.id})
            await query.answer(T.RATED_THANKS.format(rating=label))
            await _say(session, person, T.ASK_UNSAT_REASON, now)
        else:
            await query.answer(T.REOPENED_IN_GROUP, show_alert=True)
        if isinstance(query.message, Message):
            await outbox.enqueue(session, query.message.chat.id, "editMessageReplyMarkup",
                                 now=now, ref=f"case:{case.id}",
                                 message_id=query.message.message_id,
                                 reply_markup={"inline_keyboard": []})

    @router.callback_query(WhistleAck.filter())
    async def ack(query: CallbackQuery, callback_data: WhistleAck, session: AsyncSession,
                  person: Person, ctx: AppContext, now: datetime) -> None:
        try:
            await cases.ack_whistle(session, ctx, callback_data.w, person, now)
        except cases.CaseRefused as exc:
            await refuse(query, str(exc))
            return
        await query.answer(T.ACKED_OK)

    @router.message(CaseInput.waiting, PRIVATE, ~F.text.startswith("/"))
    async def note_input(message: Message, session: AsyncSession, person: Person,
                         ctx: AppContext, now: datetime, state: FSMContext) -> None:
        data = await state.get_data()
        act, cid = int(data.get("act", -1)), int(data.get("case", 0))
        text, photo = text_of(message).strip(), photo_of(message)
        try:
            if act == Act.PROGRESS:
                await cases.progress(session, ctx, cid, person, text, now)
                reply = T.PROGRESS_SAVED
            elif act == Act.RESOLVE:
                note = text or (T.DEFAULT_RESOLVE_NOTE if photo else "")
                await cases.resolve(session, ctx, cid, person, note, photo, now)
                reply = T.RESOLVED_OK
            else:
                await cases.add_reason(session, ctx, cid, person, text, now)
                reply = T.REASON_SAVED
        except cases.CaseRefused as exc:
            message_text = str(exc)
            if message_text in (T.INPUT_EMPTY, T.ASK_RESOLVE_PHOTO) or "太长" in message_text:
                await message.answer(message_text, parse_mode=None)  # keep waiting
                return
            await state.clear()
            await message.answer(message_text, parse_mode=None)
            return
        await state.clear()
        await message.answer(reply, parse_mode=None)

    return router
