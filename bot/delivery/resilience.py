"""Staying up when Telegram (or the network, or a proxy in front of it) misbehaves:
what an error from the Bot API means, and a backoff that logs once per state change."""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod

RETRY = "retry"  # try again later (network, 5xx, an undecodable answer, 409, unknown)
FLOOD = "flood"  # 429: wait retry_after
MIGRATE = "migrate"  # the group became a supergroup: resend to the new id
REFUSED = "refused"  # Telegram said no for good (400/403/404): never retry
BLOCKED = "blocked"  # 403: the user blocked the bot / the bot was removed
AUTH = "auth"  # 401: the token is wrong; retried slowly, loudly
T = TypeVar("T")


def classify(exc: BaseException) -> str:
    """One word for what to do about an error from a Bot API call."""
    if isinstance(exc, TelegramRetryAfter):
        return FLOOD
    if isinstance(exc, TelegramMigrateToChat):
        return MIGRATE
    if isinstance(exc, TelegramForbiddenError):
        return BLOCKED
    if isinstance(exc, TelegramUnauthorizedError):
        return AUTH
    if isinstance(exc, (TelegramBadRequest, TelegramNotFound)):
        return REFUSED
    if isinstance(exc, (TelegramServerError, TelegramNetworkError, ClientDecodeError,
                        TelegramConflictError, TimeoutError, OSError)):
        return RETRY  # an HTML 502 page from a proxy is a ClientDecodeError: a 5xx
    if isinstance(exc, TelegramAPIError):
        return RETRY  # an unknown status: Telegram's side, try again later
    return RETRY


def brief(exc: BaseException) -> str:
    """A short description without the (possibly huge) body of an HTML page."""
    if isinstance(exc, ClientDecodeError):
        return f"undecodable answer ({str(exc.data)[:60]!r}…)"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


class Backoff:
    """Exponential backoff with jitter for one loop (getUpdates, start-up); logs a
    line when the state changes (working → failing with a new kind of error →
    working again), not one per attempt."""

    def __init__(self, what: str, log: logging.Logger, base: float = 1.0,
                 cap: float = 60.0) -> None:
        self.what, self.log, self.base, self.cap = what, log, base, cap
        self.failures = 0
        self._state: str | None = None  # None: working

    def failed(self, exc: BaseException) -> float:
        """Record a failure; returns the seconds to wait before the next attempt."""
        state = type(exc).__name__
        if isinstance(exc, TelegramRetryAfter):
            delay = float(exc.retry_after)
        else:
            delay = min(self.base * 2 ** self.failures, self.cap)
            delay *= random.uniform(0.8, 1.2)
        self.failures += 1
        if state != self._state:
            self.log.warning("%s failing (%s); retrying with backoff", self.what, brief(exc))
            self._state = state
        return delay

    def ok(self) -> None:
        if self._state is not None:
            self.log.warning("%s working again after %d failures", self.what, self.failures)
        self._state, self.failures = None, 0


async def keep_trying(
    what: str, call: Callable[[], Awaitable[T]], log: logging.Logger, *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    give_up: Callable[[BaseException], bool] = lambda exc: False, base: float = 1.0,
) -> T:
    """Call until it succeeds, backing off between failures and logging once per state
    change; an error for which `give_up` is true is raised instead."""
    backoff = Backoff(what, log, base=base)
    while True:
        try:
            with own_retries():  # this loop is the retry
                result = await call()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if give_up(exc):
                raise
            await sleep(backoff.failed(exc))
            continue
        backoff.ok()
        return result


# Calls whose caller retries on its own (the outbox sender, the getUpdates loop): the
# direct-call retry below leaves them alone.
_OWN_RETRIES: ContextVar[bool] = ContextVar("linli_own_retries", default=False)
DIRECT_ATTEMPTS = 3
DIRECT_BASE = 0.5  # seconds before the second attempt; doubled for the third
DIRECT_MAX_RETRY_AFTER = 5.0  # a 429 asking for longer fails the call (the outbox waits)
log = logging.getLogger(__name__)


@contextmanager
def own_retries() -> Iterator[None]:
    """Calls made inside are retried by their caller, not by RetryDirect."""
    token = _OWN_RETRIES.set(True)
    try:
        yield
    finally:
        _OWN_RETRIES.reset(token)


def not_carried_out(exc: BaseException) -> bool:
    """An answer that says the call was not carried out, so repeating it cannot send
    anything twice: 5xx, a proxy's HTML error page, 429. A dropped connection or a
    timeout may have been carried out: not repeated."""
    return isinstance(exc, (TelegramServerError, ClientDecodeError, TelegramRetryAfter))


class RetryDirect(BaseRequestMiddleware):
    """Bot request middleware: a direct call (a handler's answer to its own update, a
    start-up call) that Telegram answered with 5xx, an HTML error page or a short 429 is
    tried again, up to DIRECT_ATTEMPTS times within a few seconds, instead of failing the
    update (and undoing what the user did) over one bad answer. The outbox sender and the
    getUpdates loop keep their own, durable retries."""

    def __init__(self, attempts: int = DIRECT_ATTEMPTS, base: float = DIRECT_BASE) -> None:
        self.attempts, self.base = attempts, base

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot,
                       method: TelegramMethod[Any]) -> Response[Any]:
        if _OWN_RETRIES.get() or isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except Exception as exc:
                if attempt == self.attempts or not not_carried_out(exc):
                    raise
                if isinstance(exc, TelegramRetryAfter):
                    if exc.retry_after > DIRECT_MAX_RETRY_AFTER:
                        raise
                    delay = float(exc.retry_after)
                else:
                    delay = self.base * 2 ** (attempt - 1)
                log.info("%s: %s; trying again in %.1f s", method.__api_method__, brief(exc),
                         delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


async def despite_other_replicas(what: str, call: Callable[[], Awaitable[T]],
                                 log: logging.Logger, attempts: int = 5) -> T:
    """Start-up work that replicas starting together race on (the first migration, the
    timers every start ensures): the loser's transaction fails on a unique key or an
    object created meanwhile, and trying again finds the winner's work done. A database
    error still there after `attempts` tries is raised (a real one stops the start)."""
    from sqlalchemy.exc import DBAPIError

    failures = 0

    def give_up(exc: BaseException) -> bool:
        nonlocal failures
        failures += 1
        return not isinstance(exc, DBAPIError) or failures >= attempts

    return await keep_trying(what, call, log, base=0.2, give_up=give_up)
