"""Council commands: /propose, /topics, /topic, /topic_next, /topic_from_case,
/topic_project, /topic_case, /topic_result, /meeting, /meeting_attend, /meeting_vote,
/meeting_close, /meeting_cancel, and the 书记接待日: /reception, /reception_list,
/reception_matter, /reception_result, /reception_topic. A case the council asks for is
opened here through bot.cases (which sits above the council in the layers).
Refusals (bot.council.CouncilError) are answered by handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import cases, council, projects
from bot.context import AppContext
from bot.db.models import Case, Person
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


async def reception_matter(message: Message, command: CommandObject, session: AsyncSession,
                           person: Person, ctx: AppContext, now: datetime) -> None:
    await message.reply(await council.reception.matter(
        session, person, command.args, ctx, now, private=message.chat.type == "private"))


async def _open_case(session: AsyncSession, ctx: AppContext, wanted: council.CaseWanted,
                     now: datetime) -> Case:
    """The council asks for a case; the case loop (above it in the layers) opens it as a
    private report of `wanted.reporter`, who is told its number."""
    assert wanted.reporter.tg_id is not None
    return await cases.report(session, ctx, wanted.reporter, wanted.grid_id, cases.Source(
        chat_id=wanted.reporter.tg_id, message_id=wanted.source_message_id,
        text=wanted.text), now)


async def reception_result(message: Message, command: CommandObject, session: AsyncSession,
                           person: Person, ctx: AppContext, now: datetime) -> None:
    done = await council.reception.record(session, person, command.args, ctx, now)
    answer, wanted = done.answer, done.case
    if wanted is not None:
        case = await _open_case(session, ctx, wanted, now)
        answer = await council.reception.case_opened(session, person, wanted, case.id,
                                                     case.number, now)
    await message.reply(answer)


async def topic_case(message: Message, command: CommandObject, session: AsyncSession,
                     person: Person, ctx: AppContext, now: datetime) -> None:
    wanted = await council.task_case(session, person, command.args, ctx, now)
    case = await _open_case(session, ctx, wanted, now)
    await message.reply(await council.task_case_opened(session, person, wanted, case, now))


MEETING_COMMANDS = {  # /command N …: the organizer's step in meeting N
    "meeting_attend": council.attend, "meeting_vote": council.open_vote,
    "meeting_close": council.close, "meeting_cancel": council.cancel,
    "reception_topic": council.reception.raised, "topic_result": council.result,
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
    router.message.register(reception_matter, Command("reception_matter"))
    router.message.register(reception_result, Command("reception_result"))
    router.message.register(topic_case, Command("topic_case"))
    return router
