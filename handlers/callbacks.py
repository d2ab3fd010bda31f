"""The bridge from `bot.ui` keyboards (plain data made by the domain) to aiogram."""
from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.ui import Keyboard, markup


def keyboard(kb: Keyboard | None) -> InlineKeyboardMarkup | None:
    data = markup(kb)
    return None if data is None else InlineKeyboardMarkup.model_validate(data)
