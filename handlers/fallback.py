"""Last router: unknown commands in private chats get a helpful answer."""
from aiogram import F, Router
from aiogram.types import Message

from bot.texts import common as T


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(F.chat.type == "private", F.text.startswith("/"))
    async def unknown_command(message: Message) -> None:
        await message.answer(T.UNKNOWN_COMMAND)

    return router
