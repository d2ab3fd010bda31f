"""Composition root: build the bot, dispatcher, inbox, sender and scheduler; run them."""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiohttp import web

from bot import features
from bot.clock import Clock
from bot.config import TOKEN_HELP, Settings, TokenError
from bot.context import AppContext
from bot.db import migrate
from bot.db.session import create_engine, create_session_factory, transaction
from bot.delivery import lease
from bot.delivery import sender as sender_module
from bot.delivery.inbox import Inbox
from bot.delivery.resilience import (
    AUTH,
    Backoff,
    RetryDirect,
    classify,
    despite_other_replicas,
    keep_trying,
)
from bot.delivery.sender import Sender
from bot.privacy.retention import ensure_retention_timer
from bot.reports.service import ensure_report_timers
from handlers import build_root_router, commands
from handlers.middlewares import AnswersAfterCommit, DbSessionMiddleware
from scheduler.setup import build_scheduler

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
POLL_LEASE = 60.0  # > POLL_TIMEOUT + request slack: a live poller always renews in time
POLL_RETRY_BASE = 1.0  # seconds before the first retry of a failed getUpdates


def build_bot(settings: Settings, token: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_base_url))
    # Answers go after the update's commit (handlers.middlewares): by then the message
    # they reply to may be gone (deleted by its sender or by the privacy guard).
    return Bot(token, session=session, default=DefaultBotProperties(
        parse_mode=None, allow_sending_without_reply=True))


def build_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_dispatcher(ctx: AppContext) -> Dispatcher:
    dp = Dispatcher(storage=build_storage(ctx.settings), ctx=ctx)
    dp.update.outer_middleware(DbSessionMiddleware(ctx))
    dp.include_router(build_root_router())
    return dp


def load_classifier(settings: Settings) -> Any:
    from nlp import Classifier

    classifier = Classifier.from_file(settings.rules_file)
    classifier.classify("楼道灯坏了")  # warm the normaliser and weights once, at start-up
    return classifier


