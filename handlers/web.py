"""/web: a one-time link to the organizer's desk (web/), sent privately through the
outbox. In a group the bot only says to ask privately (a link must never be public)."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Person
from web import links
from web import texts as T

PRIVATE = F.chat.type == "private"


async def web_link(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                   now: datetime) -> None:
    answer = await links.issue(session, ctx, person, now)
    if answer:
        await message.answer(answer, parse_mode=None)


async def web_in_group(message: Message) -> None:
    await message.reply(T.LINK_PRIVATE_ONLY, parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(web_link, Command("web"), PRIVATE)
    router.message.register(web_in_group, Command("web"), ~PRIVATE)
    return router
