"""Fault injection and Telegram's flood limits."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, too_many_requests

DROP = "drop"  # close the connection without answering
HTML = "html"  # answer 502 with an HTML page (a proxy in front of the Bot API), not JSON

SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}


@dataclass
class Fault:
    """An injected failure for the next ``times`` matching requests."""

    method: str | None  # None: any method
    error: int | str | None  # HTTP code (429, 500, 502, 400, ...), DROP, HTML; None: delay only
    times: int = 1
    retry_after: int = 1
    description: str | None = None
    chat_id: int | None = None
    delay: float = 0.0  # seconds before answering (a slow Telegram); then the error, if any
    hits: int = 0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        return self.hits < self.times

    def to_error(self) -> ApiError:
        if self.error == 429:
            return too_many_requests(self.retry_after)
        assert isinstance(self.error, int)
        description = self.description or SERVER_ERRORS.get(self.error, "Bad Request: injected")
        return ApiError(self.error, description)


class FaultInjector:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, params):
                fault.hits += 1
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


@dataclass
class FloodLimits:
    """Sliding-window limits: (max messages, window seconds)."""

    per_chat: tuple[int, float] = (1, 1.0)
    per_group: tuple[int, float] = (20, 60.0)
    overall: tuple[int, float] = (30, 1.0)
    # a short burst allowance per chat, like the real server tolerates
    per_chat_burst: int = 3


@dataclass
class FloodControl:
    limits: FloodLimits = field(default_factory=FloodLimits)
    enabled: bool = False
    _sent: dict[Any, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, chat_id: int, is_group: bool, count: int = 1) -> None:
        """Raise 429 if sending ``count`` messages to the chat now exceeds a limit."""
        if not self.enabled:
            return
        now = time.monotonic()
        per_chat_max, per_chat_window = self.limits.per_chat
        windows = [
            (("chat", chat_id), per_chat_max + self.limits.per_chat_burst - 1, per_chat_window),
            (("all",), *self.limits.overall),
        ]
        if is_group:
            windows.append((("group", chat_id), *self.limits.per_group))
        wait = 0.0
        for key, limit, window in windows:
            sent = self._sent[key]
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) + count > limit:
                wait = max(wait, sent[0] + window - now)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for key, _, _ in windows:
            self._sent[key].extend([now] * count)
