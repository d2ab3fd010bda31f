"""Updates are stored before they are confirmed to Telegram and handled from here,
so a crash loses none and a redelivery changes nothing twice."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from bot import texts as T
from bot.context import AppContext
from bot.db.models import InboxUpdate
from bot.db.session import reading, transaction
from bot.privacy.logs import describe_error, shape

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # for transient database errors only; a defect fails at once
RETRY_BASE = 0.2  # seconds; doubled each attempt (0.2, 0.4, 0.8, 1.6)


def is_transient(exc: BaseException) -> bool:
    """A database error worth retrying (a lock, a serialization conflict, a dropped
    connection, or a unique key another update of the same new person or thing took
    first — the retry finds its row); anything else is a defect: retrying would only
    repeat its replies."""
    if isinstance(exc, (OperationalError, InterfaceError, IntegrityError, TimeoutError,
                        ConnectionError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def chat_key(payload: dict[str, Any]) -> str:
    """Updates of one chat are handled in order; different chats in parallel."""
    try:
        return _chat_key(payload)
    except (KeyError, TypeError, AttributeError):
        return "other"  # malformed: validation will reject it


def _chat_key(payload: dict[str, Any]) -> str:
    for key in ("message", "edited_message", "my_chat_member", "chat_member"):
        if key in payload:
            return f"c{payload[key]['chat']['id']}"
    if "callback_query" in payload:
        return f"u{payload['callback_query']['from']['id']}"
    if "poll_answer" in payload:
        return f"p{payload['poll_answer'].get('poll_id', '')}"
    if "poll" in payload:
        return f"p{payload['poll']['id']}"
    return "other"


class Inbox:
    def __init__(self, ctx: AppContext, dp: Dispatcher, bot: Bot) -> None:
        self.ctx, self.dp, self.bot = ctx, dp, bot
        self.event = asyncio.Event()
        self._in_flight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._retry_at: dict[int, float] = {}  # update id -> loop time of its next try
        # Recently finished here: a drain whose read began before one finished (stop()
        # drains while run() does) must not hand it out again; its payload came with
        # that read, so no fresh status check would catch it.
        self._finished: dict[int, None] = {}

    async def store(self, payloads: list[dict[str, Any]]) -> int:
        """Durably record updates (duplicates ignored); returns how many were new.
        A batch is one transaction; if a concurrent delivery stored one of them
        first, the batch is stored again one update at a time."""
        if len(payloads) > 1:
            try:
                new = await self._store_batch(payloads)
            except IntegrityError:
                pass
            else:
                if new:
                    self.event.set()
                return new
        new = 0
        for payload in payloads:
            update_id = payload.get("update_id")
            if not isinstance(update_id, int):
                log.warning("update without update_id ignored: %s", shape(payload))
                continue
            try:
                async with transaction(self.ctx.pool) as session:
                    if await session.get(InboxUpdate, update_id) is None:
                        session.add(InboxUpdate(update_id=update_id, payload=payload,
                                                chat_key=chat_key(payload)))
                        new += 1
            except IntegrityError:  # a concurrent delivery stored it first
                continue
        if new:
            self.event.set()
        return new

    async def _store_batch(self, payloads: list[dict[str, Any]]) -> int:
        rows: dict[int, dict[str, Any]] = {}
        for payload in payloads:
            update_id = payload.get("update_id")
            if not isinstance(update_id, int):
                log.warning("update without update_id ignored: %s", shape(payload))
                continue
            rows.setdefault(update_id, payload)
        if not rows:
            return 0
        async with transaction(self.ctx.pool) as session:
            known = set(await session.scalars(
                select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(list(rows)))
            ))
            fresh = [InboxUpdate(update_id=uid, payload=payload, chat_key=chat_key(payload))
                     for uid, payload in rows.items() if uid not in known]
            session.add_all(fresh)
        return len(fresh)

    async def run(self) -> None:
        """Handle pending updates forever (and those left from before a restart)."""
        while True:
            await self.drain()
            self.event.clear()
            wait = 2.0
            if self._retry_at:
                soonest = min(self._retry_at.values()) - asyncio.get_running_loop().time()
                wait = min(wait, max(soonest, 0.01))
            try:
                await asyncio.wait_for(self.event.wait(), timeout=wait)
            except TimeoutError:
                pass

    async def drain(self) -> None:
        """Start handling every pending update whose chat is free; wait for them all."""
        while True:
            async with reading(self.ctx.pool) as session:
                rows = list(
                    await session.execute(
                        select(InboxUpdate.update_id, InboxUpdate.chat_key,
                               InboxUpdate.payload)
                        .where(InboxUpdate.status == "pending")
                        .order_by(InboxUpdate.update_id)
                        .limit(500)
                    )
                )
            started = []
            blocked: set[str] = set()
            now = asyncio.get_running_loop().time()
            for update_id, key, payload in rows:
                if update_id in self._finished:
                    continue  # handled since this read began
                if key in self._in_flight or key in blocked:
                    blocked.add(key)  # keep per-chat order
                    continue
                if self._retry_at.get(update_id, 0.0) > now:
                    blocked.add(key)  # waits for its retry; other chats go on
                    continue
                if len(started) >= self.ctx.settings.workers:
                    break
                self._in_flight.add(key)
                started.append(asyncio.create_task(self._handle(update_id, key, payload)))
            if not started:
                return
            await asyncio.gather(*started)

    def _forget_later(self, update_id: int) -> None:
        self._finished[update_id] = None
        while len(self._finished) > 10_000:  # far more than one read can return
            del self._finished[next(iter(self._finished))]

    async def _handle(self, update_id: int, key: str, payload: dict[str, Any]) -> None:
        try:
            await self._handle_once(update_id, payload)
            if update_id not in self._retry_at:  # done or failed for good
                self._forget_later(update_id)
        finally:
            self._in_flight.discard(key)

    async def _handle_once(self, update_id: int, payload: dict[str, Any]) -> None:
        try:
            event = Update.model_validate(payload, context={"bot": self.bot})
        except Exception as exc:
            log.warning("malformed update %s: %s", update_id, describe_error(exc))
            await self._finish(update_id, "failed", f"malformed: {describe_error(exc)}"[:500])
            return
        marked: list[int] = []  # the session middleware notes its commit here
        try:
            await self.dp.feed_update(self.bot, event, inbox_update_id=update_id,
                                      inbox_marked=marked)
        except Exception as exc:
            if is_transient(exc):
                log.warning("update %s: transient database error (%s); will retry",
                            update_id, describe_error(exc))
            else:
                log.exception("update %s failed", update_id)
            await self._failed(update_id, exc, payload)
            return
        # Usually the session middleware marked it done in the update's transaction
        # (and said so); if not (no transaction, rolled back, refused, failed), mark
        # it here, unless it failed meanwhile.
        if not marked:
            await self._finish(update_id, "done", None, only_pending=True)
        self._retry_at.pop(update_id, None)

    async def _failed(self, update_id: int, exc: Exception, payload: dict[str, Any]) -> None:
        """A transient database error is retried later (without blocking other chats);
        anything else fails the update once, at once."""
        transient = is_transient(exc)
        async with transaction(self.ctx.pool) as session:
            row = await session.get(InboxUpdate, update_id)
            if row is None:
                return
            row.attempts += 1
            row.error = repr(exc)[:500]
            attempts = row.attempts
            if not transient or attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                row.done_at = self.ctx.clock.now()
        if transient and attempts < MAX_ATTEMPTS:
            # Stays pending; the pause lets a transient cause pass (a lock, a poll
            # whose sendPoll result is not recorded yet) before the next pass.
            delay = RETRY_BASE * 2 ** (attempts - 1)
            self._retry_at[update_id] = asyncio.get_running_loop().time() + delay
            return
        self._retry_at.pop(update_id, None)
        chat = (payload.get("message") or {}).get("chat") or {}
        if chat.get("type") == "private":
            try:
                await self.bot.send_message(chat["id"], T.INTERNAL_ERROR)
            except Exception:
                log.exception("could not apologise for update %s", update_id)

    async def _finish(
        self, update_id: int, status: str, error: str | None, only_pending: bool = False
    ) -> None:
        async with transaction(self.ctx.pool) as session:
            stmt = update(InboxUpdate).where(InboxUpdate.update_id == update_id)
            if only_pending:
                stmt = stmt.where(InboxUpdate.status == "pending")
            await session.execute(stmt.values(status=status, error=error,
                                              done_at=self.ctx.clock.now()))


async def mark_failed(ctx: AppContext, update_id: int, error: str) -> None:
    """Record an update whose handling hit a defect: it is not retried."""
    async with transaction(ctx.pool) as session:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == update_id)
            .values(status="failed", error=error[:500], done_at=ctx.clock.now())
        )
