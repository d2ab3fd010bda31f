"""Case intake and lookup: group messages, edits, `/case`, `#报事`, private /report.
Button presses are in handlers.cases.buttons, staff commands in handlers.cases.staff."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import outbox
from bot.context import AppContext
from bot.db.models import Grid, Person
from bot.delivery.outbox import after_quiet_hours, parse_quiet_hours
from bot.cases import intake
from bot.cases import query as Q
from bot.cases import render as R
from bot import cases
from bot.org import service as org
from bot.taxonomy import category_name
from bot.cases import texts as T
from bot import texts as TC
from handlers.cases import buttons as case_buttons
from handlers.cases import staff as case_staff
from handlers.cases.callbacks import ReportGrid
from handlers.cases.flow import GROUPS, PRIVATE, ReportFlow, photo_of, refuse, text_of

REPORT_TAG = "#报事"


async def _group_intake(message: Message, source: Message, reporter: Person,
                        session: AsyncSession, ctx: AppContext, now: datetime,
                        force: bool) -> cases.Intake:
    group = await org.group_by_chat(session, message.chat.id)
    photo = photo_of(source)
    src = cases.Source(chat_id=source.chat.id, message_id=source.message_id,
                       text=text_of(source), photos=[photo] if photo else [],
                       media_group_id=source.media_group_id, group=group)
    return await cases.intake_group(session, ctx, src, reporter, now, force=force)


async def _reporter_of(session: AsyncSession, message: Message) -> Person | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return await org.upsert_person(session, tg_id=user.id, username=user.username,
                                   name=user.full_name)


async def _force_from_reply(message: Message, session: AsyncSession, ctx: AppContext,
                            now: datetime) -> None:
    """`/case` or `#报事` as a reply: the replied message becomes a case."""
    replied = message.reply_to_message
    assert replied is not None
    group = await org.group_by_chat(session, message.chat.id)
    if group is None or group.grid is None:
        await message.reply(TC.UNBOUND_GROUP, parse_mode=None)
        return
    reporter = await _reporter_of(session, replied)
    if reporter is None or not text_of(replied).strip():
        await message.reply(T.CASE_FROM_REPLY_EMPTY, parse_mode=None)
        return
    got = await _group_intake(message, replied, reporter, session, ctx, now, force=True)
    if got.outcome == "existing" and got.case is not None:
        await message.reply(T.CASE_ALREADY.format(number=got.case.number), parse_mode=None)


def build_router() -> Router:
    """Staff commands, then buttons and private inputs, then intake (unknown buttons
    are answered by handlers.fallback)."""
    root = Router(name=__name__)
    root.include_router(case_staff.build_router())
    root.include_router(case_buttons.build_router())
    root.include_router(_intake_router())
    return root


def _intake_router() -> Router:
    router = Router(name=f"{__name__}.intake")

    @router.message(Command("case"))
    async def case_cmd(message: Message, command: CommandObject, session: AsyncSession,
                       person: Person, ctx: AppContext, now: datetime) -> None:
        in_group = message.chat.type != "private"
        args = (command.args or "").strip()
        if in_group and not args and message.reply_to_message is not None:
            await _force_from_reply(message, session, ctx, now)
            return
        if not args:
            await message.reply(T.CASE_HOW if in_group else T.CASE_HOW, parse_mode=None)
            return
        community_id = None
        if in_group:
            group = await org.group_by_chat(session, message.chat.id)
            community_id = group.grid.community_id if group and group.grid else None
        case = await Q.find(session, args, community_id, now.astimezone(ctx.tz).year)
        if case is None:
            await message.reply(T.CASE_NOT_FOUND.format(number=args), parse_mode=None)
            return
        if in_group and community_id is not None and case.community_id != community_id:
            await message.reply(T.CASE_OTHER_COMMUNITY.format(number=args), parse_mode=None)
            return
        shown = await Q.view(session, case, person, ctx.settings.admin_ids, now, ctx.tz,
                             in_group=in_group)
        await message.reply(shown.text, parse_mode=None, reply_markup=shown.keyboard)

    # -- private /report -------------------------------------------------------------
    @router.message(Command("report"), PRIVATE)
    async def report(message: Message, command: CommandObject, state: FSMContext) -> None:
        anonymous = T.ANONYMOUS_WORD in (command.args or "")
        await state.set_state(ReportFlow.text)
        await state.set_data({"photos": [], "anonymous": anonymous})
        await message.answer(T.REPORT_START_ANONYMOUS if anonymous else T.REPORT_START,
                             parse_mode=None)

    @router.message(Command("report"), GROUPS)
    async def report_in_group(message: Message) -> None:
        await message.reply(TC.PRIVATE_ONLY, parse_mode=None)

    @router.message(ReportFlow.text, PRIVATE, ~F.text.startswith("/"))
    async def report_text(message: Message, session: AsyncSession, person: Person,
                          ctx: AppContext, now: datetime, state: FSMContext) -> None:
        data = await state.get_data()
        photos = [tuple(p) for p in data.get("photos", [])]
        photo = photo_of(message)
        if photo:
            photos.append(photo)
        text = text_of(message).strip()
        if not text:
            await state.update_data(photos=photos)
            await message.answer(T.REPORT_PHOTO_SAVED, parse_mode=None)
            return
        await state.update_data(photos=photos, text=text, message_id=message.message_id)
        grid = await intake.guess_grid(session, person, ctx.classifier.classify(text).place)
        if grid is None:
            communities = await org.grids_for(session, await org.all_community_ids(session))
            if not communities:
                await state.clear()
                await message.answer(T.REPORT_NO_GRID, parse_mode=None)
                return
            kb = InlineKeyboardBuilder()
            for g in communities:
                kb.button(text=f"{g.community.name} · {g.name}", callback_data=ReportGrid(g=g.id))
            kb.adjust(1)
            await state.set_state(ReportFlow.grid)
            await message.answer(T.REPORT_CHOOSE_GRID, parse_mode=None,
                                 reply_markup=kb.as_markup())
            return
        await _finish_report(message.chat.id, grid, session, person, ctx, now, state, message)

    @router.callback_query(ReportGrid.filter())
    async def report_grid(query: CallbackQuery, callback_data: ReportGrid, session: AsyncSession,
                          person: Person, ctx: AppContext, now: datetime,
                          state: FSMContext) -> None:
        grid = await session.get(Grid, callback_data.g)
        if await state.get_state() != ReportFlow.grid.state or not (await state.get_data()).get("text"):
            await refuse(query, T.REPORT_EXPIRED)
            return
        if grid is None:
            await refuse(query, TC.BUTTON_UNKNOWN)
            return
        await query.answer()
        chat_id = query.message.chat.id if query.message else person.tg_id or 0
        await _finish_report(chat_id, grid, session, person, ctx, now, state, None)

    # -- group messages (after every command) ------------------------------------------
    @router.message(GROUPS, F.text.contains(REPORT_TAG), F.reply_to_message)
    async def tagged(message: Message, session: AsyncSession, ctx: AppContext,
                     now: datetime) -> None:
        await _force_from_reply(message, session, ctx, now)

    @router.message(GROUPS, F.text | F.photo)
    async def group_message(message: Message, session: AsyncSession, ctx: AppContext,
                            now: datetime, person: Person | None = None) -> None:
        if person is None or (message.text or "").startswith("/"):
            return
        got = await _group_intake(message, message, person, session, ctx, now, force=False)
        if got.outcome == "inquiry":
            quiet = after_quiet_hours(now, parse_quiet_hours(ctx.settings.quiet_hours), ctx.tz)
            await outbox.enqueue(
                session, message.chat.id, now=now, not_before=quiet, parse_mode=None,
                dedupe_key=f"case-inq:{message.chat.id}:{message.message_id}",
                text=T.INQUIRY_POINTER,
                reply_parameters={"message_id": message.message_id,
                                  "allow_sending_without_reply": True})

    @router.edited_message(GROUPS)
    async def edited(message: Message, session: AsyncSession, ctx: AppContext,
                     now: datetime) -> None:
        await cases.edit(session, ctx, message.chat.id, message.message_id, text_of(message), now)

    @router.message(PRIVATE, ~F.text.startswith("/"), F.text | F.photo)
    async def private_hint(message: Message) -> None:
        await message.answer(T.PRIVATE_HINT, parse_mode=None)

    return router


async def _finish_report(chat_id: int, grid: Grid, session: AsyncSession, person: Person,
                         ctx: AppContext, now: datetime, state: FSMContext,
                         message: Message | None) -> None:
    data = await state.get_data()
    await state.clear()
    src = cases.Source(chat_id=chat_id, message_id=int(data["message_id"]), text=data["text"],
                       photos=[tuple(p) for p in data.get("photos", [])])
    got = await cases.intake_private(session, ctx, person, grid, src, now,
                                     anonymous=bool(data.get("anonymous")))
    case = got.case
    assert case is not None
    if got.outcome == "linked":
        text = T.REPORT_LINKED.format(number=case.number, status=T.STATUS[case.status])
    else:
        worker = await session.get(Person, case.assignee_id) if case.assignee_id else None
        text = T.REPORT_OPENED.format(number=case.number, category=category_name(case.category),
                                      worker=R.name_of(worker))
    await outbox.enqueue(session, chat_id, now=now, text=text, parse_mode=None,
                         dedupe_key=f"case-report:{chat_id}:{src.message_id}")
