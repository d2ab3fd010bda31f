"""/depts (departments' 报到 and scores), /rank (比学赶超), and rating a whistled
department after the case is resolved (buttons, then a reason after 不满意)."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import levels
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Person
from bot.levels import texts as T
from handlers.callbacks import keyboard
from handlers.filters import On

HTML = "HTML"  # /depts and /rank are HTML (names escaped in bot/levels)
PRIVATE = F.chat.type == "private"


class DeptReason(StatesGroup):
    waiting = State()


async def not_here(message: Message) -> None:
    await message.reply(C.PRIVATE_ONLY)


def _month(command: CommandObject) -> int:
    """`/rank 上月`, `/depts 上月`: last month; anything else: this month."""
    return 1 if (command.args or "").strip() in ("上月", "lm") else 0


async def depts_cmd(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext) -> None:
    screen = await levels.depts_screen(session, person, ctx, levels.DeptsView(_month(command)))
    await message.answer(screen.text, parse_mode=HTML, reply_markup=keyboard(screen.keyboard))


async def rank_cmd(message: Message, command: CommandObject, session: AsyncSession,
                   person: Person, ctx: AppContext) -> None:
    screen = await levels.rank_screen(session, person, ctx, levels.RankView(_month(command)))
    await message.answer(screen.text, parse_mode=HTML, reply_markup=keyboard(screen.keyboard))


async def depts_view(query: CallbackQuery, cb: levels.DeptsView, session: AsyncSession,
                     person: Person, ctx: AppContext) -> None:
    await _show(query, await levels.depts_screen(session, person, ctx, cb))


async def rank_view(query: CallbackQuery, cb: levels.RankView, session: AsyncSession,
                    person: Person, ctx: AppContext) -> None:
    await _show(query, await levels.rank_screen(session, person, ctx, cb))


async def _show(query: CallbackQuery, screen: levels.Screen) -> None:
    await query.answer(T.RANK_UPDATED)
    kb, message = keyboard(screen.keyboard), query.message
    if isinstance(message, Message) and (message.html_text, message.reply_markup) != (
            screen.text, kb):
        await message.edit_text(screen.text, parse_mode=HTML, reply_markup=kb)


async def rate(query: CallbackQuery, cb: levels.DeptRate, session: AsyncSession,
               person: Person, ctx: AppContext, now: datetime, state: FSMContext) -> None:
    rated = await levels.rate(session, ctx, person, cb, now)
    if rated.ask_reason:
        await state.set_state(DeptReason.waiting)
        await state.set_data({"whistle": rated.whistle_id})
    await query.answer(rated.text[:200])
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(rated.text)


async def reason(message: Message, session: AsyncSession, person: Person, now: datetime,
                 state: FSMContext) -> None:
    skip = (message.text or "").startswith("/")
    data = await state.get_data()
    said = await levels.add_reason(session, person, int(data.get("whistle", 0)),
                                   None if skip else (message.text or ""), now)
    await state.clear()
    await message.answer(said)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(not_here, Command("depts", "rank"), ~PRIVATE)
    router.message.register(depts_cmd, Command("depts"), PRIVATE)
    router.message.register(rank_cmd, Command("rank"), PRIVATE)
    router.callback_query.register(depts_view, On(levels.DeptsView))
    router.callback_query.register(rank_view, On(levels.RankView))
    router.callback_query.register(rate, On(levels.DeptRate))
    router.message.register(reason, StateFilter(DeptReason.waiting), PRIVATE, Command("skip"))
    router.message.register(reason, StateFilter(DeptReason.waiting), PRIVATE,
                            F.text, ~F.text.startswith("/"))
    return router
