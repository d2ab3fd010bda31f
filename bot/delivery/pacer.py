"""Telegram's flood limits as a pure pacing object: about 1 message/s per chat,
20/min per group, 30/s overall (all configurable)."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        global_per_second: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.global_per_second = global_per_second
        self._now = monotonic
        self._last: dict[int, float] = {}
        self._group: dict[int, deque[float]] = defaultdict(deque)
        self._global: deque[float] = deque()
        self._blocked_until: dict[int | None, float] = {}

    def wait_time(self, chat_id: int) -> float:
        """Seconds until a message to this chat may go (0 = now)."""
        now = self._now()
        waits = [0.0, self._blocked_until.get(None, 0) - now,
                 self._blocked_until.get(chat_id, 0) - now]
        if chat_id in self._last:
            waits.append(self._last[chat_id] + self.per_chat_interval - now)
        self._trim(now)
        if len(self._global) >= self.global_per_second:
            waits.append(self._global[0] + 1.0 - now)
        window = self._group.get(chat_id)
        if chat_id < 0 and window is not None and len(window) >= self.group_per_minute:
            waits.append(window[0] + 60.0 - now)
        return max(waits)

    def record(self, chat_id: int) -> None:
        now = self._now()
        self._last[chat_id] = now
        self._global.append(now)
        if chat_id < 0:
            self._group[chat_id].append(now)

    def block(self, seconds: float, chat_id: int | None = None) -> None:
        """Telegram said 429: hold this chat (or everything) for retry_after."""
        until = self._now() + seconds
        self._blocked_until[chat_id] = max(self._blocked_until.get(chat_id, 0), until)

    def _trim(self, now: float) -> None:
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        for window in self._group.values():
            while window and window[0] <= now - 60.0:
                window.popleft()
