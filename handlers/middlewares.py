"""One database transaction per update; the inbox row is marked done inside it."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy import update

from bot.context import AppContext
from bot.db.models import InboxUpdate
from bot.org import service as org


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.ctx.pool() as session, session.begin():
            data["session"] = session
            data["ctx"] = self.ctx
            data["now"] = self.ctx.clock.now()
            user: User | None = data.get("event_from_user")
            if user is not None and not user.is_bot:
                data["person"] = await org.upsert_person(
                    session, tg_id=user.id, username=user.username, name=user.full_name
                )
            result = await handler(event, data)
            inbox_id = data.get("inbox_update_id")
            if inbox_id is not None:
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id == inbox_id)
                    .values(status="done", done_at=self.ctx.clock.now())
                )
        self.ctx.outbox_event.set()
        return result
