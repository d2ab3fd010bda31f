"""Staying up when Telegram (or the network, or a proxy in front of it) misbehaves:
what an error from the Bot API means, and a backoff that logs once per state change."""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
