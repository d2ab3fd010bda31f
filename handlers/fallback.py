"""Last router: unknown commands in private chats and unknown buttons get an answer."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot import texts as T


async def unknown_command(message: Message) -> None:
    await message.answer(T.UNKNOWN_COMMAND)


async def unknown_button(query: CallbackQuery) -> None:
    """Forged, foreign or outdated callback data: always answered, nothing changes."""
    await query.answer(T.BUTTON_UNKNOWN, show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.callback_query.register(unknown_button)
    return router
