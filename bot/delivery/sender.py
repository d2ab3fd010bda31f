"""Delivers the outbox: paced, retried, and never forgetting a message."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, methods
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import OutboxMessage, Person
from bot.db.session import reading, transaction
from bot.delivery.outbox import ON_SENT, resolve_payload
from bot.delivery.pacer import Pacer
from bot.ui import Upload

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
RETRY_BASE = 1.0  # seconds before the first retry after a server/network error
MAX_RETRY_DELAY = 600.0
METHODS: dict[str, type[TelegramMethod[Any]]] = {
    cls.__api_method__: cls
    for cls in vars(methods).values()
    if isinstance(cls, type) and issubclass(cls, TelegramMethod) and hasattr(cls, "__api_method__")
}


async def build_method(session: AsyncSession, row: OutboxMessage) -> TelegramMethod[Any]:
    payload = _uploads(await resolve_payload(session, row.payload))
    return METHODS[row.method](chat_id=row.chat_id, **payload)


def _uploads(value: Any) -> Any:
    """Files made by resolvers (bot.ui.Upload) become multipart uploads."""
    if isinstance(value, Upload):
        return BufferedInputFile(value.data, filename=value.filename)
    if isinstance(value, dict):
        return {k: _uploads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_uploads(v) for v in value]
    return value


def _plain(result: Any) -> Any:
    if isinstance(result, list):
        return [_plain(item) for item in result]
    if hasattr(result, "model_dump"):
        return result.model_dump(mode="json", exclude_none=True)
    return result


class Sender:
    def __init__(self, ctx: AppContext, bot: Bot, pacer: Pacer | None = None,
                 retry_base: float = RETRY_BASE) -> None:
        s = ctx.settings
        self.ctx = ctx
        self.bot = bot
        self.retry_base = retry_base  # seconds; a server error's retry doubles it each attempt
        self.pacer = pacer or Pacer(s.per_chat_interval, s.group_per_minute, s.global_per_second)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the message in flight, then leave run(): nothing half-recorded."""
        self._stopping.set()
        self.ctx.outbox_event.set()

    async def run(self) -> None:
        """Loop until stop(); wakes when a commit queued messages, else every second."""
        self._stopping.clear()
        while not self._stopping.is_set():
            try:
                wait = await self.send_due()
            except Exception:
                log.exception("outbox pass failed")
                wait = 5.0
            self.ctx.outbox_event.clear()
            if self._stopping.is_set():  # stop() came during the pass: its wake-up was cleared
                break
            try:
                await asyncio.wait_for(self.ctx.outbox_event.wait(), timeout=min(wait, 1.0))
            except TimeoutError:
                pass

    async def flush(self, timeout: float = 30.0) -> int:
        """Send everything due within `timeout` seconds (waiting out pacing and
        retry delays); returns how many such messages are still unsent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._stopping.clear()  # an explicit flush (at shutdown too) sends
        while True:
            wait = await self.send_due()
            horizon = self.ctx.clock.now() + timedelta(seconds=max(deadline - loop.time(), 0))
            left = await self.pending_count(until=horizon)
            if not left or loop.time() >= deadline:
                return left
            await asyncio.sleep(min(max(wait, 0.02), 0.2, max(deadline - loop.time(), 0)))

    async def pending_count(self, until: datetime | None = None) -> int:
        async with reading(self.ctx.pool) as session:
            return await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.not_before <= (until or self.ctx.clock.now()),
                )
            ) or 0

    async def send_due(self, batch: int = 500) -> float:
        """One pass over due rows; returns seconds until the pacer allows more."""
        async with reading(self.ctx.pool) as session:
            rows = list(
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status == "pending")
                    .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
                    .limit(batch)
                )
            )
        busy: set[int] = set()  # chats whose earlier message is still waiting
        next_wait = 1.0
        now = self.ctx.clock.now()
        for row in rows:
            if self._stopping.is_set():
                break
            if row.chat_id in busy:
                continue
            if row.not_before > now:  # retrying later or quiet hours: keep chat order
                busy.add(row.chat_id)
                continue
            wait = self.pacer.wait_time(row.chat_id)
            if wait > 0:
                busy.add(row.chat_id)
                next_wait = min(next_wait, wait)
                continue
            if not await self._deliver(row):
                busy.add(row.chat_id)
        return next_wait if busy else 0.0 if rows else 1.0

    async def _deliver(self, row: OutboxMessage) -> bool:
        self.pacer.record(row.chat_id)
        try:
            async with self.ctx.pool() as session:
                method = await build_method(session, row)
        except Exception as exc:  # a payload that cannot be built will never send
            await self._dead(row, f"bad payload: {exc!r}", blocked=False)
            return True
        try:
            result = await self.bot(method)
        except TelegramRetryAfter as exc:
            self.pacer.block(exc.retry_after, row.chat_id)
            await self._retry(row, f"429 retry after {exc.retry_after}s", exc.retry_after, False)
            return False
        except (TelegramServerError, TelegramNetworkError) as exc:
            delay = min(self.retry_base * 2 ** row.attempts, MAX_RETRY_DELAY)
            await self._retry(row, str(exc), delay, True)
            return False
        except (TelegramForbiddenError, TelegramNotFound, TelegramUnauthorizedError) as exc:
            await self._dead(row, str(exc), blocked=isinstance(exc, TelegramForbiddenError))
            return True
        except TelegramBadRequest as exc:
            await self._dead(row, str(exc), blocked=False)
            return True
        await self._sent(row, _plain(result))
        return True

    async def _sent(self, row: OutboxMessage, result: Any) -> None:
        async with transaction(self.ctx.pool) as session:
            fresh = await session.get(OutboxMessage, row.id)
            assert fresh is not None
            fresh.status, fresh.sent_at, fresh.result = "sent", self.ctx.clock.now(), result
            fresh.attempts += 1
            if fresh.on_sent:
                await ON_SENT[fresh.on_sent](session, fresh, result)

    async def _retry(self, row: OutboxMessage, error: str, delay: float, counts: bool) -> None:
        async with transaction(self.ctx.pool) as session:
            fresh = await session.get(OutboxMessage, row.id)
            assert fresh is not None
            fresh.attempts += 1
            fresh.last_error = error[:500]
            fresh.not_before = self.ctx.clock.now() + timedelta(seconds=delay)
            if counts and fresh.attempts >= MAX_ATTEMPTS:
                fresh.status = "dead"
                log.error("outbox %s gave up after %s attempts: %s", row.id, fresh.attempts, error)

    async def _dead(self, row: OutboxMessage, error: str, blocked: bool) -> None:
        """Telegram refused for good (blocked, chat not found...): keep it, stop retrying."""
        log.warning("outbox %s refused by Telegram: %s", row.id, error)
        async with transaction(self.ctx.pool) as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(status="dead", last_error=error[:500], attempts=OutboxMessage.attempts + 1)
            )
            if blocked and row.chat_id > 0:
                await session.execute(
                    update(Person).where(Person.tg_id == row.chat_id).values(blocked_bot=True)
                )