@dataclass
class App:
    ctx: AppContext
    bot: Bot
    dp: Dispatcher
    inbox: Inbox
    sender: Sender
    scheduler: Any
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _sender_task: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    instance: str = field(default_factory=lease.instance_id)
    poll_timeout: int = POLL_TIMEOUT
    poll_lease: float = POLL_LEASE  # seconds; renewed every third of it while polling
    _standby_logged: bool = False
    _generated_secret: str | None = None

    @staticmethod
    def _wire_delivery() -> None:
        """A migrated group's old and new ids leave the org's binding cache."""
        from bot.org import service as org_service

        def forget(session: Any, old: int, new: int) -> None:
            org_service.forget_bindings(session, old)
            org_service.forget_bindings(session, new)

        if not any(getattr(h, "__name__", "") == "forget" for h in sender_module.ON_MIGRATE):
            sender_module.ON_MIGRATE.append(forget)

    @classmethod
    async def create(cls, settings: Settings, token: str, clock: Clock | None = None,
                     classifier: Any = None) -> App:
        features.wire()
        cls._wire_delivery()
        # the classifier (jieba) loads in a thread while the database is migrated
        loading = (None if classifier is not None
                   else asyncio.ensure_future(asyncio.to_thread(load_classifier, settings)))
        engine = create_engine(settings.database_url)
        try:  # replicas starting together on a new database race to create it
            await despite_other_replicas("database migration",
                                         lambda: migrate.upgrade(engine), log)
        except BaseException:
            if loading is not None:
                await asyncio.gather(loading, return_exceptions=True)
            raise
        ctx = AppContext(settings=settings, pool=create_session_factory(engine),
                         clock=clock or Clock())
        ctx.classifier = classifier if loading is None else await loading
        bot = build_bot(settings, token)
        bot.session.middleware(AnswersAfterCommit())  # callback answers after the commit
        bot.session.middleware(RetryDirect())  # a direct answer survives one 5xx / HTML page
        ctx.bot = bot
        dp = build_dispatcher(ctx)
        return cls(ctx, bot, dp, Inbox(ctx, dp, bot), Sender(ctx, bot), build_scheduler(ctx))

    async def start(self) -> None:
        """Background parts: inbox worker (resumes unfinished updates), sender, scheduler.
        Publishing the command menus (a few calls) is best effort, in the background:
        updates are taken meanwhile, and it is retried while Telegram is away."""
        self._tasks.append(asyncio.create_task(self._publish_commands(), name="commands"))
        async def ensure_timers() -> None:
            async with transaction(self.ctx.pool) as session:
                await ensure_report_timers(session, self.ctx.clock.now(), self.ctx.tz)
                await ensure_retention_timer(session, self.ctx.clock.now(), self.ctx.tz)

        await despite_other_replicas("start-up timers", ensure_timers, log)  # replicas race
        await self.sender.release_claims_of_dead_runs()
        self._sender_task = asyncio.create_task(self.sender.run(), name="sender")
        self._tasks += [asyncio.create_task(self.inbox.run(), name="inbox"), self._sender_task]
        self.scheduler.start()

    async def _publish_commands(self) -> None:
        with contextlib.suppress(Exception):  # given up only because the app stops
            await keep_trying("setMyCommands", lambda: commands.publish(self.ctx, self.bot),
                              log, sleep=self._sleep, give_up=lambda _: self._stop.is_set())

    async def stop(self) -> None:
        """Finish in-flight updates, stop the scheduler, flush the outbox, close all."""
        self._stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.inbox.drain(), timeout=20)
        self.scheduler.shutdown(wait=False)
        with contextlib.suppress(Exception):  # send what the last updates queued
            await self.sender.flush(timeout=10)
        self.sender.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._sender_task), timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.sender.flush(timeout=10)
        with contextlib.suppress(Exception):
            await self.sender.pacer.close()
        await close_bot_session(self.bot)
        engine = self.ctx.pool.kw["bind"]
        await engine.dispose()

    async def poll(self) -> None:
        """Long polling that stores each batch before confirming it (offset).

        Never dies of the network: any failure (network, 5xx, an HTML page from a
        proxy, 409 Conflict, the database) is retried with backoff, logged once per
        state change. Among replicas one polls (the "poller" lease); the others wait
        and take over when it stops (at once) or dies (when its lease lapses)."""
        offset: int | None = None
        allowed = self.dp.resolve_used_update_types()
        backoff = Backoff("getUpdates", log, base=POLL_RETRY_BASE)
        webhook_cleared = False
        holding = False
        renewed = 0.0
        loop = asyncio.get_running_loop()
        try:
            while not self._stop.is_set():
                try:
                    if not holding or loop.time() - renewed > self.poll_lease / 3:
                        holding = await lease.acquire(self.ctx.pool, "poller", self.instance,
                                                      self.poll_lease)
                        if not holding:
                            if self._standby_logged is False:
                                log.info("another replica is polling; standing by")
                                self._standby_logged = True
                            await self._sleep(min(2.0, self.poll_lease / 3))
                            continue
                        renewed = loop.time()
                        if self._standby_logged:
                            log.info("took over long polling")
                            self._standby_logged = False
                            webhook_cleared = False
                    if not webhook_cleared:
                        await self.bot.delete_webhook(drop_pending_updates=False)
                        webhook_cleared = True
                    updates = await self.bot.get_updates(
                        offset=offset, timeout=self.poll_timeout, allowed_updates=allowed,
                        request_timeout=self.poll_timeout + 10,
                    )
                    if updates:
                        await self.inbox.store([dump_update(u) for u in updates])
                        offset = updates[-1].update_id + 1
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    await self._sleep(backoff.failed(exc))
                    continue
                backoff.ok()
        finally:
            if holding:
                with contextlib.suppress(Exception):
                    await asyncio.shield(lease.release(self.ctx.pool, "poller", self.instance))

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the app stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    def webhook_secret(self) -> str:
        """LINLI_WEBHOOK_SECRET, or one generated for this run (registered with
        setWebhook, so only Telegram knows it). Replicas must share a configured one."""
        settings = self.ctx.settings
        if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
            return settings.webhook_secret.get_secret_value()
        if self._generated_secret is None:
            self._generated_secret = secrets.token_urlsafe(32)
            log.warning("LINLI_WEBHOOK_SECRET is not set: using a secret generated for this "
                        "run; set one shared by all replicas if there is more than one")
        return self._generated_secret

    def webhook_app(self) -> web.Application:
        settings = self.ctx.settings
        secret = self.webhook_secret().encode()
        refusals = _RateLimitedLog("webhook call refused (bad or missing secret token)")

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not hmac.compare_digest(given, secret):
                refusals.hit(request.remote)
                return web.Response(status=401, text="bad secret")
            try:  # strict JSON: NaN / Infinity (never from Telegram) cannot be stored
                payload = json.loads(await request.text(), parse_constant=_not_json)
            except ValueError:
                return web.Response(status=400, text="bad json")
            if not isinstance(payload, dict):
                return web.Response(status=400, text="bad update")
            await self.inbox.store([payload])  # durable before Telegram hears 200
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post(settings.webhook_path, receive)
        from web import mount as mount_desk  # the web desk (web/) under /desk

        mount_desk(app, self.ctx, token=self.bot.token)
        return app

    async def serve_webhook(self) -> web.AppRunner:
        settings = self.ctx.settings
        runner = web.AppRunner(self.webhook_app())
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        try:  # Telegram unreachable at start-up: keep trying, do not die
            await keep_trying(
                "setWebhook", lambda: self.bot.set_webhook(
                    str(settings.webhook_url), secret_token=self.webhook_secret(),
                    allowed_updates=self.dp.resolve_used_update_types()),
                log, sleep=self._sleep,
                give_up=lambda exc: classify(exc) == AUTH or self._stop.is_set())
        except Exception:
            await runner.cleanup()
            raise
        return runner


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


