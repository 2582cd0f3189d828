"""Token-bucket rate limits (docs/protocol.md §6), answered with ``rate_limited`` + ``retry_after``.

One :class:`RateLimiter` per rule, keyed by account (or, for registrations and provisioning
channels, by client address: see :mod:`chat_desktop.relay.client_address`).
Buckets live in memory: a restarted relay starts everyone with full buckets, which errs on
the side of serving. Handlers use a rule through :class:`Limiter` (awaited): this process's
buckets (:class:`LocalLimiter`), or with several relay processes buckets in Redis
(:class:`chat_desktop.relay.redis_limits.RedisLimiter`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, Protocol

from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.relay.config import RateRule

_PRUNE_THRESHOLD: Final = 10_000


class RateLimiter:
    """Token buckets of one rule: ``count`` tokens, refilled at ``count / period_s`` per s."""

    def __init__(self, rule: RateRule, clock: Callable[[], float] = time.monotonic) -> None:
        """Creates the limiter; ``clock`` returns seconds (monotonic)."""
        self._rule = rule
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def acquire(self, key: str, cost: float = 1.0) -> None:
        """Takes ``cost`` tokens from ``key``'s bucket.

        Raises:
            ProtocolError: ``rate_limited`` with ``retry_after`` = seconds until the tokens
                are there; nothing is taken then.
        """
        now = self._clock()
        tokens, updated = self._buckets.get(key, (float(self._rule.count), now))
        tokens = min(float(self._rule.count), tokens + (now - updated) * self._rule.per_second)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            retry_after = (cost - tokens) / self._rule.per_second
            raise ProtocolError(
                ErrorCode.RATE_LIMITED, "rate limit exceeded", retry_after=retry_after
            )
        self._buckets[key] = (tokens - cost, now)
        if len(self._buckets) > _PRUNE_THRESHOLD:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Forgets buckets that are full again: they behave exactly like absent ones."""
        full_after = self._rule.period_s
        self._buckets = {
            key: value for key, value in self._buckets.items() if now - value[1] < full_after
        }


class Limiter(Protocol):
    """One rate rule as handlers use it, wherever its buckets are kept."""

    async def acquire(self, key: str, cost: float = 1.0) -> None:
        """See :meth:`RateLimiter.acquire`."""
        ...


class LocalLimiter:
    """A :class:`Limiter` over this process's buckets (never suspends: a handler that checks
    something, acquires and acts has nothing yield in between)."""

    def __init__(self, limiter: RateLimiter) -> None:
        """Wraps ``limiter``."""
        self.limiter = limiter

    async def acquire(self, key: str, cost: float = 1.0) -> None:
        """See :meth:`RateLimiter.acquire`."""
        self.limiter.acquire(key, cost)
