"""The 问答库: /faq, /faq_add (one line or a dialog), /faq_del, and a worker's 回复 to an
inquiry and 加入问答库. Refusals (bot.faq.FaqRefused) are answered by handlers/errors.py."""
from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import faq
from bot.context import AppContext
from bot.db.models import Person
from handlers.callbacks import keyboard
from handlers.filters import On

PRIVATE = F.chat.type == "private"
TYPED = ~F.text.startswith("/")


class FaqInput(StatesGroup):
    question = State()  # /faq_add step 1
    answer = State()  # /faq_add step 2
    reply = State()  # a worker's reply to an inquiry


def group_of(message: Message) -> int | None:
    return None if message.chat.type == "private" else message.chat.id


async def list_faq(message: Message, session: AsyncSession, person: Person,
                   ctx: AppContext) -> None:
    for part in await faq.listing(session, ctx, person, group_of(message)):
        await message.answer(part, parse_mode=None)


async def add(message: Message, command: CommandObject, session: AsyncSession, person: Person,
              ctx: AppContext, now: datetime, state: FSMContext) -> None:
    said = await faq.add(session, ctx, person, group_of(message), command.args or "", now)
    if said is None and group_of(message) is None:  # no arguments: step by step
        community = await faq.managed(session, ctx, person, None)
        await state.set_state(FaqInput.question)
        await state.set_data({"community": community.id})
        said = faq.texts.ADD_ASK_QUESTION
    await message.reply(said or faq.texts.ADD_HOW, parse_mode=None)


async def add_question(message: Message, state: FSMContext) -> None:
    question = faq.check_question(message.text or "")
    await state.update_data(question=question)
    await state.set_state(FaqInput.answer)
    await message.answer(faq.texts.ADD_ASK_ANSWER, parse_mode=None)


async def add_answer(message: Message, session: AsyncSession, person: Person, now: datetime,
                     state: FSMContext) -> None:
    data = await state.get_data()
    said = await faq.save(session, person, int(data["community"]), str(data["question"]),
                          message.text or "", now)
    await state.clear()
    await message.answer(said, parse_mode=None)


async def delete(message: Message, command: CommandObject, session: AsyncSession,
                 person: Person, ctx: AppContext) -> None:
    said = await faq.delete(session, ctx, person, group_of(message), command.args or "")
    await message.reply(said, parse_mode=None)


async def ask_reply(query: CallbackQuery, cb: faq.FaqReply, session: AsyncSession,
                    person: Person, ctx: AppContext, state: FSMContext) -> None:
    prompt = await faq.ask_reply(session, ctx, cb.i, person)
    await state.set_state(FaqInput.reply)
    await state.set_data({"inquiry": cb.i})
    await query.answer()
    await query.bot.send_message(query.from_user.id, prompt, parse_mode=None)  # type: ignore[union-attr]


async def reply(message: Message, session: AsyncSession, person: Person, ctx: AppContext,
                now: datetime, state: FSMContext) -> None:
    inquiry_id = int((await state.get_data()).get("inquiry", 0))
    said = await faq.reply(session, ctx, inquiry_id, person, message.text or "", now)
    await state.clear()
    await message.answer(said.text, parse_mode=None, reply_markup=keyboard(said.keyboard))


async def keep(query: CallbackQuery, cb: faq.FaqKeep, session: AsyncSession, person: Person,
               ctx: AppContext, now: datetime) -> None:
    await query.answer(await faq.keep(session, ctx, cb.i, person, now), show_alert=True)


async def private_question(message: Message, session: AsyncSession, person: Person,
                           ctx: AppContext) -> None:
    """A question typed in private that the 问答库 answers; anything else goes on to
    the case intake (a complaint typed without /report, the hint)."""
    said = await faq.in_private(session, ctx, person, message.text or "")
    if said is None:
        raise SkipHandler
    await message.answer(said, parse_mode=None)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(list_faq, Command("faq"))
    router.message.register(add, Command("faq_add"))
    router.message.register(delete, Command("faq_del"))
    router.message.register(add_question, FaqInput.question, PRIVATE, TYPED, F.text)
    router.message.register(add_answer, FaqInput.answer, PRIVATE, TYPED, F.text)
    router.message.register(reply, FaqInput.reply, PRIVATE, TYPED, F.text)
    router.message.register(private_question, StateFilter(None), PRIVATE, TYPED, F.text)
    router.callback_query.register(ask_reply, On(faq.FaqReply))
    router.callback_query.register(keep, On(faq.FaqKeep))
    return router
