"""Residents' rights: /privacy, /mydata (a private file), /forget (after a confirmation
button). The domain is bot.privacy; refusals go to handlers/errors.py."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import privacy
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Person
from bot.errors import Refusal
from handlers.callbacks import keyboard
from handlers.filters import On

PRIVATE = F.chat.type == "private"


async def privacy_info(message: Message, ctx: AppContext) -> None:
    await message.answer(privacy.privacy_text(ctx), parse_mode=None)


async def mydata(message: Message, session: AsyncSession, person: Person,
                 ctx: AppContext) -> None:
    upload = await privacy.my_data(session, person, ctx)
    await message.answer_document(BufferedInputFile(upload.data, upload.filename),
                                  caption=privacy.texts.MYDATA_CAPTION)


async def forget(message: Message) -> None:
    text, kb = privacy.forget_prompt()
    await message.answer(text, parse_mode=None, reply_markup=keyboard(kb))


async def forget_pressed(query: CallbackQuery, cb: privacy.ForgetButton,
                         session: AsyncSession, person: Person | None = None) -> None:
    message = query.message if isinstance(query.message, Message) else None
    text = await privacy.forget_pressed(
        session, person, cb, private=message is not None and message.chat.type == "private")
    await query.answer()
    if message is not None:
        await message.edit_text(text, parse_mode=None)


async def private_only(message: Message) -> None:
    raise Refusal(C.PRIVATE_ONLY)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(privacy_info, Command("privacy"))
    router.message.register(mydata, Command("mydata"), PRIVATE)
    router.message.register(forget, Command("forget"), PRIVATE)
    router.message.register(private_only, Command("mydata", "forget"))
    router.callback_query.register(forget_pressed, On(privacy.ForgetButton))
    return router
