"""Global pacing of call creation, shared by every worker on every machine.

Two limits of the carrier account are kept in Redis, in one atomic script:

* calls per second, as GCRA: each dial reserves the next free start time, spaced
  1/CPS apart, and sleeps until it. No burst is allowed, so no one-second window ever holds
  more than CPS creates, and a steady stream reaches the limit exactly;
* concurrent calls in flight, as a sorted set of call-attempt ids scored by a lease
  expiry. A slot is released on the call's final status; if that callback is lost, the
  lease runs out and the slot frees itself, so a lost callback cannot leak capacity.

The script reads Redis's own clock (TIME), so workers on several machines agree; times
leave Lua as '%.6f' strings (Lua's tostring keeps only 14 digits: 100 µs at epoch scale).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis import Redis

TAT_KEY = "buurtlijn:pace:tat"
INFLIGHT_KEY = "buurtlijn:pace:inflight"
SENT_KEY = "buurtlijn:pace:sent"

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local max_concurrent = tonumber(ARGV[2])
local lease_s = tonumber(ARGV[4])
if max_concurrent > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZSCORE', KEYS[2], ARGV[3]) == false
     and redis.call('ZCARD', KEYS[2]) >= max_concurrent then
    return {'-1', string.format('%.6f', now)}
  end
end
local start = now
if interval > 0 then
  local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
  if tat > now then start = tat end
  redis.call('SET', KEYS[1], string.format('%.6f', start + interval), 'EX', 3600)
end
if max_concurrent > 0 then
  redis.call('ZADD', KEYS[2], start + lease_s, ARGV[3])
end
return {string.format('%.6f', start - now), string.format('%.6f', now)}
"""

_TRANSFER = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[1], score, ARGV[2])
end
return score
"""

# The last word before a create request goes out: at most `limit` sends in any `window`
# seconds of Redis time. GCRA spacing already keeps to that; this catches a thread that
# woke late from its sleep right before one that woke on time. Returns {wait, now}: wait 0
# means "go", and `now` is then the moment of sending on the shared clock.
_GATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('EXPIRE', KEYS[1], 5)
  return {'0', string.format('%.6f', now)}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {string.format('%.6f', tonumber(oldest[2]) + window - now), string.format('%.6f', now)}
"""


@dataclass(frozen=True)
class Limits:
    cps: float  # calls per second to space starts at (below the carrier's); 0 = unlimited
    max_concurrent: int  # calls in flight; 0 = unlimited
    lease_s: float  # how long a slot is held if its final status never comes
    window_limit: int = 0  # the carrier's CPS: most sends in any one second; 0 = none
    # The gate counts that second a little longer: the carrier stamps a create when it
    # arrives, after our request's latency, and two requests never take equally long.
    # A send the gate held back (its window full) would otherwise be exactly one second
    # after the oldest, and arrive less than a second after it if that one was slower.
    window_s: float = 1.0


class Pacer:
    """Reserve a call start (rate and slot) for one call attempt; release on final status."""

    def __init__(self, redis: Redis, limits: Limits) -> None:
        self.redis = redis
        self.limits = limits
        self._acquire = redis.register_script(_ACQUIRE)
        self._transfer = redis.register_script(_TRANSFER)
        self._gate = redis.register_script(_GATE)

    def reserve(self, attempt_key: str) -> float | None:
        """Seconds to wait before dialling, or None when every concurrent slot is taken."""
        reservation = self.reserve_start(attempt_key)
        return None if reservation is None else reservation[1]

    def reserve_start(self, attempt_key: str) -> tuple[float, float] | None:
        """(start time on Redis's clock, seconds to wait), or None when no slot is free."""
        interval = 1.0 / self.limits.cps if self.limits.cps > 0 else 0.0
        wait, now = self._acquire(
            keys=[TAT_KEY, INFLIGHT_KEY],
            args=[interval, self.limits.max_concurrent, attempt_key, self.limits.lease_s],
        )
        wait = float(wait)
        return None if wait < 0 else (float(now) + wait, wait)

    def gate(self, send_key: str) -> float:
        """Block until a create request may go out without a one-second window exceeding
        the carrier's CPS; `send_key` must be unique per request.

        Returns the moment the send was let through, in epoch seconds on Redis's clock
        (this process's clock when there is no window limit). That moment, not a local
        clock read a thread switch later, is what the one-second windows are counted on,
        so it is the one to record as the time of sending."""
        if self.limits.window_limit <= 0:
            return time.time()
        while True:
            wait, now = self._gate(keys=[SENT_KEY], args=[self.limits.window_limit, send_key,
                                                          self.limits.window_s])
            if float(wait) <= 0:
                return float(now)
            time.sleep(float(wait))

    def transfer(self, ticket: str, attempt_key: str) -> None:
        """Hand a slot reserved under a temporary ticket to the attempt that uses it."""
        self._transfer(keys=[INFLIGHT_KEY], args=[ticket, attempt_key])

    def release(self, attempt_key: str) -> None:
        self.redis.zrem(INFLIGHT_KEY, attempt_key)

    def in_flight(self) -> int:
        return int(self.redis.zcard(INFLIGHT_KEY))
