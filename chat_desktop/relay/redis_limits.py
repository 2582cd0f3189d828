"""Rate limits shared by every relay process: token buckets in Redis (``--redis``).

The same buckets as :class:`chat_desktop.relay.limits.RateLimiter` (``count`` tokens, refilled
at ``count / period_s`` a second), kept in the hash ``chat-relay:rate:{rule}:{key}``
(``tokens``, ``updated_ms``; gone once full again, after ``period_s``) and taken from by one
Lua script on Redis's own clock, so N processes allow a rule once, not N times.

While Redis is down, or does not answer within :data:`ANSWER_TIMEOUT_S`, a rule falls back to
this process's buckets (each process allows the rule once then, as before Redis): a limit
never stops the relay serving. ``message:send`` keeps to this process's buckets always
(:meth:`chat_desktop.relay.context.RelayLimiters.from_limits`): a round trip to Redis for
every message would cost more than the rule protects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.relay.config import RateRule
from chat_desktop.relay.limits import RateLimiter
from chat_desktop.relay.redis_messages import PREFIX

RATE_KEY_PREFIX: Final = PREFIX + "rate:"
#: Longest wait for Redis before the process's own bucket decides.
ANSWER_TIMEOUT_S: Final = 0.5

# KEYS: the bucket. ARGV: count, tokens per ms, cost, period in ms.
# Returns 0 when taken, else the ms until enough tokens are there.
_TAKE: Final = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local count = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local fields = redis.call('HMGET', KEYS[1], 'tokens', 'updated_ms')
local tokens = tonumber(fields[1]) or count
local updated = tonumber(fields[2]) or now
tokens = math.min(count, tokens + math.max(0, now - updated) * rate)
local wait_ms = 0
if tokens < cost then
  wait_ms = math.ceil((cost - tokens) / rate)
else
  tokens = tokens - cost
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated_ms', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return wait_ms
"""


class RedisLimiter:
    """One rate rule over buckets in Redis (a :class:`~chat_desktop.relay.limits.Limiter`)."""

    def __init__(
        self,
        name: str,
        rule: RateRule,
        client: redis_asyncio.Redis,
        redis_up: Callable[[], bool],
    ) -> None:
        """Prepares the rule.

        Args:
            name: The rule's name (part of its keys), e.g. ``registrations``.
            rule: Its count and period.
            client: The Redis connection.
            redis_up: Whether Redis is reachable now (the subscription's view); when not,
                this process's own buckets decide at once.
        """
        self._rule = rule
        self._prefix = f"{RATE_KEY_PREFIX}{name}:"
        self._take = client.register_script(_TAKE)
        self._redis_up = redis_up
        self._fallback = RateLimiter(rule)

    async def acquire(self, key: str, cost: float = 1.0) -> None:
        """See :meth:`chat_desktop.relay.limits.RateLimiter.acquire` (across processes).

        Raises:
            ProtocolError: ``rate_limited`` with ``retry_after``.
        """
        if not self._redis_up():
            self._fallback.acquire(key, cost)
            return
        try:
            wait_ms: Any = await asyncio.wait_for(
                self._take(
                    keys=[self._prefix + key],
                    args=[
                        self._rule.count,
                        repr(self._rule.per_second / 1000),
                        repr(cost),
                        max(1, round(self._rule.period_s * 1000)),
                    ],
                ),
                ANSWER_TIMEOUT_S,
            )
        except (RedisError, OSError, TimeoutError):
            self._fallback.acquire(key, cost)
            return
        if int(wait_ms) > 0:
            raise ProtocolError(
                ErrorCode.RATE_LIMITED, "rate limit exceeded", retry_after=int(wait_ms) / 1000
            )
