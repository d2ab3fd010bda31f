"""Project buttons: 关注 / 取消关注, 我要参与 and its 出钱 / 出力 / 出点子 choices.
Every press re-reads the project and always answers the callback query."""
from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person
from bot.db.models.projects import PLEDGE_KINDS
from bot.projects import render as project_render
from bot.projects import service as projects
from bot.projects.parse import ProjectError
from bot import texts as C
from bot.projects import texts as T
from handlers.projects.callbacks import ProjFollow, ProjJoin, ProjPledge


def build_router() -> Router:
    router = Router(name=__name__)

    @router.callback_query(ProjFollow.filter())
    async def follow(query: CallbackQuery, callback_data: ProjFollow, session: AsyncSession,
                     person: Person) -> None:
        project = await projects.get(session, callback_data.project_id)
        if project is None:
            await query.answer(C.BUTTON_UNKNOWN, show_alert=True)
            return
        on = bool(callback_data.on)
        await projects.follow(session, project, person, on)
        if not on:
            await query.answer(T.UNFOLLOWED.format(id=project.id), show_alert=True)
        elif person.started_bot and not person.blocked_bot:
            await query.answer(T.FOLLOWED.format(id=project.id), show_alert=True)
        else:
            await query.answer(T.FOLLOWED_START.format(id=project.id), show_alert=True)
        message = query.message
        if isinstance(message, Message) and message.chat.type == "private":
            await message.edit_reply_markup(
                reply_markup=project_render.card_keyboard(project.id, following=on))

    @router.callback_query(ProjJoin.filter())
    async def join(query: CallbackQuery, callback_data: ProjJoin, session: AsyncSession) -> None:
        project = await projects.get(session, callback_data.project_id)
        message = query.message
        if project is None or not isinstance(message, Message):
            await query.answer(C.BUTTON_UNKNOWN, show_alert=True)
            return
        await query.answer()
        await message.reply(T.JOIN_CHOOSE.format(id=project.id, title=escape(project.title)),
                            reply_markup=project_render.join_keyboard(project.id))

    @router.callback_query(ProjPledge.filter())
    async def pledge(query: CallbackQuery, callback_data: ProjPledge, session: AsyncSession,
                     person: Person, now: Any) -> None:
        project = await projects.get(session, callback_data.project_id)
        if project is None or not 0 <= callback_data.kind < len(PLEDGE_KINDS):
            await query.answer(C.BUTTON_UNKNOWN, show_alert=True)
            return
        kind = PLEDGE_KINDS[callback_data.kind]
        try:
            await projects.pledge(session, project, person, kind, now=now)
        except ProjectError as exc:
            await query.answer(str(exc), show_alert=True)
            return
        await query.answer(T.PLEDGED.format(kind=T.PLEDGE_KINDS[kind]) + "\n" + T.PLEDGE_HOW,
                           show_alert=True)

    return router
