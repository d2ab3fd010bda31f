"""Scheduled polls: /polls, /poll_results N, list buttons, ballots (native poll answers
and inline buttons), and the group-member memory used for turnout. The /poll_new dialog
is in handlers.polls.dialog."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, PollAnswer, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import outbox
from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.polls import Poll
from bot.polls import service as svc
from bot.polls import render as R
from bot.polls import votes
from bot.org import service as org
from bot.polls.spec import fmt
from bot.polls.votes import Outcome
from bot import texts as C
from bot.polls import texts as T
from handlers.polls import dialog as poll_dialog
from handlers.polls.callbacks import OpAct, OpList, OpVote

PRIVATE_NOTE = {
    Outcome.NOT_RESIDENT: T.VOTE_INELIGIBLE_RESIDENT,
    Outcome.NO_HOUSEHOLD: T.VOTE_INELIGIBLE_HOUSEHOLD,
    Outcome.HOUSEHOLD_TAKEN: T.VOTE_HOUSEHOLD_TAKEN,
}
ALERT = {
    Outcome.NOT_OPEN: T.VOTE_NOT_OPEN, Outcome.CLOSED: T.VOTE_CLOSED,
    Outcome.NOT_RESIDENT: T.VOTE_ALERT_RESIDENT, Outcome.NO_HOUSEHOLD: T.VOTE_ALERT_HOUSEHOLD,
    Outcome.HOUSEHOLD_TAKEN: T.VOTE_ALERT_TAKEN,
}


class RememberMembers(BaseMiddleware):
    """Every group message that reaches this router records its sender as a member."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        person, session = data.get("person"), data.get("session")
        if (isinstance(event, Message) and event.chat.type in ("group", "supergroup")
                and person is not None and session is not None):
            await votes.remember_member(session, event.chat.id, person.id, data["now"])
        return await handler(event, data)


async def _tell_ineligible(session: AsyncSession, poll: Poll, person: Person,
                           outcome: Outcome, household: str | None, now: datetime) -> None:
    if outcome not in PRIVATE_NOTE or not person.started_bot or person.tg_id is None:
        return
    text = PRIVATE_NOTE[outcome].format(id=poll.id, question=poll.question,
                                        household=household or person.household or "")
    await outbox.enqueue(session, person.tg_id, now=now, text=text, parse_mode=None,
                         dedupe_key=f"poll:{poll.id}:refused:{person.id}")


async def _result_text(session: AsyncSession, poll: Poll, ctx: AppContext) -> str:
    if poll.status != "closed":
        return T.NO_RESULT_YET.format(id=poll.id, voters=await votes.voter_count(session, poll.id),
                                      closes=fmt(poll.closes_at, ctx.tz))
    tally = await svc.current_tally(session, poll)
    names = None if poll.anonymous else await votes.voters_by_option(session, poll)
    return R.result_text(poll, tally, ctx.tz, names)


