"""Council commands: /propose, /topics, /topic, /topic_next, /topic_from_case,
/topic_project, /meeting, /meeting_attend, /meeting_vote, /meeting_close,
/meeting_cancel, and the
书记接待日: /reception, /reception_list, /reception_topic.
Refusals (bot.council.CouncilError) are answered by handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import council, projects
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.council import buttons


def group_of(message: Message) -> int | None:
    return None if message.chat.type == "private" else message.chat.id


async def propose(message: Message, command: CommandObject, session: AsyncSession,
                  person: Person, ctx: AppContext, now: datetime) -> None:
    text, kb = await council.propose(session, person, command.args, group_of(message), ctx, now)
    await message.reply(text, reply_markup=keyboard(kb) if kb else None)


async def topics(message: Message, session: AsyncSession, person: Person,
                 ctx: AppContext) -> None:
    await message.answer(await council.listing(session, person, group_of(message), ctx))


async def topic(message: Message, command: CommandObject, session: AsyncSession,
                person: Person, ctx: AppContext) -> None:
    text, kb = await council.card(session, person, command.args, group_of(message), ctx)
    await message.answer(text, reply_markup=keyboard(kb) if kb else None)


async def topic_next(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime) -> None:
    text = await council.next_stage(session, person, command.args, group_of(message), ctx, now)
    await message.reply(text)


async def from_case(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext, now: datetime) -> None:
    await message.reply(await council.from_case(session, person, command.args, ctx, now))


async def to_project(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime) -> None:
    await message.reply(await projects.from_topic(session, person, command.args, ctx, now))


async def meeting(message: Message, command: CommandObject, session: AsyncSession,
                  person: Person, ctx: AppContext, now: datetime) -> None:
    await message.answer(await council.meeting(session, person, command.args, ctx, now,
                                               private=message.chat.type == "private"))


async def reception(message: Message, command: CommandObject, session: AsyncSession,
                    person: Person, ctx: AppContext, now: datetime) -> None:
    await message.answer(await council.reception.create(
        session, person, command.args, ctx, now, private=message.chat.type == "private"))


async def reception_list(message: Message, command: CommandObject, session: AsyncSession,
                         person: Person, ctx: AppContext) -> None:
    await message.reply(await council.reception.listing(session, person, command.args, ctx))


MEETING_COMMANDS = {  # /command N …: the organizer's step in meeting N
    "meeting_attend": council.attend, "meeting_vote": council.open_vote,
    "meeting_close": council.close, "meeting_cancel": council.cancel,
    "reception_topic": council.reception.raised,
}


async def meeting_step(message: Message, command: CommandObject, session: AsyncSession,
                       person: Person, ctx: AppContext, now: datetime) -> None:
    action = MEETING_COMMANDS[command.command]
    await message.reply(await action(session, person, command.args, ctx, now))


def build_router() -> Router:
    router = Router(name=__name__)
    router.include_router(buttons.build_router())
    router.message.register(propose, Command("propose"))
    router.message.register(topics, Command("topics"))
    router.message.register(topic, Command("topic"))
    router.message.register(topic_next, Command("topic_next"))
    router.message.register(from_case, Command("topic_from_case"))
    router.message.register(to_project, Command("topic_project"))
    router.message.register(meeting, Command("meeting"))
    router.message.register(meeting_step, Command(*MEETING_COMMANDS))
    router.message.register(reception, Command("reception"))
    router.message.register(reception_list, Command("reception_list"))
    return router
