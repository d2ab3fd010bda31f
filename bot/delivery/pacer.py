"""Telegram's flood limits: about 1 message/s per chat, 20/min per group, 30/s overall
(all configurable), and a 429's retry_after for a chat or for everything.

Two implementations of one interface (`take`, `hold`, `close`):
- `Pacer`: in this process (one instance of the bot);
- `RedisPacer`: one budget for all replicas, kept in Redis (LINLI_REDIS_URL). A Lua
  script checks and records a batch of chats atomically on Redis's own clock, so two
  replicas can never both use the last slot of a window.

We keep our own small script rather than a limiter library: Telegram's limits are three
windows at once (per chat, per group per minute, global per second) plus 429 holds, and
the sender asks for many chats in one round trip; aiolimiter is in-process only and the
Redis limiters on PyPI each model one window per call."""
from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)
# A message is counted from when its place is reserved, but reaches Telegram a little
# later (claim, build, the request): the global window is held this much longer, so
# that no second as Telegram counts it ever holds more than global_per_second.
GLOBAL_SLACK = 0.25
# A group's 20 a minute, spread out: after a burst of GROUP_BURST messages the rest of
# the minute's budget goes out evenly (one every (60 + GROUP_SLACK) / (20 - burst) s,
# about 4 s), instead of 20 at once and then a silent 40 s. With replies to one group
# merged into one message (bot.delivery.coalesce) this bounds how long a resident waits
# for an answer during a rush. `Pacer(group_burst=None)`: the plain sliding window.
GROUP_BURST = 5
GROUP_SLACK = 1.0


class Limits(Protocol):
    async def take(self, chat_ids: Sequence[int],
                   limit: int | None = None) -> tuple[list[int], float]: ...
    async def hold(self, seconds: float, chat_id: int | None = None) -> None: ...
    async def close(self) -> None: ...
    def spacing(self, chat_id: int) -> float: ...


def _spacing(pacer: Pacer | RedisPacer, chat_id: int) -> float:
    """Seconds between messages to this chat when many are waiting (burst spent)."""
    if chat_id < 0:
        return max(pacer.per_chat_interval, pacer.group_gap or 60.0 / pacer.group_per_minute)
    return pacer.per_chat_interval


class Pacer:
    def __init__(
        self,
        per_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        global_per_second: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
        group_burst: int | None = None,
    ) -> None:
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.global_per_second = global_per_second
        self.group_gap = group_gap(group_per_minute, group_burst)
        self.group_burst = group_burst or 0
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
            waits.append(self._global[0] + 1.0 + GLOBAL_SLACK - now)
        window = self._group.get(chat_id)
        if chat_id < 0 and window:
            inside = [t for t in window if t > now - 60.0]
            if len(inside) >= self.group_per_minute:
                waits.append(inside[-self.group_per_minute] + 60.0 - now)
            if self.group_gap:  # the i-th latest must be (i + 1 - burst) gaps old
                for i, t in enumerate(reversed(window), start=1):
                    if i + 1 > self.group_burst:
                        waits.append(t + (i + 1 - self.group_burst) * self.group_gap - now)
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

    async def take(self, chat_ids: Sequence[int],
                   limit: int | None = None) -> tuple[list[int], float]:
        """Reserve a send now for each chat the limits allow (at most `limit`), in
        the order given; returns those chats and the seconds until the first refused
        one may go (1.0 when none was refused)."""
        granted: list[int] = []
        wait = 1.0
        for chat_id in chat_ids:
            if limit is not None and len(granted) >= limit:
                break
            pause = self.wait_time(chat_id)
            if pause > 0:
                wait = min(wait, pause)
                continue
            self.record(chat_id)
            granted.append(chat_id)
        return granted, wait

    async def hold(self, seconds: float, chat_id: int | None = None) -> None:
        self.block(seconds, chat_id)

    def spacing(self, chat_id: int) -> float:
        return _spacing(self, chat_id)

    async def close(self) -> None:
        return None

    def _trim(self, now: float) -> None:
        while self._global and self._global[0] <= now - 1.0 - GLOBAL_SLACK:
            self._global.popleft()
        span = 60.0 + (GROUP_SLACK if self.group_gap else 0.0)
        for window in self._group.values():
            while window and window[0] <= now - span:
                window.popleft()


def group_gap(per_minute: int, burst: int | None) -> float:
    """Seconds between a group's messages once its burst is spent (0: no spreading)."""
    if burst is None or burst >= per_minute:
        return 0.0
    return (60.0 + GROUP_SLACK) / (per_minute - burst)


