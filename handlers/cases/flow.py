"""Shared bits of the case handlers: FSM states, message parsing, safe answers."""
from __future__ import annotations

from aiogram import F
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.cases.intake import Photo

GROUPS = F.chat.type.in_({"group", "supergroup"})
PRIVATE = F.chat.type == "private"


class CaseInput(StatesGroup):
    """A worker's note (progress / resolve) or a reporter's reason, in private."""

    waiting = State()


class ReportFlow(StatesGroup):
    text = State()
    grid = State()


def photo_of(message: Message) -> Photo | None:
    if not message.photo:
        return None
    biggest = message.photo[-1]
    return biggest.file_id, biggest.file_unique_id


def text_of(message: Message) -> str:
    return message.text or message.caption or ""


async def refuse(query: CallbackQuery, text: str) -> None:
    await query.answer(text, show_alert=True)
