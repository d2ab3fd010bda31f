"""Group lifecycle and organisation by organizers: /bind, /worker, joining, privacy."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Grid, Person
from bot.org import service as org
from bot import texts as T
from handlers.callbacks import BindGrid

GROUPS = F.chat.type.in_({"group", "supergroup"})


def build_router() -> Router:
    router = Router(name=__name__)

    @router.my_chat_member()
    async def bot_membership(event: ChatMemberUpdated, session: AsyncSession, bot: Bot) -> None:
        if event.chat.type not in ("group", "supergroup"):
            return
        status = event.new_chat_member.status
        group = await org.remember_group(session, event.chat.id, event.chat.title or "")
        if status in ("left", "kicked"):
            group.active = False
            return
        was_in = event.old_chat_member.status not in ("left", "kicked")
        group.bot_is_admin = status == "administrator"
        if not was_in:
            await bot.send_message(event.chat.id, T.GROUP_HELLO)
        if group.bot_is_admin:
            if was_in:
                await bot.send_message(event.chat.id, T.PRIVACY_OK)
            return
        me = await bot.me()
        if not me.can_read_all_group_messages:
            group.privacy_warned = True
            await bot.send_message(event.chat.id, T.PRIVACY_WARNING)

    @router.message(Command("bind"), GROUPS)
    async def bind(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
        communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
        if not communities:
            await message.reply(T.NOT_ALLOWED)
            return
        grids = await org.grids_for(session, [c.id for c in communities])
        if not grids:
            await message.reply(T.BIND_NO_GRIDS)
            return
        kb = InlineKeyboardBuilder()
        for grid in grids:
            kb.button(text=f"{grid.community.name} · {grid.name}",
                      callback_data=BindGrid(grid_id=grid.id))
        kb.adjust(1)
        await message.reply(T.BIND_CHOOSE, reply_markup=kb.as_markup())

    @router.callback_query(BindGrid.filter())
    async def bind_chosen(query: CallbackQuery, callback_data: BindGrid, session: AsyncSession,
                          person: Person, ctx: AppContext) -> None:
        grid = await session.get(Grid, callback_data.grid_id)
        message = query.message
        if grid is None or not isinstance(message, Message) or not await org.can_organize(
            session, person, grid.community_id, ctx.settings.admin_ids
        ):
            await query.answer(T.NOT_ALLOWED if grid else T.BUTTON_UNKNOWN, show_alert=True)
            return
        where = await org.bind_group(session, message.chat.id, message.chat.title or "", grid.id)
        await query.answer(T.BIND_NOTICE)
        await message.edit_text(T.BIND_DONE.format(where=where))

    @router.message(Command("worker"), GROUPS)
    async def make_worker(message: Message, command: CommandObject, session: AsyncSession,
                          person: Person, ctx: AppContext, bot: Bot) -> None:
        group = await org.group_by_chat(session, message.chat.id)
        if group is None or group.grid is None:
            await message.reply(T.WORKER_NO_GRID)
            return
        if not await org.can_organize(session, person, group.grid.community_id,
                                      ctx.settings.admin_ids):
            await message.reply(T.NOT_ALLOWED)
            return
        target = await _target(session, message, command)
        if target is None:
            who = command.args or ""
            await message.reply(T.WORKER_UNKNOWN.format(who=who) if who else T.WORKER_HOW)
            return
        await org.grant(session, target, "grid_worker", group.grid.community_id,
                        grid_id=group.grid.id)
        await message.reply(T.WORKER_DONE.format(name=target.name, grid=group.grid.name))
        if target.tg_id and target.started_bot:
            await bot.send_message(target.tg_id, T.WORKER_NOTIFY.format(grid=group.grid.name))

    return router


async def _target(session: AsyncSession, message: Message, command: CommandObject) -> Person | None:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        u = replied.from_user
        return await org.upsert_person(session, tg_id=u.id, username=u.username, name=u.full_name)
    if command.args and command.args.strip().startswith("@"):
        return await org.person_by_username(session, command.args.strip())
    return None
