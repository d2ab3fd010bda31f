"""Staff commands: /mycases, /cases (filters, paging), /note, /dup, /reload_rules."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases
from bot.context import AppContext
from bot.db.models import Person
from handlers.cases.flow import pressed_on
from handlers.filters import On


async def mycases(message: Message, session: AsyncSession, person: Person,
                  now: datetime) -> None:
    shown = await cases.my_cases(session, person, now)
    await message.answer(shown.text, parse_mode=None, reply_markup=shown.reply_markup)


async def list_cases(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime) -> None:
    shown = await cases.list_cases(session, ctx, person, command.args or "", now)
    await message.answer(shown.text, parse_mode=None, reply_markup=shown.reply_markup)


async def page(query: CallbackQuery, cb: cases.CaseList, session: AsyncSession,
               person: Person, ctx: AppContext, now: datetime) -> None:
    shown = await cases.list_page(session, ctx, person, cb, now)
    await query.answer()
    if message := pressed_on(query):
        await message.edit_text(shown.text, parse_mode=None, reply_markup=shown.reply_markup)


async def note(message: Message, command: CommandObject, session: AsyncSession,
               person: Person, ctx: AppContext, now: datetime) -> None:
    await message.answer(await cases.note(session, ctx, person, command.args or "", now),
                         parse_mode=None)


async def dup(message: Message, command: CommandObject, session: AsyncSession,
              person: Person, ctx: AppContext, now: datetime) -> None:
    await message.answer(await cases.duplicate(session, ctx, person, command.args or "", now),
                         parse_mode=None)


async def reload_rules(message: Message, session: AsyncSession, person: Person,
                       ctx: AppContext) -> None:
    await message.answer(await cases.reload_rules(session, ctx, person), parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(mycases, Command("mycases"))
    router.message.register(list_cases, Command("cases"))
    router.callback_query.register(page, On(cases.CaseList))
    router.message.register(note, Command("note"))
    router.message.register(dup, Command("dup"))
    router.message.register(reload_rules, Command("reload_rules"))
    return router
