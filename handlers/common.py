"""/start, /help, /whoami."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Person
from bot.org import service as org
from bot import texts as T


async def _roles_text(session: AsyncSession, person: Person, ctx: AppContext) -> tuple[str, set[str]]:
    views = await org.describe_roles(session, person.id)
    kinds = {v.role for v in views}
    if person.tg_id in ctx.settings.admin_ids:
        kinds.add("admin")
    parts = [
        T.ROLE_LINE.format(label=v.label, where=f"（{' · '.join(filter(None, [v.community, v.grid]))}）"
                           if v.community or v.grid else "")
        for v in views
    ]
    if "admin" in kinds and not any(v.role == "admin" for v in views):
        parts.append(org.ROLE_NAMES["admin"])
    return ("、".join(parts) or T.ROLES_NONE), kinds


def help_text(roles: str, kinds: set[str]) -> str:
    lines = list(T.HELP_RESIDENT)
    if kinds & {"grid_worker", "department"}:
        lines += T.HELP_WORKER
    if kinds & {"organizer", "admin"}:
        lines += T.HELP_ORGANIZER
    return T.HELP_HEADER.format(roles=roles) + "\n" + "\n".join(f"• {line}" for line in lines)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(CommandStart())
    async def start(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
        if message.chat.type == "private":
            person.started_bot = True
            person.blocked_bot = False
        roles, kinds = await _roles_text(session, person, ctx)
        await message.answer(T.START.format(name=person.name) + "\n\n" + help_text(roles, kinds))

    @router.message(Command("cancel"), F.chat.type == "private")
    async def cancel(message: Message, state: FSMContext) -> None:
        """Leaves any dialog (report, case note, poll creation); nothing is saved."""
        if await state.get_state() is None:
            await message.answer(T.NOTHING_TO_CANCEL)
            return
        await state.clear()
        await message.answer(T.CANCELLED)

    @router.message(Command("help"))
    async def help_(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
        roles, kinds = await _roles_text(session, person, ctx)
        await message.answer(help_text(roles, kinds))

    @router.message(Command("whoami"))
    async def whoami(message: Message, session: AsyncSession, person: Person, ctx: AppContext) -> None:
        roles, _ = await _roles_text(session, person, ctx)
        await message.answer(T.WHOAMI.format(name=person.name, tg_id=person.tg_id, roles=roles))

    return router
