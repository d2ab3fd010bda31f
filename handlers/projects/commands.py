"""Project commands: /projects, /project N, /project_new, /project_update (text or
photo caption, albums), /project_milestone, /project_stage, /project_shelve,
/project_resume, /project_supervisor, /pledge. Buttons are in handlers.projects.buttons.
Refusals (bot.projects.ProjectError) are answered by handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import projects
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.projects import buttons

HTML = "HTML"  # this feature's texts are HTML (user values escaped in bot/)


def group_of(message: Message) -> int | None:
    """The group's chat id; None in a private chat."""
    return None if message.chat.type == "private" else message.chat.id


def photo_of(message: Message) -> projects.PhotoIn | None:
    if not message.photo:
        return None
    p = message.photo[-1]
    return projects.PhotoIn(p.file_id, p.file_unique_id, p.file_size, p.width, p.height)


def replied_member(message: Message) -> projects.Member | None:
    replied = message.reply_to_message
    user = replied.from_user if replied is not None else None
    if user is None or user.is_bot:
        return None
    return projects.Member(user.id, user.username, user.full_name)


async def list_projects(message: Message, session: AsyncSession, person: Person,
                        ctx: AppContext) -> None:
    for part in await projects.listing(session, person, group_of(message), ctx):
        await message.answer(part, parse_mode=HTML)


async def show(message: Message, command: CommandObject, session: AsyncSession,
               person: Person, ctx: AppContext) -> None:
    parts, kb = await projects.card(session, person, command.args, group_of(message), ctx)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.answer(part, parse_mode=HTML, reply_markup=keyboard(kb) if last else None)


async def new(message: Message, command: CommandObject, session: AsyncSession, person: Person,
              ctx: AppContext, now: datetime) -> None:
    text = await projects.new(session, person, command.args, ctx=ctx, now=now,
                              private=message.chat.type == "private")
    await message.answer(text, parse_mode=HTML)


async def update(message: Message, command: CommandObject, session: AsyncSession,
                 person: Person, ctx: AppContext, now: datetime) -> None:
    await message.reply(parse_mode=HTML, text=await projects.update(
        session, person, command.args, group_of(message), ctx, now, photo=photo_of(message),
        media_group_id=message.media_group_id))


async def album_part(message: Message, session: AsyncSession, person: Person) -> None:
    """A later photo of an update's album; other albums go on to the other features."""
    photo = photo_of(message)
    assert photo is not None and message.media_group_id is not None
    if await projects.add_album_photo(session, person, message.media_group_id, photo) is None:
        raise SkipHandler


ORGANIZER_COMMANDS = {  # /command N …: the organizer's action on project N
    "project_milestone": projects.milestone, "project_stage": projects.stage,
    "project_shelve": projects.shelve, "project_resume": projects.resume,
    "pledge_done": projects.pledge_done,
}


async def organizer_command(message: Message, command: CommandObject, session: AsyncSession,
                            person: Person, ctx: AppContext, now: datetime) -> None:
    action = ORGANIZER_COMMANDS[command.command]
    text = await action(session, person, command.args, group_of(message), ctx, now)
    await message.reply(text, parse_mode=HTML)


async def supervisor(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime) -> None:
    await message.reply(parse_mode=HTML, text=await projects.supervisor(
        session, person, command.args, group_of(message), ctx, now,
        replied=replied_member(message)))


async def pledge(message: Message, command: CommandObject, session: AsyncSession,
                 person: Person, now: datetime) -> None:
    text = await projects.pledge(session, person, command.args, group_of(message), now)
    await message.reply(text, parse_mode=HTML)


def build_router() -> Router:
    router = Router(name=__name__)
    router.include_router(buttons.build_router())
    router.message.register(list_projects, Command("projects"))
    router.message.register(show, Command("project"))
    router.message.register(new, Command("project_new"))
    router.message.register(update, Command("project_update"))
    router.message.register(album_part, F.photo, F.media_group_id, ~F.caption)
    router.message.register(organizer_command, Command(*ORGANIZER_COMMANDS))
    router.message.register(supervisor, Command("project_supervisor"))
    router.message.register(pledge, Command("pledge"))
    return router
