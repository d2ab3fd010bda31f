"""Updates are stored before they are confirmed to Telegram and handled from here,
so a crash loses none and a redelivery changes nothing twice."""
from __future__ import annotations

import asyncio
import bisect
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
from bot.delivery.hostile import without_nul
from bot.errors import NotYet
from bot.privacy.logs import describe_error, shape, traceback_of

log = logging.getLogger(__name__)
INBOX = InboxUpdate.__table__  # Core updates: no ORM bulk-update machinery per update
SCAN_EVERY = 1.0  # seconds between looks at the database for updates stored elsewhere
SCAN_LIMIT = 500
MAX_ATTEMPTS = 5  # for transient database errors only; a defect fails at once
RETRY_BASE = 0.2  # seconds; doubled each attempt (0.2, 0.4, 0.8, 1.6)


def is_transient(exc: BaseException) -> bool:
    """A database error worth retrying (a lock, a serialization conflict, a dropped
    connection, or a unique key another update of the same new person or thing took
    first — the retry finds its row), or an update ahead of what it needs (NotYet);
    anything else is a defect: retrying would only repeat its replies."""
    if isinstance(exc, (OperationalError, InterfaceError, IntegrityError, TimeoutError,
                        ConnectionError, NotYet)):
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


def _by_id(payloads: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for payload in payloads:
        update_id = payload.get("update_id")
        if not isinstance(update_id, int):
            log.warning("update without update_id ignored: %s", shape(payload))
            continue
        rows.setdefault(update_id, payload)
    return rows


class Inbox:
    """Updates flow through as a stream: what store() commits is queued in memory
    (per chat, in update order) and started as soon as its chat is free, up to
    `workers` at once; the database is read only for updates this process did not
    store (left from before a restart, stored by another replica) or to wait for."""

    def __init__(self, ctx: AppContext, dp: Dispatcher, bot: Bot) -> None:
        self.ctx, self.dp, self.bot = ctx, dp, bot
        self.event = asyncio.Event()
        self._in_flight: set[str] = set()
        self._queues: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # chat key -> pending
        self._known: set[int] = set()  # update ids queued or in flight here
        self._tasks: set[asyncio.Task[None]] = set()
        self._retry_at: dict[int, float] = {}  # update id -> loop time of its next try
        self._scan_due = 0.0  # loop time of the next look at the database (0: at once)
        # Recently finished here: a scan whose read began before one finished must not
        # queue it again (its status was still pending in that read).
        self._finished: dict[int, None] = {}

    @property
    def busy(self) -> bool:
        """Updates queued or being handled here (their answers included)."""
        return bool(self._tasks or any(self._queues.values()))

    async def store(self, payloads: list[dict[str, Any]]) -> int:
        """Durably record updates (duplicates ignored); returns how many were new.
        A batch is one transaction; if a concurrent delivery stored one of them
        first, the batch is stored again one update at a time. Once committed, the
        new ones are queued for handling."""
        fresh: list[InboxUpdate] = []
        payloads = [without_nul(payload) for payload in payloads]  # PostgreSQL refuses NUL
        if len(payloads) > 1:
            try:
                fresh = await self._store_batch(payloads)
            except IntegrityError:
                fresh = await self._store_each(payloads)
        else:
            fresh = await self._store_each(payloads)
        for row in fresh:
            self._enqueue(row.update_id, row.chat_key, row.payload)
        if fresh:
            self.event.set()
        return len(fresh)

    async def _store_each(self, payloads: list[dict[str, Any]]) -> list[InboxUpdate]:
        fresh = []
        for update_id, payload in _by_id(payloads).items():
            try:
                async with transaction(self.ctx.pool) as session:
                    if await session.get(InboxUpdate, update_id) is None:
                        row = InboxUpdate(update_id=update_id, payload=payload,
                                          chat_key=chat_key(payload))
                        session.add(row)
                        fresh.append(row)
            except IntegrityError:  # a concurrent delivery stored it first
                fresh = [r for r in fresh if r.update_id != update_id]
        return fresh

    async def _store_batch(self, payloads: list[dict[str, Any]]) -> list[InboxUpdate]:
        rows = _by_id(payloads)
        if not rows:
            return []
        async with transaction(self.ctx.pool) as session:
            known = set(await session.scalars(
                select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(list(rows)))
            ))
            fresh = [InboxUpdate(update_id=uid, payload=payload, chat_key=chat_key(payload))
                     for uid, payload in rows.items() if uid not in known]
            session.add_all(fresh)
        return fresh

    def _enqueue(self, update_id: int, key: str, payload: dict[str, Any]) -> None:
        if update_id in self._known or update_id in self._finished:
            return
        self._known.add(update_id)
        queue = self._queues.setdefault(key, [])
        if queue and queue[-1][0] > update_id:  # out of order (a scan, a retry): sort
            bisect.insort(queue, (update_id, payload), key=lambda item: item[0])
        else:
            queue.append((update_id, payload))

    async def run(self) -> None:
        """Handle pending updates forever (and those left from before a restart)."""
        loop = asyncio.get_running_loop()
        while True:
            self.event.clear()  # before looking: a wake-up from now on is kept
            if loop.time() >= self._scan_due:
                await self._scan()
                self._scan_due = loop.time() + SCAN_EVERY
            self._start_ready()
            wait = max(self._scan_due - loop.time(), 0.01)
            if self._retry_at:
                soonest = min(self._retry_at.values()) - loop.time()
                wait = min(wait, max(soonest, 0.01))
            try:
                await asyncio.wait_for(self.event.wait(), timeout=wait)
            except TimeoutError:
                pass

    async def drain(self) -> None:
        """Handle every pending update (but those waiting for a retry) and wait for
        them all."""
        await self._scan()
        while True:
            self._start_ready()
            if not self._tasks:
                return
            await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)

    async def _scan(self) -> None:
        """Queue pending updates of the database that this process does not know."""
        async with reading(self.ctx.pool) as session:
            ids = [uid for uid in await session.scalars(
                select(InboxUpdate.update_id).where(InboxUpdate.status == "pending")
                .order_by(InboxUpdate.update_id).limit(SCAN_LIMIT))
                if uid not in self._known and uid not in self._finished]
            if not ids:
                return
            rows = list(await session.execute(
                select(InboxUpdate.update_id, InboxUpdate.chat_key, InboxUpdate.payload)
                .where(InboxUpdate.update_id.in_(ids), InboxUpdate.status == "pending")))
        for update_id, key, payload in sorted(rows, key=lambda r: r[0]):
            self._enqueue(update_id, key, payload)

    def _start_ready(self) -> None:
        """Start the head update of the free chats, oldest first, up to `workers` at
        once (a chat with a long backlog does not hold back the others)."""
        room = self.ctx.settings.workers - len(self._tasks)
        if room <= 0:
            return
        now = asyncio.get_running_loop().time()
        ready = []
        for key, queue in list(self._queues.items()):
            if not queue:
                del self._queues[key]
            elif key not in self._in_flight and self._retry_at.get(queue[0][0], 0.0) <= now:
                ready.append((queue[0][0], key))  # (a chat waiting for a retry waits)
        for _, key in sorted(ready)[:room]:
            update_id, payload = self._queues[key].pop(0)
            self._in_flight.add(key)
            task = asyncio.create_task(self._handle(update_id, key, payload))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.event.set()  # its chat is free, a worker too

    def _forget_later(self, update_id: int) -> None:
        self._finished[update_id] = None
        while len(self._finished) > 10_000:  # far more than one read can return
            del self._finished[next(iter(self._finished))]

    async def _handle(self, update_id: int, key: str, payload: dict[str, Any]) -> None:
        handled = False
        try:
            await self._handle_once(update_id, payload)
            handled = True
        finally:  # cancelled (a stop): still pending, the next run's scan finds it
            self._known.discard(update_id)
            if handled and update_id in self._retry_at:  # back at the head of its chat
                self._enqueue(update_id, key, payload)
            elif handled:  # done or failed for good
                self._forget_later(update_id)
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
                log.error("update %s failed: %s\n%s", update_id, describe_error(exc),
                          traceback_of(exc))
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
            stmt = update(INBOX).where(INBOX.c.update_id == update_id)
            if only_pending:
                stmt = stmt.where(INBOX.c.status == "pending")
            await session.execute(stmt.values(status=status, error=error,
                                              done_at=self.ctx.clock.now()))


async def mark_failed(ctx: AppContext, update_id: int, error: str) -> None:
    """Record an update whose handling hit a defect: it is not retried."""
    async with transaction(ctx.pool) as session:
        await session.execute(
            update(InboxUpdate).where(InboxUpdate.update_id == update_id)
            .values(status="failed", error=error[:500], done_at=ctx.clock.now())
        )
