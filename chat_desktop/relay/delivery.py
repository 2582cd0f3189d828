"""Delivery of stored envelopes to one connected device, in order, each once per connection.

On connect the device's queue drains the store from the start (so everything unacked is
redelivered on every connect); messages stored while it is connected are pushed to it
straight from the send path, skipping a read. A cursor (the highest ``seq`` delivered on this
connection) makes the two sources meet without gaps or duplicates: the queue is registered
before its first read, so an envelope committed after that read is pushed, one committed
before it is read, and one that is both is skipped by the cursor.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Final

from chat_desktop.protocol.codec import encode_event
from chat_desktop.relay.logs import log_exception
from chat_desktop.relay.store import RelayStore, StoredEnvelope

#: Envelopes read from the store per query while draining.
DRAIN_BATCH: Final = 256
#: Pushed envelopes held in memory before falling back to a store drain.
MAX_PUSHED: Final = 4096
#: Pause before retrying after a failed read or emit.
RETRY_DELAY_S: Final = 1.0

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class DeviceDelivery:
    """The delivery queue of one connection of one device."""

    def __init__(
        self,
        store: RelayStore,
        user: str,
        device_id: int,
        emit: Emit,
        clock: Callable[[], int],
    ) -> None:
        """Creates the queue; :meth:`start` begins delivering.

        Args:
            store: Where envelopes are read from.
            user: The recipient account.
            device_id: The recipient device.
            emit: Sends one ``message`` payload to this connection.
            clock: Current time in ms, to skip envelopes that expired meanwhile.
        """
        self._store = store
        self._user = user
        self._device_id = device_id
        self._emit = emit
        self._clock = clock
        self._cursor = 0
        self._pushed: collections.deque[StoredEnvelope] = collections.deque()
        self._drain_requested = True
        self._started = False
        self._stopped = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Starts delivering: drains the store now, then whatever is pushed or requested."""
        self._started = True
        self._wake()

    def push(self, envelope: StoredEnvelope) -> None:
        """Hands over an envelope that was just stored for this device."""
        if len(self._pushed) >= MAX_PUSHED:
            self._pushed.clear()
            self._drain_requested = True
        else:
            self._pushed.append(envelope)
        self._wake()

    def request_drain(self) -> None:
        """Asks for a read of the store, e.g. after another process stored something."""
        self._drain_requested = True
        self._wake()

    async def stop(self) -> None:
        """Stops delivering; envelopes not acked stay stored for the next connection."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _wake(self) -> None:
        """Runs a delivery task unless one is running: an idle connection holds none (issue
        25: thousands of idle connections, each with a waiting task, slow the collector)."""
        if self._task is None and self._started and not self._stopped:
            self._task = asyncio.create_task(self._run(), name="relay-delivery")

    async def _run(self) -> None:
        try:
            while self._drain_requested or self._pushed:
                try:
                    if self._drain_requested:
                        self._drain_requested = False
                        await self._drain()
                    while self._pushed:
                        await self._deliver(self._pushed.popleft())
                except Exception:
                    # Nothing is lost: undelivered envelopes stay stored; retry from the store.
                    log_exception("delivery_failed", device_id=self._device_id)
                    self._pushed.clear()
                    await asyncio.sleep(RETRY_DELAY_S)
                    self._drain_requested = True
        finally:
            # Nothing awaited between the last look at the queue and here: a push after this
            # line starts a new task, one before it was taken by this one.
            if self._task is asyncio.current_task():
                self._task = None

    async def _drain(self) -> None:
        while True:
            batch = await self._store.pending_envelopes(
                self._user, self._device_id, self._cursor, self._clock(), DRAIN_BATCH
            )
            for envelope in batch:
                await self._deliver(envelope)
            if len(batch) < DRAIN_BATCH:
                return

    async def _deliver(self, envelope: StoredEnvelope) -> None:
        if envelope.seq <= self._cursor:
            return
        self._cursor = envelope.seq
        if envelope.expires_at is not None and envelope.expires_at <= self._clock():
            return  # expired while queued: never delivered, the sweeper deletes it
        await self._emit(encode_event(envelope.to_delivery()))
