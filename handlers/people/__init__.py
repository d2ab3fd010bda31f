"""The register of residents (一楼一档): /join and its buttons, the approval buttons, the
staff commands (/resident_add, /resident_move, /resident_remove, /household, /residents)
and a roster file (.xlsx / .csv) sent by an organizer in private."""
from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import people
from bot import texts as TC
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On

PRIVATE = F.chat.type == "private"
GROUPS = F.chat.type.in_({"group", "supergroup"})
STAFF_COMMANDS = ("resident_add", "resident_move", "resident_remove", "household", "residents")


async def roster_sent(message: Message) -> bool:
    doc = message.document
    return bool(doc and (doc.file_name or "").lower().endswith((".xlsx", ".csv")))


class JoinFlow(StatesGroup):
    room = State()  # the room may be typed (data: building)


async def _show(step: people.Step, state: FSMContext, message: Message,
                edit: bool = False) -> None:
    """The next step; choosing a building or a room (and paging) changes the message."""
    if step.room_for is not None:
        await state.set_state(JoinFlow.room)
        await state.set_data({"building": step.room_for})
    else:
        await state.clear()
    send = message.edit_text if edit else message.answer
    await send(step.text, parse_mode=None, reply_markup=keyboard(step.keyboard))


async def join(message: Message, session: AsyncSession, person: Person,
               state: FSMContext) -> None:
    await _show(await people.join_start(session, person), state, message)


async def join_pick(query: CallbackQuery, cb: people.JoinPick, session: AsyncSession,
                    person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
    step = await people.join_pick(session, ctx, person, cb, now)
    await query.answer()
    if isinstance(query.message, Message):
        await _show(step, state, query.message, edit=cb.a != people.JoinAct.ROOM)


async def join_room(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                    now: datetime, state: FSMContext) -> None:
    if not people.looks_like_room(message.text or ""):  # a problem written meanwhile
        await state.clear()
        raise SkipHandler
    building = int((await state.get_data()).get("building") or 0)
    await _show(await people.join_typed(session, ctx, person, building, message.text or "", now),
                state, message)


async def join_decide(query: CallbackQuery, cb: people.JoinDecide, session: AsyncSession,
                      person: Person, ctx: AppContext, now: datetime) -> None:
    done = await people.join_decide(session, ctx, person, cb, now)
    await query.answer(done)
    if isinstance(query.message, Message):
        await query.message.edit_text(done, parse_mode=None)


ACTIONS = {"resident_add": people.add, "resident_move": people.move,
           "resident_remove": people.remove}
VIEWS = {"household": people.household_card, "residents": people.building_list}


async def staff_command(message: Message, command: CommandObject, session: AsyncSession,
                        person: Person, ctx: AppContext, now: datetime) -> None:
    args = command.args or ""
    if command.command in ACTIONS:
        text = await ACTIONS[command.command](session, ctx, person, args, now)
    else:
        text = await VIEWS[command.command](session, ctx, person, args)
    await message.answer(text, parse_mode=None)


async def private_only(message: Message) -> None:
    """Names, rooms and phones never go to a group."""
    await message.reply(TC.PRIVATE_ONLY, parse_mode=None)


async def roster_file(message: Message, session: AsyncSession, person: Person,
                      ctx: AppContext, now: datetime, bot: Bot) -> None:
    doc = message.document
    assert doc is not None
    data = await bot.download(doc.file_id)
    assert data is not None
    await message.answer(await people.import_roster(
        session, ctx, person, data.read(), doc.file_name or "", message.caption or "", now),
        parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(join, Command("join"), PRIVATE)
    router.message.register(private_only, Command("join", *STAFF_COMMANDS), GROUPS)
    router.callback_query.register(join_pick, On(people.JoinPick))
    router.callback_query.register(join_decide, On(people.JoinDecide))
    router.message.register(join_room, JoinFlow.room, PRIVATE, F.text, ~F.text.startswith("/"))
    router.message.register(staff_command, Command(*STAFF_COMMANDS), PRIVATE)
    router.message.register(roster_file, PRIVATE, roster_sent)
    return router
