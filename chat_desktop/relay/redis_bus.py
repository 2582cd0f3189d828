"""A Redis pub/sub connection that survives Redis going away: the relay's wake-up line.

:class:`RedisBus` subscribes to a fixed set of channels and hands every message to the
handler of its channel; :meth:`RedisBus.publish` queues a message and returns at once, so a
send never waits for Redis. Redis here is only a signal path between relay processes: the
store is the source of truth, and everything a lost signal would have said is found again by
the timer drains of :mod:`chat_desktop.relay.redis_peers`. So while Redis is down, messages
to publish are dropped (never queued without bound), the subscriber reconnects with
exponential backoff, and the outage is logged once (``redis_unavailable``, the error's type
only: the URL may hold a password) and its end once (``redis_connected``). Each
(re)subscription calls the ``on_connected`` callback, since messages published meanwhile
were missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

from chat_desktop.relay.logs import log_event, log_exception

#: First pause before reconnecting; doubled after every failed try up to the maximum.
RECONNECT_MIN_S: Final = 0.1
RECONNECT_MAX_S: Final = 5.0
#: Longest wait for a TCP connect or a reply; a hung Redis must not hold anything longer.
SOCKET_TIMEOUT_S: Final = 2.0
#: Seconds between two pings of an idle subscription (finds a silently dead connection).
HEALTH_CHECK_S: Final = 10.0
#: Messages waiting to be published; past it new ones are dropped (the timer drains cover).
MAX_OUTBOX: Final = 10_000

Handler = Callable[[bytes], Awaitable[None]]


def connect(url: str) -> redis_asyncio.Redis:
    """Returns a client of ``url`` (it connects on first use) with bounded waits."""
    return redis_asyncio.Redis.from_url(
        url,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        socket_keepalive=True,
        health_check_interval=HEALTH_CHECK_S,
    )


class RedisBus:
    """One subscriber connection and one publisher connection to Redis."""

    def __init__(
        self,
        url: str,
        handlers: Mapping[str, Handler],
        on_connected: Callable[[], Awaitable[None]],
    ) -> None:
        """Prepares the bus; :meth:`start` connects.

        Args:
            url: ``redis://host:port/db``.
            handlers: The handler of each channel subscribed to, by full channel name.
            on_connected: Called after every successful (re)subscription.
        """
        self._url = url
        self._handlers = dict(handlers)
        self._on_connected = on_connected
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(MAX_OUTBOX)
        self._connected = False
        self._down_logged = False
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connected(self) -> bool:
        """True while the subscription is up (publishing is attempted only then)."""
        return self._connected

    def start(self) -> None:
        """Starts the subscriber and the publisher; returns at once (Redis may be down)."""
        self._tasks = [
            asyncio.create_task(self._subscribe_forever(), name="relay-redis-subscriber"),
            asyncio.create_task(self._publish_forever(), name="relay-redis-publisher"),
        ]

    async def stop(self) -> None:
        """Stops both connections; queued messages are dropped."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        self._connected = False

    def publish(self, channel: str, message: bytes) -> None:
        """Queues ``message`` for ``channel``; dropped while Redis is down or the queue full."""
        if not self._connected:
            return
        with contextlib.suppress(asyncio.QueueFull):
            self._outbox.put_nowait((channel, message))

    def _went_down(self, error: BaseException, *, subscription: bool = True) -> None:
        """Notes a failure; the subscriber's marks the bus down until it resubscribes (a
        failed publish alone does not: the next one reconnects by itself)."""
        if subscription:
            self._connected = False
        if not self._down_logged:
            self._down_logged = True
            log_event("redis_unavailable", logging.WARNING, error=type(error).__name__)

    def _came_back(self) -> None:
        """Logs the end of an outage once (the next one is logged again)."""
        if self._down_logged:
            self._down_logged = False
            log_event("redis_connected")

    async def _subscribe_forever(self) -> None:
        delay = RECONNECT_MIN_S
        while True:
            client = connect(self._url)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(*self._handlers)
                self._connected = True
                delay = RECONNECT_MIN_S
                self._came_back()
                await self._on_connected()
                while True:
                    message = await pubsub.get_message(timeout=HEALTH_CHECK_S)
                    if message is not None:
                        await self._dispatch(message)
            except (RedisError, OSError) as error:
                self._went_down(error)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        channel = message["channel"]
        handler = self._handlers.get(channel.decode() if isinstance(channel, bytes) else channel)
        data = message["data"]
        if handler is None or not isinstance(data, bytes):
            return
        try:
            await handler(data)
        except Exception:
            log_exception("redis_message_failed")

    async def _publish_forever(self) -> None:
        client = connect(self._url)
        try:
            while True:
                channel, message = await self._outbox.get()
                if not self._connected:
                    continue  # Redis went down after it was queued: the timer drains cover it
                try:
                    await asyncio.wait_for(client.publish(channel, message), SOCKET_TIMEOUT_S)
                except (RedisError, OSError, TimeoutError) as error:
                    self._went_down(error, subscription=False)
                else:
                    self._came_back()  # after a failed publish while subscribed
        finally:
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    """Cancels ``tasks`` and waits until each has ended.

    A task inside redis-py (or Python 3.11's ``wait_for``) may swallow a cancel and go on: the
    cancel is repeated until the task is done, so a stopping relay never waits for ever.
    """
    for task in tasks:
        task.cancel()
    for task in tasks:
        while not task.done():
            await asyncio.wait([task], timeout=0.1)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
