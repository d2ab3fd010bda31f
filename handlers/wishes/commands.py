"""Wish commands: /wish, /wishes, /wish_say, /wish_done (a photo's caption), /wish_phone;
the 审核, 认领 and 同意交换电话 buttons. Refusals (bot.wishes.WishError) are answered by
handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import wishes
from bot.context import AppContext
from bot.db.models import Person
from handlers.filters import On


async def wish(message: Message, command: CommandObject, session: AsyncSession, person: Person,
               ctx: AppContext, now: datetime) -> None:
    await message.reply(await wishes.wish(session, person, command.args, ctx, now,
                                          private=message.chat.type == "private"))


async def listing(message: Message, session: AsyncSession, person: Person,
                  ctx: AppContext) -> None:
    group = None if message.chat.type == "private" else message.chat.id
    await message.answer(await wishes.listing(session, person, group, ctx))


async def say(message: Message, command: CommandObject, session: AsyncSession, person: Person,
              now: datetime) -> None:
    await message.reply(await wishes.say(session, person, command.args, now))


async def done(message: Message, command: CommandObject, session: AsyncSession, person: Person,
               ctx: AppContext, now: datetime) -> None:
    photo = message.photo[-1].file_id if message.photo else None
    await message.reply(await wishes.done(session, person, command.args, photo, ctx, now))


async def phone(message: Message, command: CommandObject, session: AsyncSession, person: Person,
                now: datetime) -> None:
    await message.reply(await wishes.phone(session, person, command.args, now))


async def phone_button(query: CallbackQuery, cb: wishes.Phone, session: AsyncSession,
                       person: Person, now: datetime) -> None:
    await query.answer(await wishes.phone_button(session, person, cb, now), show_alert=True)


async def review(query: CallbackQuery, cb: wishes.Review, session: AsyncSession,
                 person: Person, ctx: AppContext, now: datetime) -> None:
    text = await wishes.review_button(session, person, cb, ctx, now)
    await query.answer(text, show_alert=True)
    if isinstance(query.message, Message):
        await query.message.edit_text(f"{query.message.text}\n\n{text}")


async def claim(query: CallbackQuery, cb: wishes.Claim, session: AsyncSession, person: Person,
                now: datetime) -> None:
    text, post = await wishes.claim_button(session, person, cb, now)
    await query.answer(text, show_alert=True)
    if post is not None and isinstance(query.message, Message):
        await query.message.edit_text(post)


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(review, On(wishes.Review))
    router.callback_query.register(claim, On(wishes.Claim))
    router.callback_query.register(phone_button, On(wishes.Phone))
    router.message.register(wish, Command("wish"))
    router.message.register(listing, Command("wishes"))
    router.message.register(say, Command("wish_say"))
    router.message.register(done, Command("wish_done"))
    router.message.register(phone, Command("wish_phone"))
    return router
