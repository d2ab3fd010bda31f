"""/settings: a community's case settings (deadlines, reminders, rating, photos)."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases
from bot.context import AppContext
from bot.db.models import Person


async def settings(message: Message, session: AsyncSession, person: Person,
                   ctx: AppContext) -> None:
    chat_id = None if message.chat.type == "private" else message.chat.id
    await message.reply(await cases.settings_screen(session, ctx, person, chat_id),
                        parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(settings, Command("settings"))
    return router
