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
from bot.delivery import coalesce, lease
from bot.delivery.outbox import ON_SENT, has_deferred, resolve_payload
from bot.delivery.pacer import Limits, build_pacer
from bot.delivery.resilience import (
    AUTH,
    BLOCKED,
    FLOOD,
    MIGRATE,
    REFUSED,
    brief,
    classify,
    own_retries,
)
from bot.ui import Upload

log = logging.getLogger(__name__)
Parts = dict[int, dict[str, Any]]  # merged-message parts' new content by row id
RETRY_BASE = 1.0  # seconds before the first retry after a server/network error
# The retry delay doubles at most six times (64 s): a row that met a burst of errors must
# not keep its chat's queue waiting for many minutes once Telegram answers again.
BACKOFF_DOUBLINGS = 6
MAX_ATTEMPTS = 200  # at one try a minute, about three hours of Telegram trouble
MAX_RETRY_DELAY = 600.0  # a revoked token: retried every ten minutes
MAX_IN_FLIGHT = 32  # messages being sent at once (each to a different chat)
# A slow answer is an answer: giving up on a call that Telegram may still carry out and
# sending it again is how a message goes out twice (Telegram offers no idempotency key for
# sendMessage). So a call is waited for SEND_TIMEOUT seconds — past aiohttp's and
# aiogram's 60 s default — while it holds only its own chat; given up only then (retried).
SEND_TIMEOUT = 300.0
# A claim lasts CLAIM_SECONDS and is renewed every third of that while its call is in
# flight, so a live replica keeps its claim through a slow call and a dead one's claims
# lapse within CLAIM_SECONDS.
CLAIM_SECONDS = 90.0
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