class _RateLimitedLog:
    """One warning per minute at most, with how many were not logged meanwhile."""

    def __init__(self, what: str, every: float = 60.0) -> None:
        self.what, self.every = what, every
        self._last = -every
        self._quiet = 0

    def hit(self, source: str | None) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            self._quiet += 1
            return
        log.warning("%s from %s (%d more since the last report)", self.what, source,
                    self._quiet)
        self._last, self._quiet = now, 0


async def close_bot_session(bot: Bot) -> None:
    """aiogram's close() then waits 250 ms for TLS connections to shut down; a plain
    http:// Bot API server (local, or the sandbox) has none, so close it directly."""
    session = bot.session
    inner = getattr(session, "_session", None)
    if (isinstance(session, AiohttpSession) and inner is not None
            and session.api.base.startswith("http://")):
        await inner.close()
    await session.close()  # a no-op if closed above


def dump_update(update: Any) -> dict[str, Any]:
    return update.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)


async def check_token_with_telegram(bot: Bot) -> None:
    """Ask Telegram who we are before starting: a rejected token is a clear error, an
    unreachable server is retried (an old laptop's network may come up late)."""
    try:
        me = await keep_trying("the Bot API (getMe)", bot.me, log, base=2.0,
                               give_up=lambda exc: classify(exc) == AUTH)
    except TelegramUnauthorizedError as exc:
        raise TokenError(TOKEN_HELP.format(problem="rejected by Telegram / 被拒绝")) from exc
    log.info("running as @%s", me.username)


async def run(settings: Settings, token: str) -> None:
    """`linli run`: until SIGTERM/SIGINT, then a clean stop."""
    probe = build_bot(settings, token)
    try:  # before the slow parts (migrations, classifier): a bad token fails fast
        await check_token_with_telegram(probe)
    finally:
        await close_bot_session(probe)
    app = await App.create(settings, token)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await app.start()
    runner = None
    if settings.webhook_url:
        runner = await app.serve_webhook()
        log.info("webhook mode on %s:%s", settings.webhook_host, settings.webhook_port)
        main = asyncio.create_task(stop.wait())
    else:
        log.info("long polling")
        main = asyncio.create_task(app.poll())
        from web.config import WebSettings

        desk = WebSettings()
        if desk.port:  # the web desk beside long polling (webhook mode mounts it)
            from web import serve as serve_desk

            runner = await serve_desk(app.ctx, desk.host, desk.port, token=token)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
    main.cancel()
    failure = (await asyncio.gather(main, return_exceptions=True))[0]
    if runner is not None:
        await runner.cleanup()
    await app.stop()
    if isinstance(failure, Exception):  # polling died: say so and exit non-zero
        raise failure
