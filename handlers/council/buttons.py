"""Council buttons: 附议 under a topic post, 签到 under a meeting notice, the ballot.
Every press re-checks the state and is always answered (a refusal by handlers/errors.py)."""
from __future__ import annotations

from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import council
from bot.context import AppContext
from bot.db.models import Person
from handlers.filters import On


async def support(query: CallbackQuery, cb: council.Support, session: AsyncSession,
                  person: Person, now: datetime) -> None:
    await query.answer(await council.support_button(session, person, cb, now), show_alert=True)


async def check_in(query: CallbackQuery, cb: council.CheckIn, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime) -> None:
    text = await council.checkin_button(session, person, cb, ctx, now)
    await query.answer(text, show_alert=True)


async def ballot(query: CallbackQuery, cb: council.Ballot, session: AsyncSession,
                 person: Person, now: datetime) -> None:
    text = await council.ballot_button(session, person, cb, now)
    await query.answer(text, show_alert=True)
    if isinstance(query.message, Message):  # the ballot is used: its buttons go
        await query.message.edit_text(f"{query.message.text}\n\n✅ {text}")


async def book(query: CallbackQuery, cb: council.Book, session: AsyncSession, person: Person,
               ctx: AppContext, now: datetime) -> None:
    await query.answer(await council.reception.book(session, person, cb, ctx, now),
                       show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(support, On(council.Support))
    router.callback_query.register(check_in, On(council.CheckIn))
    router.callback_query.register(ballot, On(council.Ballot))
    router.callback_query.register(book, On(council.Book))
    return router
