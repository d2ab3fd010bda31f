"""Delivers the outbox: paced, retried, and never forgetting a message.

Many chats are in flight at once, each chat strictly in order (one message at a time,
its head of line): a call that hangs holds only its own chat. A row is claimed before
it is sent (`claimed_by`/`claimed_until`, taken with FOR UPDATE SKIP LOCKED on
PostgreSQL and a compare-and-set update everywhere), so two replicas never send the
same row. Every error is classified (bot.delivery.resilience) and none ends a pass."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, methods
from aiogram.exceptions import TelegramMigrateToChat, TelegramRetryAfter
from aiogram.methods.base import TelegramMethod
from aiogram.types import BufferedInputFile
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.base import Base
from bot.db.models import OutboxMessage, Person
from bot.db.session import is_sqlite, reading, transaction
from bot.delivery import lease
from bot.delivery.outbox import ON_SENT, has_deferred, resolve_payload
from bot.delivery.pacer import Limits, build_pacer
from bot.delivery.resilience import AUTH, BLOCKED, FLOOD, MIGRATE, REFUSED, brief, classify
from bot.ui import Upload

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
RETRY_BASE = 1.0  # seconds before the first retry after a server/network error
MAX_RETRY_DELAY = 600.0
MAX_IN_FLIGHT = 32  # messages being sent at once (each to a different chat)
SEND_TIMEOUT = 60.0  # seconds before a call that hangs is given up (and retried)
CLAIM_SECONDS = 90.0  # a claim outlives any call: another replica never sends it meanwhile
COALESCE = 0.005  # seconds after a wake-up before the pass: a burst of commits shares it
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
    def __init__(self, ctx: AppContext, bot: Bot, pacer: Limits | None = None,
                 retry_base: float = RETRY_BASE, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        s = ctx.settings
        self.ctx = ctx
        self.bot = bot
        self.retry_base = retry_base  # seconds; a server error's retry doubles it each attempt
        self.pacer = pacer or build_pacer(s)
        self.max_in_flight = max_in_flight
        self.instance = lease.instance_id()
        self._stopping = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # chat id -> its one send
        self._pass_failing = False
        self._sqlite = is_sqlite(str(ctx.pool.kw["bind"].url))
        # sends finished, waiting to be recorded: (row, Telegram's result, its waiter)
        self._marks: list[tuple[OutboxMessage, Any, asyncio.Future[None]]] = []
        self._marking: asyncio.Task[None] | None = None

    def stop(self) -> None:
        """Finish the messages in flight, then leave run(): nothing half-recorded."""
        self._stopping.set()
        self.ctx.outbox_event.set()

    async def run(self) -> None:
        """Loop until stop(); wakes when a commit queued messages or a send finished,
        else every second. A wake-up waits COALESCE seconds first, so that the commits
        of a burst of updates share one pass (one due-rows query) instead of one each."""
        self._stopping.clear()
        while not self._stopping.is_set():
            self.ctx.outbox_event.clear()  # a wake-up during the pass is kept for the next
            try:
                wait = await self.start_due()
                if self._pass_failing:
                    log.warning("outbox passes work again")
                    self._pass_failing = False
            except Exception:  # the database away: log once, try again
                if not self._pass_failing:
                    log.exception("outbox pass failed")
                    self._pass_failing = True
                wait = 5.0
            if self._stopping.is_set():
                break
            try:
                await asyncio.wait_for(self.ctx.outbox_event.wait(), timeout=min(wait, 1.0))
            except TimeoutError:
                continue
            if not self._stopping.is_set():
                await asyncio.sleep(COALESCE)
        await self.join()

    async def join(self, timeout: float | None = None) -> None:
        """Wait for the sends in flight (at most `timeout` seconds)."""
        tasks = set(self._in_flight.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def flush(self, timeout: float = 30.0) -> int:
        """Send everything due within `timeout` seconds (waiting out pacing and
        retry delays); returns how many such messages are still unsent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._stopping.clear()  # an explicit flush (at shutdown too) sends
        while True:
            wait = await self.start_due()
            await self.join(timeout=min(max(wait, 0.02), 0.2, max(deadline - loop.time(), 0)))
            horizon = self.ctx.clock.now() + timedelta(seconds=max(deadline - loop.time(), 0))
            left = await self.pending_count(until=horizon)
            if not left or loop.time() >= deadline:
                return left
            if not self._in_flight:
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
        """One pass, waiting for what it started; returns seconds until the pacer
        allows more."""
        wait = await self.start_due(batch)
        await self.join()
        return wait

    async def release_claims_of_dead_runs(self) -> int:
        """SQLite serves one process at a time, so a claim still standing at start-up
        belongs to a run that died (kill -9): free it now rather than letting that chat
        wait out the lease. With PostgreSQL, replicas' claims simply expire."""
        if not is_sqlite(str(self.ctx.pool.kw["bind"].url)):
            return 0
        async with transaction(self.ctx.pool) as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.claimed_until.is_not(None))
                .values(claimed_by=None, claimed_until=None))
        return result.rowcount or 0

    async def start_due(self, batch: int = 500) -> float:
        """Claim the head of every free chat that is due and start sending each;
        returns seconds until the pacer allows more (1.0: nothing is waiting)."""
        now, wall = self.ctx.clock.now(), lease.wall()
        async with reading(self.ctx.pool) as session:
            rows = list(await session.execute(
                select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.not_before,
                       OutboxMessage.claimed_until)
                .where(OutboxMessage.status == "pending")
                .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
                .limit(batch)
            ))
        seen: set[int] = set(self._in_flight)  # chats with a message in flight here
        candidates: dict[int, int] = {}  # chat id -> its head row, in order
        room = self.max_in_flight - len(self._in_flight)
        for row_id, chat_id, not_before, claimed_until in rows:
            if self._stopping.is_set():
                break
            if chat_id in seen:  # one message per chat at a time, in order
                continue
            seen.add(chat_id)
            if claimed_until is not None and claimed_until > wall:
                continue  # another replica is sending this chat's head
            if not_before > now:  # retrying later or quiet hours: keep chat order
                continue
            candidates[chat_id] = row_id
        # Reserve their places under the limits now (shared by replicas with Redis).
        granted, next_wait = await self.pacer.take(list(candidates), limit=room)
        heads = [candidates[chat_id] for chat_id in granted]
        if len(heads) >= room:
            next_wait = min(next_wait, 0.05)
        for row in await self._claim(heads, wall):
            task = asyncio.create_task(self._send(row), name=f"send:{row.chat_id}")
            self._in_flight[row.chat_id] = task
            task.add_done_callback(lambda _t, chat=row.chat_id: self._done(chat))
        return next_wait

    def _done(self, chat_id: int) -> None:
        self._in_flight.pop(chat_id, None)
        self.ctx.outbox_event.set()  # the chat is free: its next message may go

    async def _claim(self, ids: list[int], wall: datetime) -> list[OutboxMessage]:
        """Claim rows for this process: locked rows (another replica claiming them right
        now) are skipped, a row claimed meanwhile is not taken (compare and set)."""
        if not ids:
            return []
        free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= wall)
        async with transaction(self.ctx.pool) as session:
            if not self._sqlite:  # SQLite: one writer at a time, no row locks to skip
                ids = list(await session.scalars(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending", free)
                    .with_for_update(skip_locked=True)
                ))
                if not ids:
                    return []
            rows = list(await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending", free)
                .values(claimed_by=self.instance,
                        claimed_until=wall + timedelta(seconds=CLAIM_SECONDS))
                .returning(OutboxMessage)
                .execution_options(populate_existing=True, synchronize_session=False)
            ))
            session.expunge_all()
        return sorted(rows, key=lambda row: (-row.priority, row.id))

    async def _send(self, row: OutboxMessage) -> None:
        """Deliver one claimed row; whatever happens is recorded, nothing escapes."""
        try:
            await self._deliver(row)
        except Exception as exc:  # the database failed while recording: the claim lapses
            log.warning("outbox %s: could not record the result (%s); claim will lapse",
                        row.id, brief(exc))

    async def _deliver(self, row: OutboxMessage) -> bool:
        try:
            if has_deferred(row.payload):  # read-only: a chart drawn here holds no lock
                async with reading(self.ctx.pool) as session:
                    method = await build_method(session, row)
            else:
                method = METHODS[row.method](chat_id=row.chat_id, **row.payload)
        except Exception as exc:  # a payload that cannot be built will never send
            await self._dead(row, f"bad payload: {exc!r}", blocked=False)
            return True
        try:
            result = await asyncio.wait_for(self.bot(method), timeout=SEND_TIMEOUT)
        except Exception as exc:  # every answer is classified; none escapes
            return await self._failed(row, exc)
        await self._sent(row, _plain(result))
        return True

    async def _failed(self, row: OutboxMessage, exc: Exception) -> bool:
        kind = classify(exc)
        if kind == FLOOD:
            assert isinstance(exc, TelegramRetryAfter)
            await self.pacer.hold(exc.retry_after, row.chat_id)
            await self._retry(row, f"429 retry after {exc.retry_after}s", exc.retry_after, False)
            return False
        if kind == MIGRATE:
            assert isinstance(exc, TelegramMigrateToChat)
            await migrate_chat(self.ctx, row.chat_id, exc.migrate_to_chat_id)
            self.ctx.outbox_event.set()  # resent to the new id on the next pass
            return False
        if kind in (REFUSED, BLOCKED):
            await self._dead(row, str(exc), blocked=kind == BLOCKED)
            return True
        if kind == AUTH:  # the token was revoked: keep the message, retry slowly
            await self._retry(row, brief(exc), MAX_RETRY_DELAY, False)
            return False
        delay = min(self.retry_base * 2 ** row.attempts, MAX_RETRY_DELAY)
        await self._retry(row, brief(exc), delay, True)
        return False

    async def _sent(self, row: OutboxMessage, result: Any) -> None:
        """Returns once the row is recorded as sent: the sends that finish while one
        batch is being recorded are recorded together, in the next transaction."""
        done = asyncio.get_running_loop().create_future()
        self._marks.append((row, result, done))
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._record_marks(), name="outbox-marks")
        await done

    async def _record_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                await self._record_sent([(row, result) for row, result, _ in batch])
            except Exception as exc:
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _record_sent(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        now = self.ctx.clock.now()
        async with transaction(self.ctx.pool) as session:
            await session.execute(update(OutboxMessage), [
                {"id": row.id, "status": "sent", "sent_at": now, "result": result,
                 "attempts": row.attempts + 1, "claimed_until": None}
                for row, result in batch])
            for row, result in batch:
                if not row.on_sent:
                    continue
                row.status, row.sent_at, row.result = "sent", now, result
                row.attempts, row.claimed_until = row.attempts + 1, None
                try:  # a failing hook must not unmark what was delivered (a resend)
                    async with session.begin_nested():
                        await ON_SENT[row.on_sent](session, row, result)
                except Exception:
                    log.exception("outbox %s: after-send hook %s failed", row.id, row.on_sent)

    async def _retry(self, row: OutboxMessage, error: str, delay: float, counts: bool) -> None:
        async with transaction(self.ctx.pool) as session:
            fresh = await session.get(OutboxMessage, row.id)
            assert fresh is not None
            fresh.attempts += 1
            fresh.last_error = error[:500]
            fresh.not_before = self.ctx.clock.now() + timedelta(seconds=delay)
            fresh.claimed_until = None
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
                .values(status="dead", last_error=error[:500], claimed_until=None,
                        attempts=OutboxMessage.attempts + 1)
            )
            if blocked and row.chat_id > 0:
                await session.execute(
                    update(Person).where(Person.tg_id == row.chat_id).values(blocked_bot=True)
                )


