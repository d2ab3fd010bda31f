"""Grid workers' rounds in private: /round, the round's buttons, and what the worker
writes or photographs while a visit is being recorded."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import rounds
from bot import texts as TC
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On

PRIVATE = F.chat.type == "private"
GROUPS = F.chat.type.in_({"group", "supergroup"})
# Choosing among buildings and rooms pages in place; everything else is a new message
# (the worker's chat reads as the round's log, 民情日志).
IN_PLACE = (rounds.RoundAct.BUILDING,)


class RoundFlow(StatesGroup):
    found = State()  # a visit waits for what was found (text, photos)


async def _show(step: rounds.Step, state: FSMContext, message: Message, edit: bool = False
                ) -> None:
    await (state.set_state(RoundFlow.found) if step.wants_text else state.clear())
    if edit:
        await message.edit_text(step.text, parse_mode=None, reply_markup=keyboard(step.keyboard))
    else:
        await message.answer(step.text, parse_mode=None, reply_markup=keyboard(step.keyboard))


async def start(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                now: datetime, state: FSMContext) -> None:
    await _show(await rounds.start(session, ctx, person, now), state, message)


async def press(query: CallbackQuery, cb: rounds.RoundBtn, session: AsyncSession,
                person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
    step = await rounds.press(session, ctx, person, cb, now)
    await query.answer()
    if isinstance(query.message, Message):
        paging = cb.a in IN_PLACE or (cb.a == rounds.RoundAct.VISIT and cb.p > 0)
        await _show(step, state, query.message, edit=paging)


async def found(message: Message, session: AsyncSession, person: Person,
                state: FSMContext) -> None:
    photo = (message.photo[-1].file_id, message.photo[-1].file_unique_id) \
        if message.photo else None
    step = await rounds.note(session, person, message.text or message.caption or "", photo)
    await _show(step, state, message)


async def private_only(message: Message) -> None:
    await message.reply(TC.PRIVATE_ONLY, parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, Command("round"), PRIVATE)
    router.message.register(private_only, Command("round"), GROUPS)
    router.callback_query.register(press, On(rounds.RoundBtn))
    router.message.register(found, RoundFlow.found, PRIVATE, F.text | F.photo,
                            ~F.text.startswith("/"))
    return router
