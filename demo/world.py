"""A running bot wired to the local Bot API server, for tests and the demo.

    async with World.start(settings, clock) as w:
        w.sb.say(alice, group, "3号楼楼道灯坏了")
        await w.settle()
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.clock import Clock, FakeClock
from bot.config import Settings
from bot.db.models import InboxUpdate, OutboxMessage
from bot.db.session import reading
from sandbox import SandboxServer
from scheduler.timers import fire_due

_CLASSIFIER: Any = None
QUIET = 3  # consecutive idle checks that make "settled"
BUSY_RECHECK = 0.02  # seconds: re-check the database while busy, if the sandbox is silent
IDLE_RECHECK = 0.005  # seconds between the idle checks


async def _first(events: list[asyncio.Event], timeout: float) -> None:
    """Return when any of `events` is set, or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def shared_classifier(settings: Settings) -> Any:
    """The classifier is pure; load it once per process (tests build many apps)."""
    global _CLASSIFIER
    if _CLASSIFIER is None or settings.rules_file:
        from bot.app import load_classifier

        loaded = load_classifier(settings)
        if settings.rules_file:
            return loaded
        _CLASSIFIER = loaded
    return _CLASSIFIER


class World:
    def __init__(self, sb: SandboxServer, app: App, clock: Clock) -> None:
        self.sb, self.app, self.clock = sb, app, clock
        self._poller: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def ctx(self) -> Any:
        return self.app.ctx

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls, settings: Settings, clock: Clock | None = None, sb: SandboxServer | None = None,
        *, mode: str = "polling",
    ) -> AsyncIterator[World]:
        own_sb = sb is None
        sandbox = sb or SandboxServer()
        if own_sb:
            await sandbox.start()
        try:
            async with cls.attach(sandbox, settings, clock, mode=mode) as world:
                yield world
        finally:
            if own_sb:
                await sandbox.stop()

    @classmethod
    @contextlib.asynccontextmanager
    async def attach(
        cls, sb: SandboxServer, settings: Settings, clock: Clock | None = None, *,
        mode: str = "polling",
    ) -> AsyncIterator[World]:
        """Start the real bot against a running sandbox; stop it cleanly at the end."""
        settings = settings.model_copy(update={"api_base_url": sb.url})
        app = await App.create(settings, sb.token, clock=clock or FakeClock(),
                               classifier=await asyncio.to_thread(shared_classifier, settings))
        world = cls(sb, app, app.ctx.clock)
        await app.start()
        runner = None
        if mode == "polling":
            world._poller = asyncio.create_task(app.poll(), name="poll")
        else:
            runner = await app.serve_webhook()
        try:
            yield world
        finally:
            if runner is not None:
                await runner.cleanup()
            await world.stop()

    async def stop(self) -> None:
        """Stop this bot as a process would stop: its long poll first (a stray poller of a
        stopped bot would compete with the next one for updates), then the app."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        if not self._stopped:
            self._stopped = True
            await self.app.stop()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update is handled and every due message is sent.

        Event-based: while busy it wakes at each change in the sandbox (an update
        queued or confirmed, a message sent) and re-checks the database at least
        every BUSY_RECHECK; idle is confirmed by QUIET checks a moment apart."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = 0
        while quiet < QUIET:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"the bot did not settle in {timeout}s:\n{self.sb.transcript()}")
            activity = [self.sb.world.changed(), self.sb.bot.changed()]
            self.app.ctx.outbox_event.set()
            if await self._busy():
                quiet = 0
                await _first(activity, BUSY_RECHECK)
            else:
                quiet += 1
                if quiet < QUIET:
                    await _first(activity, IDLE_RECHECK)

    async def _busy(self) -> bool:
        if self.sb.bot.updates or self.app.inbox.busy:  # not yet confirmed (polling) or
            return True  # delivered (webhook); or being handled, answers after the commit
        async with reading(self.app.ctx.pool) as session:
            inbox = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == "pending")
            )
            outbox = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.not_before <= self.clock.now(),
                )
            )
        return bool(inbox or outbox)

    async def advance(self, **delta: float) -> None:
        """Move the fake clock, fire the timers now due, and settle."""
        assert isinstance(self.clock, FakeClock), "advance() needs a FakeClock"
        self.clock.advance(**delta)
        await self.tick()

    async def tick(self) -> None:
        await self.settle()
        while await fire_due(self.app.ctx):
            await self.settle()
        await self.settle()
