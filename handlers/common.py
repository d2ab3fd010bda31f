"""/start, /help, /whoami, /cancel."""
from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases, org
from bot import texts as T
from bot.context import AppContext
from bot.db.models import Person
from handlers.org import tell


async def start(message: Message, command: CommandObject, session: AsyncSession,
                person: Person, ctx: AppContext, now: datetime) -> None:
    private = message.chat.type == "private"
    greeting = await org.start(session, person, ctx, private)
    case_id = cases.deep_link_case(command.args) if private else None
    if case_id is None:
        await message.answer(greeting)
        return
    shown = await cases.show_by_id(session, ctx, person, case_id, now)  # /start case_<id>
    await message.answer(shown.text, parse_mode=None, reply_markup=shown.reply_markup)


async def cancel(message: Message, state: FSMContext) -> None:
    """Leaves any dialog (report, case note, poll creation); nothing is saved."""
    if await state.get_state() is None:
        await message.answer(T.NOTHING_TO_CANCEL)
        return
    await state.clear()
    await message.answer(T.CANCELLED)


async def help_(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
    await message.answer(await org.help_for(session, person, ctx))


async def whoami(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                 bot: Bot) -> None:
    """In a group the id never shows there: it goes privately (handlers.org.tell)."""
    in_group = message.chat.type != "private"
    said = await org.whoami(session, person, ctx, message.chat.id if in_group else None,
                            message.chat.title or "")
    await (message.reply if in_group else message.answer)(said.text, parse_mode=None)
    await tell(bot, said)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(cancel, Command("cancel"), F.chat.type == "private")
    router.message.register(help_, Command("help"))
    router.message.register(whoami, Command("whoami"))
    return router