# Called in the migrating transaction, as hook(session, old, new): caches keyed by chat
# id forget both (registered at composition, e.g. the org's group → grid bindings).
ON_MIGRATE: list[Callable[[AsyncSession, int, int], None]] = []


# Where messages go (replaced on migration); not historical records of where something
# was said (cases.source_chat_id with its message id, votes, voices): those keep the old
# id, and a message id of the new supergroup never matches one of the old group.
MIGRATED_COLUMNS = ("outbox.chat_id", "group_chats.chat_id", "departments.chat_id",
                    "opinion_deliveries.chat_id", "opinion_members.chat_id")


def chat_id_columns() -> list[Any]:
    """The columns a migrated chat's new id replaces (group bindings, which projects'
    groups refer to by row, poll deliveries and members, departments, the outbox)."""
    return [column for table in Base.metadata.sorted_tables for column in table.columns
            if f"{table.name}.{column.name}" in MIGRATED_COLUMNS]


async def migrate_chat(ctx: AppContext, old: int, new: int) -> None:
    """A group became a supergroup: its new id replaces the old one everywhere, and
    pending messages to it are resent there (replies allowed without their original)."""
    log.warning("chat %s migrated to %s: updating every reference", old, new)
    async with transaction(ctx.pool) as session:
        for column in chat_id_columns():
            try:
                async with session.begin_nested():
                    await session.execute(
                        column.table.update().where(column == old).values({column.name: new}))
            except (IntegrityError, DBAPIError) as exc:  # the new id is known already,
                log.warning("chat %s → %s: %s.%s kept the old id: %s",  # or does not fit
                            old, new, column.table.name, column.name, brief(exc))
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == new, OutboxMessage.status == "pending"))
        for row in rows:
            reply = row.payload.get("reply_parameters")
            if isinstance(reply, dict) and not reply.get("allow_sending_without_reply"):
                row.payload = {**row.payload, "reply_parameters": {
                    **reply, "allow_sending_without_reply": True}}
            row.claimed_until = None
        for hook in ON_MIGRATE:
            hook(session, old, new)
