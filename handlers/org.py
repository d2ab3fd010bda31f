"""Group lifecycle and organisation by organizers: /bind, /worker, the bot joining."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import org
from bot import texts as T
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On

GROUPS = F.chat.type.in_({"group", "supergroup"})


async def tell(bot: Bot, said: org.Said) -> None:
    """The private messages of a `Said` (to people who started the bot)."""
    for chat_id, text in said.notify.items():
        await bot.send_message(chat_id, text, parse_mode=None)


async def bot_membership(event: ChatMemberUpdated, session: AsyncSession, bot: Bot,
                         person: Person | None = None) -> None:
    me = await bot.me()  # cached after the first call
    said = await org.membership_changed(
        session, event.chat.id, event.chat.title or "", event.old_chat_member.status,
        event.new_chat_member.status, bool(me.can_read_all_group_messages), person)
    if said.text:
        await bot.send_message(event.chat.id, said.text, parse_mode=None)
    await tell(bot, said)


async def bind_menu(message: Message, session: AsyncSession, person: Person,
                    ctx: AppContext, bot: Bot) -> None:
    said = await org.bind_menu(session, person, ctx, message.chat.id, message.chat.title or "")
    await message.reply(said.text, reply_markup=keyboard(said.keyboard))
    await tell(bot, said)


async def bind(query: CallbackQuery, cb: org.BindGrid, session: AsyncSession, person: Person,
               ctx: AppContext) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer(T.BUTTON_UNKNOWN, show_alert=True)
        return
    done = await org.bind(session, person, ctx, cb, message.chat.id, message.chat.title or "")
    await query.answer(T.BIND_NOTICE)
    await message.edit_text(done)


async def make_worker(message: Message, command: CommandObject, session: AsyncSession,
                      person: Person, ctx: AppContext, bot: Bot) -> None:
    said = await org.appoint_worker(session, person, ctx, message.chat.id,
                                    _replied_to(message), command.args or "")
    await message.reply(said.text)
    await tell(bot, said)


def _replied_to(message: Message) -> org.Who | None:
    replied = message.reply_to_message
    user = replied.from_user if replied is not None else None
    if user is None or user.is_bot:
        return None
    return org.Who(user.id, user.username, user.full_name)


def build_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(bot_membership, GROUPS)
    router.message.register(bind_menu, Command("bind"), GROUPS)
    router.callback_query.register(bind, On(org.BindGrid))
    router.message.register(make_worker, Command("worker"), GROUPS)
    return router
