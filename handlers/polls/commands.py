"""Scheduled polls: /polls, /poll_results N, list buttons, ballots (native poll answers
and inline buttons), and the group-member memory used for turnout. The /poll_new dialog
is in handlers.polls.dialog. Refusals (bot.polls.PollError) go to handlers/errors.py."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Poll, PollAnswer, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot import polls
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On
from handlers.polls import dialog


class RememberMembers(BaseMiddleware):
    """Every group message that reaches this router records its sender as a member."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        person, session = data.get("person"), data.get("session")
        if (isinstance(event, Message) and event.chat.type in ("group", "supergroup")
                and person is not None and session is not None):
            await polls.remember_member(session, event.chat.id, person.id, data["now"])
        return await handler(event, data)


async def list_polls(message: Message, session: AsyncSession, person: Person,
                     ctx: AppContext) -> None:
    text, kb = await polls.listing(session, person, ctx, private=message.chat.type == "private")
    await message.answer(text, parse_mode=None, reply_markup=keyboard(kb))


async def poll_results(message: Message, command: CommandObject, session: AsyncSession,
                       ctx: AppContext) -> None:
    text = await polls.results(session, ctx, command.args, chat_id=message.chat.id,
                               private=message.chat.type == "private")
    await message.answer(text, parse_mode=None)


async def cancel_listed(query: CallbackQuery, cb: polls.ListButton, session: AsyncSession,
                        person: Person, ctx: AppContext) -> None:
    text = await polls.cancel_listed(session, person, cb.p, ctx)
    await query.answer(text)
    if isinstance(query.message, Message):
        await query.message.answer(text)


async def edit_listed(query: CallbackQuery, cb: polls.ListButton, session: AsyncSession,
                      person: Person, ctx: AppContext, state: FSMContext) -> None:
    spec = await polls.editable(session, person, cb.p, ctx)
    await query.answer()
    if isinstance(query.message, Message):
        await dialog.edit(query.message, state, session, ctx, spec, editing=cb.p)


async def listed_result(query: CallbackQuery, cb: polls.ListButton, session: AsyncSession,
                        person: Person, ctx: AppContext) -> None:
    text = await polls.listed_result(session, person, cb.p, ctx)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, parse_mode=None)


async def vote_button(query: CallbackQuery, cb: polls.VoteButton, session: AsyncSession,
                      person: Person, now: datetime) -> None:
    message = query.message if isinstance(query.message, Message) else None
    answer = await polls.press_vote(
        session, person, cb, chat_id=message.chat.id if message else None,
        message_id=message.message_id if message else None, now=now)
    await query.answer(answer.text, show_alert=answer.alert)


async def poll_answer(answer: PollAnswer, session: AsyncSession, now: datetime,
                      person: Person | None = None) -> None:
    await polls.record_answer(session, answer.poll_id, person, list(answer.option_ids), now)


async def poll_update(poll: Poll, session: AsyncSession) -> None:
    """Telegram's totals: how an anonymous poll is counted (it sends no answers)."""
    await polls.record_totals(session, poll.id, [o.voter_count for o in poll.options],
                              poll.total_voter_count)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.outer_middleware(RememberMembers())
    router.include_router(dialog.build_router())
    router.message.register(list_polls, Command("polls"))
    router.message.register(poll_results, Command("poll_results"))
    router.callback_query.register(cancel_listed, On(polls.ListButton, a=polls.ListAct.CANCEL))
    router.callback_query.register(edit_listed, On(polls.ListButton, a=polls.ListAct.EDIT))
    router.callback_query.register(listed_result, On(polls.ListButton, a=polls.ListAct.RESULTS))
    router.callback_query.register(vote_button, On(polls.VoteButton))
    router.poll_answer.register(poll_answer)
    router.poll.register(poll_update)
    return router