async def _managed(session: AsyncSession, person: Person, poll_id: int,
                   ctx: AppContext) -> Poll:
    poll = await svc.get(session, poll_id)
    if not await svc.may_manage(session, person, poll, ctx.settings.admin_ids):
        raise svc.PollError(C.NOT_ALLOWED)
    return poll


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.outer_middleware(RememberMembers())
    router.include_router(poll_dialog.build_router())

    @router.message(Command("polls"))
    async def polls(message: Message, session: AsyncSession, person: Person,
                    ctx: AppContext) -> None:
        if message.chat.type != "private":
            await message.reply(C.PRIVATE_ONLY)
            return
        found = await svc.visible_to(session, person, ctx.settings.admin_ids)
        if not found and not await org.organizer_communities(
                session, person, ctx.settings.admin_ids):
            await message.answer(C.NOT_ALLOWED)
            return
        await message.answer(R.list_text(found, ctx.tz), parse_mode=None,
                             reply_markup=R.list_keyboard(found))

    @router.message(Command("poll_results"))
    async def poll_results(message: Message, command: CommandObject, session: AsyncSession,
                           ctx: AppContext) -> None:
        arg = (command.args or "").strip().lstrip("#")
        if not arg.isdigit():
            await message.answer(T.RESULTS_HOW)
            return
        try:
            poll = await svc.get(session, int(arg))
        except svc.PollError as exc:
            await message.answer(str(exc))
            return
        if message.chat.type != "private" and message.chat.id not in poll.chat_ids:
            await message.answer(T.NOT_FOUND.format(id=poll.id))
            return
        await message.answer(await _result_text(session, poll, ctx), parse_mode=None)
        if poll.status == "closed" and poll.result is not None:
            await outbox.enqueue(session, message.chat.id, "sendPhoto", now=ctx.clock.now(),
                                 ref=svc.ref(poll.id),
                                 photo=outbox.deferred("poll.chart", poll.id))

    @router.callback_query(OpList.filter())
    async def list_button(query: CallbackQuery, callback_data: OpList, session: AsyncSession,
                          person: Person, ctx: AppContext, state: FSMContext) -> None:
        try:
            poll = await _managed(session, person, callback_data.p, ctx)
            if callback_data.a == OpAct.CANCEL:
                await svc.cancel(session, poll.id)
                await query.answer(T.POLL_CANCELLED.format(id=poll.id))
                if isinstance(query.message, Message):
                    await query.message.answer(T.POLL_CANCELLED.format(id=poll.id))
            elif callback_data.a == OpAct.EDIT:
                await svc.scheduled(session, poll.id)
                await query.answer()
                if isinstance(query.message, Message):
                    await poll_dialog.start(query.message, state, session, person, ctx,
                                               spec=svc.spec_of(poll), editing=poll.id)
            else:
                await query.answer()
                if isinstance(query.message, Message):
                    await query.message.answer(await _result_text(session, poll, ctx),
                                               parse_mode=None)
        except svc.PollError as exc:
            await query.answer(str(exc), show_alert=True)

    @router.callback_query(OpVote.filter())
    async def vote_button(query: CallbackQuery, callback_data: OpVote, session: AsyncSession,
                          person: Person, now: datetime) -> None:
        poll = await session.get(Poll, callback_data.p)
        message = query.message
        delivery = None
        if poll is not None and isinstance(message, Message):
            # message_id is None for a moment after the post, until the sender stores it
            delivery = next((d for d in poll.deliveries if d.chat_id == message.chat.id
                             and d.message_id in (message.message_id, None)), None)
        if poll is None or delivery is None or poll.kind != "buttons" \
                or not 0 <= callback_data.i < len(poll.options):
            await query.answer(C.BUTTON_UNKNOWN, show_alert=True)
            return
        result = await votes.toggle(session, poll, person, callback_data.i,
                                    chat_id=delivery.chat_id, now=now)
        if result.outcome.refused:
            await _tell_ineligible(session, poll, person, result.outcome, result.household, now)
            await query.answer(ALERT[result.outcome], show_alert=True)
        elif result.outcome == Outcome.RETRACTED:
            await query.answer(T.VOTE_RETRACTED)
        else:
            choice = "、".join(poll.texts[i] for i in result.choices)
            await query.answer(T.VOTE_COUNTED.format(choice=choice))

    @router.poll_answer()
    async def poll_answer(answer: PollAnswer, session: AsyncSession, now: datetime,
                          person: Person | None = None) -> None:
        found = await svc.by_telegram_poll(session, answer.poll_id)
        if found is None and await svc.awaiting_poll_ids(session):
            # The answer beat the sender's record of the poll id: the inbox retries it.
            raise svc.PollNotRecordedYet(answer.poll_id)
        if found is None or person is None:
            return
        poll, delivery = found
        result = await votes.record(session, poll, person, list(answer.option_ids),
                                    chat_id=delivery.chat_id, now=now)
        await _tell_ineligible(session, poll, person, result.outcome, result.household, now)

    @router.poll()
    async def poll_update(_: Any) -> None:
        """Telegram's own totals: ours come from poll answers."""

    return router

