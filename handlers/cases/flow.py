"""Shared bits of the case handlers: chat filters, FSM states, reading a message."""
from __future__ import annotations

from aiogram import F
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot import cases

GROUPS = F.chat.type.in_({"group", "supergroup"})
PRIVATE = F.chat.type == "private"


class CaseInput(StatesGroup):
    """A worker's note (progress / resolve) or a reporter's reason, in private."""

    waiting = State()


class ReportFlow(StatesGroup):
    text = State()
    grid = State()


def photo_of(message: Message) -> cases.Photo | None:
    if not message.photo:
        return None
    biggest = message.photo[-1]
    return biggest.file_id, biggest.file_unique_id


def text_of(message: Message) -> str:
    return message.text or message.caption or ""


def media_of(message: Message) -> str | None:
    return next((kind for kind in ("photo", "voice", "document", "video")
                 if getattr(message, kind, None)), None)


def source_of(message: Message) -> cases.Source:
    photo = photo_of(message)
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.is_bot
    return cases.Source(chat_id=message.chat.id, message_id=message.message_id,
                        text=text_of(message), photos=[photo] if photo else [],
                        media_group_id=message.media_group_id, media=media_of(message),
                        reply_to=replied.message_id if to_bot and replied else None)


def author_of(message: Message) -> cases.Author | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    return cases.Author(tg_id=user.id, username=user.username, name=user.full_name)


def pressed_on(query: CallbackQuery) -> Message | None:
    """The message whose button was pressed, if Telegram still lets us see it."""
    return query.message if isinstance(query.message, Message) else None
