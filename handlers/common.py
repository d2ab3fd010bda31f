"""/start, /help, /whoami, /cancel."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import org
from bot import texts as T
from bot.context import AppContext
from bot.db.models import Person


async def start(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
    private = message.chat.type == "private"
    await message.answer(await org.start(session, person, ctx, private))


async def cancel(message: Message, state: FSMContext) -> None:
    """Leaves any dialog (report, case note, poll creation); nothing is saved."""
    if await state.get_state() is None:
        await message.answer(T.NOTHING_TO_CANCEL)
        return
    await state.clear()
    await message.answer(T.CANCELLED)


async def help_(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
    await message.answer(await org.help_for(session, person, ctx))


async def whoami(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
    await message.answer(await org.whoami(session, person, ctx))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(cancel, Command("cancel"), F.chat.type == "private")
    router.message.register(help_, Command("help"))
    router.message.register(whoami, Command("whoami"))
    return router
