"""Case intake and lookup: group messages, edits, `/case`, `#报事`, private /report.
Button presses are in handlers.cases.buttons, staff commands in handlers.cases.staff."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases
from bot import texts as TC
from bot.cases import texts as T
from bot.context import AppContext
from bot.db.models import Person
from handlers.cases import buttons, staff
from handlers.cases.flow import (
    GROUPS,
    PRIVATE,
    ReportFlow,
    author_of,
    photo_of,
    pressed_on,
    source_of,
    text_of,
)
from handlers.filters import On
from handlers.middlewares import CHATTER

REPORT_TAG = "#报事"


async def case_cmd(message: Message, command: CommandObject, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime) -> None:
    in_group = message.chat.type != "private"
    args = (command.args or "").strip()
    if in_group and not args and message.reply_to_message is not None:
        await by_reply(message, session, ctx, now)
        return
    shown = await cases.show(session, ctx, person, args, message.chat.id if in_group else None,
                             now)
    await message.reply(shown.text, parse_mode=None, reply_markup=shown.reply_markup)


async def by_reply(message: Message, session: AsyncSession, ctx: AppContext,
                   now: datetime) -> None:
    """`/case` or `#报事` as a reply: the replied message becomes a case."""
    replied = message.reply_to_message
    assert replied is not None
    said = await cases.report_by_reply(session, ctx, source_of(replied), author_of(replied), now)
    if said:
        await message.reply(said, parse_mode=None)


async def report(message: Message, command: CommandObject, state: FSMContext) -> None:
    anonymous = T.ANONYMOUS_WORD in (command.args or "")
    await state.set_state(ReportFlow.text)
    await state.set_data({"photos": [], "anonymous": anonymous})
    await message.answer(T.REPORT_START_ANONYMOUS if anonymous else T.REPORT_START,
                         parse_mode=None)


async def report_in_group(message: Message) -> None:
    await message.reply(TC.PRIVATE_ONLY, parse_mode=None)


async def report_text(message: Message, session: AsyncSession, person: Person,
                      ctx: AppContext, now: datetime, state: FSMContext) -> None:
    """The report's text (photos before it are collected); then its grid."""
    text = await _collect(message, state)
    if not text:
        await message.answer(T.REPORT_PHOTO_SAVED, parse_mode=None)
        return
    grid_id = await cases.report_grid(session, ctx, person, text)
    if grid_id is None:
        await _ask_grid(message, session, state)
        return
    await _finish_report(message.chat.id, grid_id, session, person, ctx, now, state)


async def _collect(message: Message, state: FSMContext) -> str:
    """Keep the message's photo and, when it has text, the text; returns the text."""
    photos = [tuple(p) for p in (await state.get_data()).get("photos", [])]
    if photo := photo_of(message):
        photos.append(photo)
    await state.update_data(photos=photos)
    text = text_of(message).strip()
    if text:
        await state.update_data(text=text, message_id=message.message_id)
    return text


async def _ask_grid(message: Message, session: AsyncSession, state: FSMContext) -> None:
    choice = await cases.choose_grid(session)
    if choice is None:
        await state.clear()
        await message.answer(T.REPORT_NO_GRID, parse_mode=None)
        return
    await state.set_state(ReportFlow.grid)
    await message.answer(choice.text, parse_mode=None, reply_markup=choice.reply_markup)


async def report_grid(query: CallbackQuery, cb: cases.ReportGrid, session: AsyncSession,
                      person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
    waiting = await state.get_state() == ReportFlow.grid.state
    if not waiting or not (await state.get_data()).get("text"):
        raise cases.CaseRefused(T.REPORT_EXPIRED)
    message = pressed_on(query)
    chat_id = message.chat.id if message else person.tg_id or 0
    await _finish_report(chat_id, cb.g, session, person, ctx, now, state)
    await query.answer()


async def _finish_report(chat_id: int, grid_id: int, session: AsyncSession, person: Person,
                         ctx: AppContext, now: datetime, state: FSMContext) -> None:
    data = await state.get_data()
    src = cases.Source(chat_id=chat_id, message_id=int(data["message_id"]), text=data["text"],
                       photos=[tuple(p) for p in data.get("photos", [])])
    await cases.report(session, ctx, person, grid_id, src, now,
                       anonymous=bool(data.get("anonymous")))
    await state.clear()


async def group_message(message: Message, session: AsyncSession, ctx: AppContext,
                        now: datetime, speaker: Person | None = None) -> str | None:
    """`speaker`: the sender, possibly not stored yet (handlers.middlewares)."""
    if speaker is None or (message.text or "").startswith("/"):
        return CHATTER
    got = await cases.hear(session, ctx, source_of(message), speaker, now)
    return CHATTER if got.outcome in cases.NOTHING_OPENED else None


async def edited(message: Message, session: AsyncSession, ctx: AppContext,
                 now: datetime) -> None:
    await cases.edit(session, ctx, message.chat.id, message.message_id, text_of(message), now)


async def private_message(message: Message, session: AsyncSession, person: Person,
                          ctx: AppContext, now: datetime, state: FSMContext) -> None:
    """A problem typed to the bot without /report is taken as /report would."""
    if not cases.wants_case(ctx, text_of(message)):
        await message.answer(T.PRIVATE_HINT, parse_mode=None)
        return
    await state.set_state(ReportFlow.text)
    await state.set_data({"photos": [], "anonymous": False})
    await report_text(message, session, person, ctx, now, state)


def build_router() -> Router:
    """Staff commands, then buttons and private inputs, then intake (unknown buttons
    are answered by handlers.fallback)."""
    root = Router(name=__name__)
    root.include_router(staff.build_router())
    root.include_router(buttons.build_router())
    root.include_router(_intake_router())
    return root


def _intake_router() -> Router:
    router = Router(name=f"{__name__}.intake")
    router.message.register(case_cmd, Command("case"))
    router.message.register(report, Command("report"), PRIVATE)
    router.message.register(report_in_group, Command("report"), GROUPS)
    router.message.register(report_text, ReportFlow.text, PRIVATE, ~F.text.startswith("/"))
    router.callback_query.register(report_grid, On(cases.ReportGrid))
    # group messages: after every command
    router.message.register(by_reply, GROUPS, F.text.contains(REPORT_TAG), F.reply_to_message)
    router.message.register(group_message, GROUPS, F.text | F.photo | F.voice | F.document
                            | F.video)
    router.edited_message.register(edited, GROUPS)
    router.message.register(private_message, PRIVATE, ~F.text.startswith("/"), F.text | F.photo)
    return router
