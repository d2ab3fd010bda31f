"""Volunteer and points commands: /volunteer, /activity_new, /checkin, /activity_checkin,
/points, /points_grant, /leaderboard, /leaderboard_off, /leaderboard_on, /shop,
/shop_add, /exchange; the 报名 button. Refusals are answered by handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import points
from bot.context import AppContext
from bot.db.models import Person
from handlers.filters import On


def group_of(message: Message) -> int | None:
    return None if message.chat.type == "private" else message.chat.id


async def volunteer(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext, now: datetime) -> None:
    text = await points.volunteer(session, person, command.args, group_of(message), ctx, now)
    await message.reply(text)


async def activity_new(message: Message, command: CommandObject, session: AsyncSession,
                       person: Person, ctx: AppContext, now: datetime) -> None:
    await message.answer(await points.activity_new(session, person, command.args, ctx, now,
                                                   private=message.chat.type == "private"))


async def signup(query: CallbackQuery, cb: points.SignUp, session: AsyncSession, person: Person,
                 now: datetime) -> None:
    await query.answer(await points.signup_button(session, person, cb, now), show_alert=True)


async def checkin(message: Message, command: CommandObject, session: AsyncSession,
                  person: Person, now: datetime) -> None:
    await message.reply(await points.checkin(session, person, command.args, now))


async def my_points(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext) -> None:
    await message.reply(await points.points(session, person, command.args, group_of(message),
                                            ctx))


async def board(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                now: datetime) -> None:
    await message.answer(await points.leaderboard(session, person, group_of(message), ctx, now))


async def board_switch(message: Message, command: CommandObject, session: AsyncSession,
                       person: Person, ctx: AppContext, now: datetime) -> None:
    hidden = command.command == "leaderboard_off"
    await message.reply(await points.leaderboard_optout(session, person, ctx, now, hidden=hidden))


async def shop(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
    await message.answer(await points.shop(session, person, group_of(message), ctx))


STAFF_COMMANDS = {  # /command args: an organizer's action, in private
    "activity_checkin": points.activity_checkin, "points_grant": points.grant_command,
    "shop_add": points.shop_add, "exchange": points.exchange,
}


async def staff(message: Message, command: CommandObject, session: AsyncSession,
                person: Person, ctx: AppContext, now: datetime) -> None:
    action = STAFF_COMMANDS[command.command]
    await message.reply(await action(session, person, command.args, ctx, now))


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(signup, On(points.SignUp))
    router.message.register(volunteer, Command("volunteer"))
    router.message.register(activity_new, Command("activity_new"))
    router.message.register(checkin, Command("checkin"))
    router.message.register(my_points, Command("points"))
    router.message.register(board, Command("leaderboard"))
    router.message.register(board_switch, Command("leaderboard_off", "leaderboard_on"))
    router.message.register(shop, Command("shop"))
    router.message.register(staff, Command(*STAFF_COMMANDS))
    return router
