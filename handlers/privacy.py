"""Residents' rights: /privacy, /mydata (a private file), /forget (after a confirmation
button). The domain is bot.privacy; refusals go to handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
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
GROUPS = F.chat.type.in_({"group", "supergroup"})


async def _carries_number(message: Message) -> bool:
    return not (message.text or "").startswith("/") and privacy.carries_number(
        message.text or message.caption)


async def guard(message: Message, session: AsyncSession, now: datetime,
                person: Person | None = None) -> None:
    """A phone or ID number in a group message: reposted masked or advice given; the
    message then goes on to intake like any other."""
    said = privacy.Said(message.chat.id, message.message_id, message.text or message.caption
                        or "", message.from_user.full_name if message.from_user else "",
                        message.photo[-1].file_id if message.photo else None)
    await privacy.review(session, said, person, now)
    raise SkipHandler


async def guard_cmd(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext) -> None:
    text = await privacy.set_guard(session, ctx, person, message.chat.id, command.args or "")
    await message.reply(text, parse_mode=None)


async def privacy_info(message: Message, ctx: AppContext) -> None:
    await message.answer(privacy.privacy_text(ctx), parse_mode=None)


async def mydata(message: Message, session: AsyncSession, person: Person,
                 ctx: AppContext) -> None:
    upload = await privacy.my_data(session, person, ctx)
    await message.answer_document(BufferedInputFile(upload.data, upload.filename),
                                  caption=privacy.texts.MYDATA_CAPTION)


async def exports(message: Message, session: AsyncSession, person: Person,
                  ctx: AppContext) -> None:
    await message.answer(await privacy.export_log(session, person, ctx), parse_mode=None)


async def forget(message: Message) -> None:
    text, kb = privacy.forget_prompt()
    await message.answer(text, parse_mode=None, reply_markup=keyboard(kb))


async def forget_pressed(query: CallbackQuery, cb: privacy.ForgetButton,
                         session: AsyncSession, now: datetime,
                         person: Person | None = None) -> None:
    message = query.message if isinstance(query.message, Message) else None
    text = await privacy.forget_pressed(
        session, person, cb, private=message is not None and message.chat.type == "private",
        now=now)
    await query.answer()
    if message is not None:
        await message.edit_text(text, parse_mode=None)


async def private_only(message: Message) -> None:
    raise Refusal(C.PRIVATE_ONLY)


async def private_only_group(message: Message) -> None:
    raise Refusal(privacy.texts.GUARD_USAGE)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(guard, GROUPS, ~F.from_user.is_bot, _carries_number)
    router.edited_message.register(guard, GROUPS, ~F.from_user.is_bot, _carries_number)
    router.message.register(guard_cmd, Command("guard"), GROUPS)
    router.message.register(private_only_group, Command("guard"))
    router.message.register(privacy_info, Command("privacy"))
    router.message.register(mydata, Command("mydata"), PRIVATE)
    router.message.register(forget, Command("forget"), PRIVATE)
    router.message.register(exports, Command("exports"), PRIVATE)
    router.message.register(private_only, Command("mydata", "forget", "exports"))
    router.callback_query.register(forget_pressed, On(privacy.ForgetButton))
    return router