# KEYS: none (one Redis, not a cluster). ARGV: prefix, per-chat interval (ms), group
# per minute, global per second, most to grant, the global window (ms), the group burst,
# the group gap (ms, 0: none), then the chat ids. Times in milliseconds from TIME (Lua
# turns numbers into strings with 14 digits: microseconds would lose precision).
_TAKE = """
local p = ARGV[1]
local interval = tonumber(ARGV[2])
local per_group = tonumber(ARGV[3])
local per_second = tonumber(ARGV[4])
local most = tonumber(ARGV[5])
local span = tonumber(ARGV[6])  -- the global window, ms (1 s + GLOBAL_SLACK)
local burst = tonumber(ARGV[7])
local gap = tonumber(ARGV[8])
local keep = math.max(60000, (per_group - burst) * gap)  -- how long a group's sends matter
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gkey = p .. 'global'
redis.call('ZREMRANGEBYSCORE', gkey, '-inf', now - span)
local used = redis.call('ZCARD', gkey)
local function until_of(key)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return 0
end
local all_blocked = until_of(p .. 'hold:all')
local granted = {}
local wait = 1000
for i = 9, #ARGV do
  if #granted >= most then break end
  local chat = ARGV[i]
  local free = math.max(now, all_blocked, until_of(p .. 'hold:' .. chat))
  local last = redis.call('GET', p .. 'last:' .. chat)
  if last then free = math.max(free, tonumber(last) + interval) end
  if used >= per_second then
    local first = redis.call('ZRANGE', gkey, 0, 0, 'WITHSCORES')
    free = math.max(free, tonumber(first[2]) + span)
  end
  local group = nil
  if tonumber(chat) < 0 then
    group = p .. 'group:' .. chat
    redis.call('ZREMRANGEBYSCORE', group, '-inf', now - keep)
    local inside = redis.call('ZCOUNT', group, now - 60000 + 1, '+inf')
    if inside >= per_group then
      local nth = redis.call('ZREVRANGE', group, per_group - 1, per_group - 1, 'WITHSCORES')
      free = math.max(free, tonumber(nth[2]) + 60000)
    end
    if gap > 0 then  -- the i-th latest must be (i + 1 - burst) gaps old
      local recent = redis.call('ZREVRANGE', group, 0, -1, 'WITHSCORES')
      for j = 2, #recent, 2 do
        local n = j / 2 + 1 - burst
        if n > 0 then free = math.max(free, tonumber(recent[j]) + n * gap) end
      end
    end
  end
  if free > now then
    wait = math.min(wait, free - now)
  else
    local member = now .. ':' .. redis.call('INCR', p .. 'seq')
    redis.call('SET', p .. 'last:' .. chat, now, 'PX', math.max(interval, 1))
    redis.call('ZADD', gkey, now, member)
    redis.call('PEXPIRE', gkey, span + 1000)
    if group then
      redis.call('ZADD', group, now, member)
      redis.call('PEXPIRE', group, keep + 1000)
    end
    used = used + 1
    granted[#granted + 1] = chat
  end
end
return {granted, wait}
"""

# ARGV: prefix, chat id or "all", seconds (ms). Only ever extends a hold.
_HOLD = """
local key = ARGV[1] .. 'hold:' .. ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untl = now + tonumber(ARGV[3])
local old = redis.call('GET', key)
if (not old) or tonumber(old) < untl then
  redis.call('SET', key, untl, 'PX', tonumber(ARGV[3]) + 1)
end
return 1
"""


class RedisPacer:
    """The same limits as `Pacer`, one budget shared by every replica using this Redis.
    Redis away: this replica paces itself alone (logged once) until Redis answers."""

    def __init__(self, url: str | Any, per_chat_interval: float = 1.0,
                 group_per_minute: int = 20, global_per_second: int = 30,
                 prefix: str = "linli:pace:", group_burst: int | None = None) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url) if isinstance(url, str) else url
        self.prefix = prefix
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.global_per_second = global_per_second
        self.group_burst = group_burst or 0
        self.group_gap = group_gap(group_per_minute, group_burst)
        self.local = Pacer(per_chat_interval, group_per_minute, global_per_second,
                           group_burst=group_burst)
        self._take = self.redis.register_script(_TAKE)
        self._hold = self.redis.register_script(_HOLD)
        self._failing = False

    async def take(self, chat_ids: Sequence[int],
                   limit: int | None = None) -> tuple[list[int], float]:
        if not chat_ids or limit == 0:
            return [], 1.0
        try:
            granted, wait = await self._take(args=[
                self.prefix, round(self.per_chat_interval * 1000), self.group_per_minute,
                self.global_per_second, len(chat_ids) if limit is None else limit,
                round((1.0 + GLOBAL_SLACK) * 1000), self.group_burst,
                round(self.group_gap * 1000), *chat_ids])
        except Exception as exc:
            self._failed(exc)
            return await self.local.take(chat_ids, limit)
        self._working()
        return [int(chat) for chat in granted], int(wait) / 1000

    async def hold(self, seconds: float, chat_id: int | None = None) -> None:
        self.local.block(seconds, chat_id)
        try:
            await self._hold(args=[self.prefix, "all" if chat_id is None else chat_id,
                                   max(round(seconds * 1000), 1)])
        except Exception as exc:
            self._failed(exc)

    async def close(self) -> None:
        await self.redis.aclose()

    def spacing(self, chat_id: int) -> float:
        return _spacing(self, chat_id)

    def _failed(self, exc: Exception) -> None:
        if not self._failing:
            log.warning("Redis unreachable for the shared flood limits (%s): pacing this "
                        "replica alone until it answers", type(exc).__name__)
            self._failing = True

    def _working(self) -> None:
        if self._failing:
            log.warning("Redis answers again: flood limits shared by all replicas")
            self._failing = False


def build_pacer(settings: Any) -> Pacer | RedisPacer:
    """Shared through Redis when LINLI_REDIS_URL is set, else in this process; a
    group's budget is spread out after a burst of GROUP_BURST (see there)."""
    limits = (settings.per_chat_interval, settings.group_per_minute, settings.global_per_second)
    if settings.redis_url:
        return RedisPacer(settings.redis_url, *limits, group_burst=GROUP_BURST)
    return Pacer(*limits, group_burst=GROUP_BURST)
