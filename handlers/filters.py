"""Filters shared by every feature's handlers. All are async, so aiogram never hops
to a thread to run them."""
from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery

from bot.ui import Callback, CallbackError


class On(Filter):
    """Matches a button whose data unpacks as `cb` with the given field values, and hands
    the unpacked data to the handler as `cb`: ``@router.callback_query(On(CaseBtn, a=Act.ACCEPT))``.
    A value may be a tuple: any of them matches."""

    def __init__(self, cb: type[Callback], **where: Any) -> None:
        self.cb, self.where = cb, where

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        if not query.data or not query.data.startswith(self.cb.prefix + ":"):
            return False
        try:
            data = self.cb.unpack(query.data)
        except CallbackError:
            return False
        for name, want in self.where.items():
            have = getattr(data, name)
            if have not in want if isinstance(want, tuple) else have != want:
                return False
        return {"cb": data}
