"""Rate and volume limits per grant: a token bucket for calls and a daily row quota.

With ``XINGCHENG_EXCHANGE_REDIS_URL`` the counters live in Redis (one Lua script per check, atomic, on the
Redis server's clock) so that every API worker of the hub shares them; without it they live in this
process, which is right for one worker. See docs/decisions/0043-rate-limits.md.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Decision", "Limiter", "LocalLimiter", "RedisLimiter", "make_limiter", "volume_day"]

_CST = dt.timezone(dt.timedelta(hours=8))


def volume_day(now: float | None = None) -> str:
    """The day (UTC+8) a row quota counts against."""
    return dt.datetime.fromtimestamp(now if now is not None else time.time(), _CST).strftime("%Y%m%d")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Limiter(Protocol):
    def take(self, grant_id: int, rate: float, burst: int) -> Decision: ...

    def rows_left(self, grant_id: int, daily_rows: int) -> int: ...

    def add_rows(self, grant_id: int, rows: int) -> None: ...


class LocalLimiter:
    """In-process counters (one worker)."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._rows: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def take(self, grant_id: int, rate: float, burst: int) -> Decision:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(grant_id, (float(burst), now))
            tokens = min(float(burst), tokens + (now - at) * rate)
            if tokens >= 1.0:
                self._buckets[grant_id] = (tokens - 1.0, now)
                return Decision(True)
            self._buckets[grant_id] = (tokens, now)
            return Decision(False, (1.0 - tokens) / rate)

    def rows_left(self, grant_id: int, daily_rows: int) -> int:
        with self._lock:
            return max(0, daily_rows - self._rows.get((grant_id, volume_day()), 0))

    def add_rows(self, grant_id: int, rows: int) -> None:
        if rows <= 0:
            return
        day = volume_day()
        with self._lock:
            for key in [k for k in self._rows if k[1] != day]:
                del self._rows[key]
            self._rows[(grant_id, day)] = self._rows.get((grant_id, day), 0) + rows


# KEYS[1] bucket; ARGV rate, burst. Returns {allowed, retry_after_ms}. The server's clock, not the workers'.
_BUCKET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 60000)
return {allowed, wait}
"""


class RedisLimiter:
    """Counters in Redis, shared by every worker of the hub."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._bucket = self.client.register_script(_BUCKET)

    def take(self, grant_id: int, rate: float, burst: int) -> Decision:
        allowed, wait_ms = self._bucket(keys=[f"{self.prefix}bucket:{grant_id}"], args=[rate, burst])
        return Decision(bool(int(allowed)), int(wait_ms) / 1000)

    def rows_left(self, grant_id: int, daily_rows: int) -> int:
        used = self.client.get(f"{self.prefix}rows:{grant_id}:{volume_day()}")
        return max(0, daily_rows - int(used or 0))

    def add_rows(self, grant_id: int, rows: int) -> None:
        if rows <= 0:
            return
        key = f"{self.prefix}rows:{grant_id}:{volume_day()}"
        pipe = self.client.pipeline()
        pipe.incrby(key, rows)
        pipe.expire(key, 2 * 86400)
        pipe.execute()


def make_limiter(redis_url: str | None, prefix: str) -> Limiter:
    return RedisLimiter(redis_url, prefix) if redis_url else LocalLimiter()
