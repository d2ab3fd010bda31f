"""Project buttons: 关注 / 取消关注, 我要参与 and its 出钱 / 出力 / 出点子 choices.
Every press re-reads the project and is always answered (a refusal by handlers/errors.py)."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import projects
from bot import texts as C
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On

HTML = "HTML"  # this feature's texts are HTML (user values escaped in bot/)


async def follow(query: CallbackQuery, cb: projects.ProjFollow, session: AsyncSession,
                 person: Person) -> None:
    text, kb = await projects.follow_button(session, person, cb)
    await query.answer(text, show_alert=True)
    message = query.message
    if isinstance(message, Message) and message.chat.type == "private":
        await message.edit_reply_markup(reply_markup=keyboard(kb))


async def join(query: CallbackQuery, cb: projects.ProjJoin, session: AsyncSession) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer(C.BUTTON_UNKNOWN, show_alert=True)
        return
    text, kb = await projects.join_button(session, cb)
    await query.answer()
    await message.reply(text, parse_mode=HTML, reply_markup=keyboard(kb))


async def pledge(query: CallbackQuery, cb: projects.ProjPledge, session: AsyncSession,
                 person: Person, now: datetime) -> None:
    await query.answer(await projects.pledge_button(session, person, cb, now), show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(follow, On(projects.ProjFollow))
    router.callback_query.register(join, On(projects.ProjJoin))
    router.callback_query.register(pledge, On(projects.ProjPledge))
    return router