async def _after_send(session: AsyncSession, hooked: list[tuple[OutboxMessage, Any]]) -> None:
    async with session.begin_nested():
        for row, result in hooked:
            await ON_SENT[row.on_sent](session, row, result)


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
        self._claimed: dict[int, list[int]] = {}  # chat id -> the rows of that send
        self._behind: set[int] = set()  # chats with more due rows, as the last pass read
        self._renewed = 0.0  # loop time of the last renewal of those claims
        self._pass_failing = False
        self._sqlite = is_sqlite(str(ctx.pool.kw["bind"].url))
        # sends finished, waiting to be recorded: (row, Telegram's result, its waiter,
        # the new content of merged-message parts it edited)
        self._marks: list[tuple[OutboxMessage, Any, asyncio.Future[None], Parts]] = []
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
        """Claim the head of every free chat that is due (with the mergeable rows right
        behind a mergeable head: one message, bot.delivery.coalesce) and start sending
        each; returns seconds until the pacer allows more (1.0: nothing is waiting)."""
        await self._renew_claims()
        now, wall = self.ctx.clock.now(), lease.wall()
        async with reading(self.ctx.pool) as session:
            rows = list(await session.execute(
                select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.not_before,
                       OutboxMessage.claimed_until, OutboxMessage.mergeable)
                .where(OutboxMessage.status == "pending")
                .order_by(OutboxMessage.priority.desc(), OutboxMessage.id)
                .limit(batch)
            ))
        seen: set[int] = set(self._in_flight)  # chats with a message in flight here
        candidates: dict[int, list[int]] = {}  # chat id -> its head row (and followers)
        growing: set[int] = set()  # chats whose head may take the next rows along
        behind: set[int] = set()
        room = self.max_in_flight - len(self._in_flight)
        for row_id, chat_id, not_before, claimed_until, mergeable in rows:
            if self._stopping.is_set():
                break
            free = claimed_until is None or claimed_until <= wall
            if chat_id in growing:  # only the rows right behind the head, all mergeable
                chain = candidates[chat_id]
                if mergeable and free and not_before <= now and len(chain) < coalesce.MAX_PARTS:
                    chain.append(row_id)
                else:
                    growing.discard(chat_id)
                    behind.add(chat_id)
                continue
            if chat_id in seen:  # one message per chat at a time, in order
                behind.add(chat_id)
                continue
            seen.add(chat_id)
            if not free:
                continue  # another replica is sending this chat's head
            if not_before > now:  # retrying later or quiet hours: keep chat order
                continue
            candidates[chat_id] = [row_id]
            if mergeable:
                growing.add(chat_id)
        # Reserve their places under the limits now (shared by replicas with Redis).
        granted, next_wait = await self.pacer.take(list(candidates), limit=room)
        for chat_id in granted:  # merge only when sending them apart would keep them waiting
            chain = candidates[chat_id]
            if (len(chain) - 1) * self.pacer.spacing(chat_id) <= coalesce.MERGE_AFTER:
                del chain[1:]
        if len(granted) >= room:
            next_wait = min(next_wait, 0.05)
        # a merged message may take fewer rows than its chain: the rest wait behind it
        self._behind = behind | {chat for chat, chain in candidates.items() if len(chain) > 1}
        for rows_ in await self._claim({chat: candidates[chat] for chat in granted}, wall):
            chat_id = rows_[0].chat_id
            task = asyncio.create_task(self._send(rows_), name=f"send:{chat_id}")
            self._in_flight[chat_id] = task
            self._claimed[chat_id] = [row.id for row in rows_]
            task.add_done_callback(lambda _t, chat=chat_id: self._done(chat))
        return next_wait

    async def _renew_claims(self) -> None:
        """Extend the claims of the sends still in flight (every CLAIM_SECONDS / 3): a
        slow call keeps its row from other replicas for as long as it is waited for."""
        loop_now = asyncio.get_running_loop().time()
        if not self._claimed or loop_now - self._renewed < CLAIM_SECONDS / 3:
            return
        self._renewed = loop_now
        ids = [row_id for rows in self._claimed.values() for row_id in rows]
        try:
            async with transaction(self.ctx.pool) as session:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending",
                           OutboxMessage.claimed_by == self.instance,
                           OutboxMessage.claimed_until.is_not(None))
                    .values(claimed_until=lease.wall() + timedelta(seconds=CLAIM_SECONDS))
                    .execution_options(synchronize_session=False))
        except Exception as exc:  # the database away: the pass fails next and says so
            log.warning("outbox: could not renew %d claims (%s)", len(ids), brief(exc))

    def _done(self, chat_id: int) -> None:
        self._in_flight.pop(chat_id, None)
        self._claimed.pop(chat_id, None)
        if chat_id in self._behind:  # the chat is free and has more: its next may go now
            self.ctx.outbox_event.set()  # (else no pass: a new row wakes it, or the second)

    async def _claim(self, chains: dict[int, list[int]],
                     wall: datetime) -> list[list[OutboxMessage]]:
        """Claim each chat's rows for this process: locked rows (another replica claiming
        them right now) are skipped, a row claimed meanwhile is not taken (compare and
        set). A chat gets the rows of one message: its head, and the rows behind it that
        fit in one message with it (claimed as an unbroken run; the others are freed)."""
        ids = [row_id for chain in chains.values() for row_id in chain]
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
            by_id = {row.id: row for row in rows}
            messages: list[list[OutboxMessage]] = []
            for chain in chains.values():
                run: list[OutboxMessage] = []
                for row_id in chain:  # an unbroken run from the head: chat order holds
                    if row_id not in by_id:
                        break
                    run.append(by_id[row_id])
                run = run[:coalesce.take([(r.method, r.ref, r.payload) for r in run])]
                if run:
                    messages.append(run)
            kept = {row.id for run in messages for row in run}
            if len(kept) < len(rows):  # claimed but not in this message: free again
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r.id for r in rows if r.id not in kept]))
                    .values(claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False))
            session.expunge_all()
        return sorted(messages, key=lambda run: (-run[0].priority, run[0].id))

    async def _send(self, rows: list[OutboxMessage]) -> None:
        """Deliver one message (one claimed row, or several merged); whatever happens
        is recorded, nothing escapes."""
        try:
            if len(rows) == 1:
                await self._deliver(rows[0])
            else:
                await self._deliver_merged(rows)
        except Exception as exc:  # the database failed while recording: the claim lapses
            log.warning("outbox %s: could not record the result (%s); claim will lapse",
                        ",".join(str(row.id) for row in rows), brief(exc))

    async def _deliver(self, row: OutboxMessage) -> None:
        parts: Parts = {}
        try:
            rewrite = await self._rewrite_edit(row)
            if rewrite is not None:  # an edit of one part of a merged message
                name, params, parts = rewrite
                if name == coalesce.SKIP:
                    await self._sent([row], None)
                    return
                method = METHODS[name](chat_id=row.chat_id, **params)
            elif has_deferred(row.payload):  # read-only: a chart drawn here holds no lock
                async with reading(self.ctx.pool) as session:
                    method = await build_method(session, row)
            else:
                method = METHODS[row.method](chat_id=row.chat_id, **row.payload)
        except Exception as exc:  # a payload that cannot be built will never send
            await self._dead(row, f"bad payload: {exc!r}", blocked=False)
            return
        try:
            result = await self._call(method)
        except Exception as exc:  # every answer is classified; none escapes
            await self._failed([row], exc)
            return
        await self._sent([row], _plain(result), parts)

    async def _deliver_merged(self, rows: list[OutboxMessage]) -> None:
        """Several replies to one group as one message; each row is marked sent with it."""
        try:
            payload = coalesce.merged_payload([(row.ref, row.payload) for row in rows])
            method = METHODS["sendMessage"](chat_id=rows[0].chat_id, **payload)
        except Exception as exc:
            await self._split(rows, f"could not merge: {exc!r}")
            return
        try:
            result = await self._call(method)
        except Exception as exc:
            await self._failed(rows, exc)
            return
        await self._sent(rows, _plain(result))

    async def _call(self, method: TelegramMethod[Any]) -> Any:
        """One Bot API call, waited for up to SEND_TIMEOUT (the HTTP session's own
        timeout, 60 s by default, would cut a slow answer short)."""
        with own_retries():  # the outbox retries durably, with backoff (not RetryDirect)
            return await asyncio.wait_for(
                self.bot(method, request_timeout=int(SEND_TIMEOUT)), timeout=SEND_TIMEOUT + 5)

    async def _rewrite_edit(self, row: OutboxMessage) -> tuple[str, dict[str, Any], Parts] | None:
        """An edit of a message that carries several rows' replies changes only its
        own part (bot.delivery.coalesce.rewrite_edit); None: not such an edit."""
        message_id = row.payload.get("message_id")
        if row.method not in coalesce.EDITS or row.chat_id >= 0 or not isinstance(message_id, int):
            return None
        async with reading(self.ctx.pool) as session:
            parts = [tuple(part) for part in await session.execute(
                select(OutboxMessage.id, OutboxMessage.ref, OutboxMessage.payload)
                .where(OutboxMessage.chat_id == row.chat_id,
                       OutboxMessage.message_id == message_id,
                       OutboxMessage.mergeable.is_(True), OutboxMessage.status == "sent")
                .order_by(OutboxMessage.id))]
        if len(parts) < 2:
            return None
        return coalesce.rewrite_edit(row.method, row.payload, row.ref, parts)  # type: ignore[arg-type]

    async def _failed(self, rows: list[OutboxMessage], exc: Exception) -> None:
        row = rows[0]
        kind = classify(exc)
        if kind == FLOOD:
            assert isinstance(exc, TelegramRetryAfter)
            await self.pacer.hold(exc.retry_after, row.chat_id)
            await self._retry(rows, f"429 retry after {exc.retry_after}s", exc.retry_after, False)
        elif kind == MIGRATE:
            assert isinstance(exc, TelegramMigrateToChat)
            await migrate_chat(self.ctx, row.chat_id, exc.migrate_to_chat_id)
            self.ctx.outbox_event.set()  # resent to the new id on the next pass
        elif kind in (REFUSED, BLOCKED) and len(rows) > 1:
            await self._split(rows, str(exc))  # each on its own: refused or sent alone
        elif kind in (REFUSED, BLOCKED):
            await self._dead(row, str(exc), blocked=kind == BLOCKED)
        elif kind == AUTH:  # the token was revoked: keep the message, retry slowly
            await self._retry(rows, brief(exc), MAX_RETRY_DELAY, False)
        else:
            delay = self.retry_base * 2 ** min(row.attempts, BACKOFF_DOUBLINGS)
            await self._retry(rows, brief(exc), delay, True)

    async def _split(self, rows: list[OutboxMessage], error: str) -> None:
        """Telegram refused a merged message: its rows go again one by one, so that
        only a row that is itself refused ends dead."""
        log.warning("outbox %s: merged message refused (%s); sending them one by one",
                    ",".join(str(row.id) for row in rows), error)
        async with transaction(self.ctx.pool) as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(mergeable=False, claimed_by=None, claimed_until=None,
                        last_error=error[:500])
                .execution_options(synchronize_session=False))
        self.ctx.outbox_event.set()

    async def _sent(self, rows: list[OutboxMessage], result: Any, parts: Parts | None = None) -> None:
        """Returns once the rows are recorded as sent: the sends that finish while one
        batch is being recorded are recorded together, in the next transaction."""
        loop = asyncio.get_running_loop()
        waiters = []
        for i, row in enumerate(rows):
            done = loop.create_future()
            self._marks.append((row, result, done, (parts or {}) if i == 0 else {}))
            waiters.append(done)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._record_marks(), name="outbox-marks")
        await asyncio.gather(*waiters)

    async def _record_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                await self._record_sent([(row, result) for row, result, *_ in batch],
                                        {pid: new for *_, parts in batch
                                         for pid, new in parts.items()})
            except Exception as exc:
                for _, _, done, _ in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, _, done, _ in batch:
                    if not done.done():
                        done.set_result(None)

    async def _record_sent(self, batch: list[tuple[OutboxMessage, Any]],
                           parts: Parts | None = None) -> None:
        now = self.ctx.clock.now()
        async with transaction(self.ctx.pool) as session:
            await session.execute(update(OutboxMessage), [
                {"id": row.id, "status": "sent", "sent_at": now, "result": result,
                 "attempts": row.attempts + 1, "claimed_until": None,
                 "message_id": result.get("message_id") if isinstance(result, dict) else None}
                for row, result in batch])
            if parts:  # the new content of the merged-message parts an edit changed
                await session.execute(update(OutboxMessage), [
                    {"id": pid, "payload": payload} for pid, payload in parts.items()])
            hooked = [(row, result) for row, result in batch if row.on_sent]
            for row, result in hooked:
                row.status, row.sent_at, row.result = "sent", now, result
                row.attempts, row.claimed_until = row.attempts + 1, None
            # A failing hook must not unmark what was delivered (a resend): the hooks run
            # in one savepoint, and only if one fails, each in its own, the failing one
            # logged and the others kept.
            try:
                await _after_send(session, hooked)
            except Exception:
                for one in hooked:
                    try:
                        await _after_send(session, [one])
                    except Exception:
                        log.exception("outbox %s: after-send hook %s failed",
                                      one[0].id, one[0].on_sent)

    async def _retry(self, rows: list[OutboxMessage], error: str, delay: float,
                     counts: bool) -> None:
        async with transaction(self.ctx.pool) as session:
            for row in rows:
                fresh = await session.get(OutboxMessage, row.id)
                assert fresh is not None
                fresh.attempts += 1
                fresh.last_error = error[:500]
                fresh.not_before = self.ctx.clock.now() + timedelta(seconds=delay)
                fresh.claimed_until = None
                if counts and fresh.attempts >= MAX_ATTEMPTS:
                    fresh.status = "dead"
                    log.error("outbox %s gave up after %s attempts: %s", row.id, fresh.attempts,
                              error)

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
