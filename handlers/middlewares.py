"""One database transaction per update; the inbox row is marked done inside it.

Answers that report an action (callback answers, and whatever a handler registers
with `after_commit`) are sent after the transaction commits: a late answer that
Telegram refuses ("query is too old") is logged and never undoes what the user did."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.types import TelegramObject, User
from sqlalchemy import update

from bot.context import AppContext
from bot.db.models import InboxUpdate
from bot.org import service as org

log = logging.getLogger(__name__)
ANSWER_TIMEOUT = 10.0  # seconds: a callback answer later than this is useless anyway
AfterCommit = Callable[[], Awaitable[Any]]



@dataclass
class _Pending:
    """While an update's transaction is open: the calls to make once it has committed."""

    user_id: int | None
    calls: list[AfterCommit] = field(default_factory=list)


_after_commit: ContextVar[_Pending | None] = ContextVar("after_commit", default=None)


def after_commit(call: AfterCommit) -> None:
    """Run `call()` after the update's transaction commits (not at all if it rolls
    back); failures are logged, never raised. Outside an update: runs it soon.

        after_commit(lambda: message.answer(T.DONE))
    """
    pending = _after_commit.get()
    if pending is None:
        asyncio.get_running_loop().create_task(_run_quietly(call, None))
    else:
        pending.calls.append(call)


class AnswersAfterCommit(BaseRequestMiddleware):
    """Bot request middleware: inside an update's transaction, answerCallbackQuery is
    not sent but queued until after the commit (and answered True to the handler)."""

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:
        pending = _after_commit.get()
        if pending is None or not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        user_id = pending.user_id
        pending.calls.append(lambda: _answer(bot, method, user_id))
        return Response[bool](ok=True, result=True)


async def _answer(bot: Bot, method: AnswerCallbackQuery, user_id: int | None) -> None:
    try:
        await asyncio.wait_for(bot(method), timeout=ANSWER_TIMEOUT)
    except TelegramBadRequest as exc:  # too old / already answered: not retried
        log.info("callback answer refused (%s); the action stands", exc.message)
        if method.text and user_id is not None:  # the answer said something: say it
            try:
                await bot.send_message(user_id, method.text, parse_mode=None)
            except Exception as exc2:
                log.info("could not tell user %s by message: %s", user_id, exc2)


async def _run_quietly(call: AfterCommit, update_id: int | None) -> None:
    try:
        await call()
    except Exception as exc:
        log.warning("answer after update %s failed: %s", update_id, exc)


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        pending = _Pending(sender.id if sender is not None else None)
        token = _after_commit.set(pending)
        try:
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
        finally:
            _after_commit.reset(token)  # rolled back: the queued answers are dropped
        marked = data.get("inbox_marked")
        if inbox_id is not None and isinstance(marked, list):
            marked.append(inbox_id)  # committed: the inbox need not mark it again
        self.ctx.outbox_event.set()
        for call in pending.calls:
            await _run_quietly(call, data.get("inbox_update_id"))
        return result
