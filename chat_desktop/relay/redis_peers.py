"""The other relay processes on the same store, reached through Redis pub/sub (``--redis``).

What one process tells the others (formats in :mod:`chat_desktop.relay.redis_messages`):

- **wake-ups**: a send stored envelopes for devices not connected here; the process holding
  such a device's socket asks its delivery queue to drain the store;
- **device changes**: a device was removed (its socket elsewhere is cut at once) or linked
  (the account's devices elsewhere get ``devices:changed``);
- **account resets**: an account was deleted; its connections elsewhere whose identity key is
  no longer the stored one are cut (the store's reset log, polled, stays the fallback);
- **presence**: an announcement made here is published, and every process sends it to the
  followers connected to it; who is online where is in Redis
  (:mod:`chat_desktop.relay.redis_presence`);
- **rate limits**: every rule but ``messages`` keeps its buckets in Redis
  (:mod:`chat_desktop.relay.redis_limits`);
- **filled provisioning channels**: the channels themselves are in Redis
  (:mod:`chat_desktop.relay.redis_channels`); a fill wakes the long polls of every process.

Every signal is checked against the store before anything is cut, so a forged or stale one
cuts nothing (a ``presence`` event is passed on as it is: Redis must be private to the
relays). And none is needed for correctness: a drain tick (every :data:`DRAIN_INTERVAL_S`)
asks the store once which devices have envelopes stored since the start of the last good
tick (minus :data:`DRAIN_SLACK_MS`) and has the queues of those connected here drain, and all
queues drain when the subscription comes back after an outage, so a Redis outage delays
messages but never loses them. An idle connection costs the tick no store read (issue 25:
the timer used to read every queue, 1,000 reads a second at 5,000 connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Sequence
from typing import Final

from redis.exceptions import RedisError

from chat_desktop.relay import redis_messages
from chat_desktop.relay.config import RateRule
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.handlers import presence
from chat_desktop.relay.handlers.devices import notify_devices_changed
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.redis_bus import RedisBus, connect
from chat_desktop.relay.redis_channels import FILLED_CHANNEL, RedisChannels
from chat_desktop.relay.redis_limits import RedisLimiter
from chat_desktop.relay.redis_messages import (
    AccountReset,
    DevicesChanged,
    MalformedMessage,
    PresenceChanged,
    Wake,
    WakeDevice,
)
from chat_desktop.relay.redis_presence import RedisPresence
from chat_desktop.relay.resets import cut_stale_connections
from chat_desktop.relay.sessions import ConnectedDevice

#: Seconds between two drain ticks of this process: about the longest a message waits when
#: its wake-up was lost (Redis down, a process restarting).
DRAIN_INTERVAL_S: Final = 5.0
#: How far (ms) a tick looks back before the start of the last successful one: the clocks of
#: the processes may differ, and a send commits a little after the ``server_ts`` it stamps.
DRAIN_SLACK_MS: Final = 10_000
#: Recipient devices one tick takes from the store at most; a tick that gets this many asks
#: every queue of this process to drain instead.
DRAIN_TICK_RECIPIENTS: Final = 4096


class RedisPeers:
    """This process's side of the Redis signals (a :class:`~chat_desktop.relay.context.
    PeerProcesses`)."""

    def __init__(self, context: RelayContext, url: str) -> None:
        """Prepares the signals of ``context``'s process; :meth:`start` connects."""
        self._context = context
        self.process_id = secrets.token_hex(8)
        self._bus = RedisBus(
            url,
            {
                redis_messages.WAKE_CHANNEL: self._on_wake,
                redis_messages.DEVICES_CHANNEL: self._on_devices_changed,
                redis_messages.RESET_CHANNEL: self._on_account_reset,
                redis_messages.PRESENCE_CHANNEL: self._on_presence_changed,
                FILLED_CHANNEL: self._on_channel_filled,
            },
            self._reconnected,
        )
        #: Which users are online at which process.
        self.presence = RedisPresence(url)
        self._limits_client = connect(url)
        context.sessions.on_user_change = self.presence.set_online
        #: The provisioning channels of every process (kept in Redis).
        self.channels = RedisChannels(
            url,
            lambda: context.clock(),
            lambda provision_id: self._bus.publish(FILLED_CHANNEL, provision_id),
        )
        self._timer: asyncio.Task[None] | None = None
        #: Drain ticks that read the store successfully so far (for tests and metrics).
        self.ticks = 0

    @property
    def connected(self) -> bool:
        """True while the Redis subscription is up."""
        return self._bus.connected

    def start(self) -> None:
        """Connects (in the background: Redis may be down) and starts the drain timer."""
        self.presence.start()
        self._bus.start()
        self._timer = asyncio.create_task(self._drain_forever(), name="relay-drain-timer")

    async def stop(self) -> None:
        """Stops the timer and the Redis connections."""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await self._bus.stop()
        await self.channels.aclose()
        await self.presence.stop()
        with contextlib.suppress(RedisError, OSError):
            await self._limits_client.aclose()

    def limiter(self, name: str, rule: RateRule) -> RedisLimiter:
        """Returns the rate rule ``name`` with its buckets in Redis (shared by every process)."""
        return RedisLimiter(name, rule, self._limits_client, lambda: self._bus.connected)

    # ---- what this process says -------------------------------------------------------------

    def wake(self, devices: Sequence[tuple[str, int]]) -> None:
        """See :meth:`PeerProcesses.wake`."""
        if not devices:
            return
        limit = redis_messages.MAX_WOKEN_DEVICES
        for start in range(0, len(devices), limit):
            woken = [WakeDevice(user, device_id) for user, device_id in devices[start:][:limit]]
            self._publish(redis_messages.WAKE_CHANNEL, Wake(origin=self.process_id, devices=woken))

    def devices_changed(self, user: str, removed: int | None) -> None:
        """See :meth:`PeerProcesses.devices_changed`."""
        message = DevicesChanged(origin=self.process_id, user=user, removed=removed)
        self._publish(redis_messages.DEVICES_CHANNEL, message)

    def account_reset(self, user: str) -> None:
        """See :meth:`PeerProcesses.account_reset`."""
        message = AccountReset(origin=self.process_id, user=user)
        self._publish(redis_messages.RESET_CHANNEL, message)

    def presence_changed(
        self, user: str, online: bool, last_seen: int | None, visible: bool | None
    ) -> None:
        """See :meth:`PeerProcesses.presence_changed`."""
        message = PresenceChanged(
            origin=self.process_id, user=user, online=online, last_seen=last_seen, visible=visible
        )
        self._publish(redis_messages.PRESENCE_CHANNEL, message)

    async def online_elsewhere(self, users: Sequence[str]) -> set[str]:
        """See :meth:`PeerProcesses.online_elsewhere`."""
        return await self.presence.online_elsewhere(users)

    def _publish(self, channel: str, message: redis_messages.RedisMessage) -> None:
        self._bus.publish(channel, redis_messages.encode(message))

    # ---- what this process hears ------------------------------------------------------------

    async def _on_wake(self, data: bytes) -> None:
        message = self._decode(data, Wake)
        if message is None:
            return
        for device in message.devices:
            connection = self._context.sessions.by_device(device.user, device.device_id)
            if connection is not None:
                connection.delivery.request_drain()

    async def _on_devices_changed(self, data: bytes) -> None:
        message = self._decode(data, DevicesChanged)
        if message is None:
            return
        context, user = self._context, message.user
        cut = [] if message.removed is None else await self._take_removed(user, message.removed)
        if not cut and not context.sessions.is_online(user):
            return
        devices = await context.store.list_devices(user)
        await notify_devices_changed(context, user, devices, also_to=[c.sid for c in cut])
        for connection in cut:
            log_event("connection_cut", sid=connection.sid, device_id=connection.device_id)
            try:
                await context.sio.disconnect(connection.sid)
            except Exception:
                log_exception("disconnect_failed", device_id=connection.device_id)
        if any(c.visible for c in cut) and not context.sessions.is_online(user):
            await presence.announce(context, user, False, None)

    async def _take_removed(self, user: str, device_id: int) -> list[ConnectedDevice]:
        """Takes a removed device's connection here out of the registry and stops its
        delivery; returns it (none when it is not here, or the store still has the device)."""
        context = self._context
        # Before anything awaits: a connect of that device now looks at the store again.
        context.device_removals += 1
        connection = context.sessions.by_device(user, device_id)
        if connection is None or (
            await context.store.device_credentials(user, device_id) is not None
        ):
            return []
        if context.sessions.remove(connection.sid) is None:
            return []  # gone meanwhile
        await connection.delivery.stop()
        return [connection]

    async def _on_account_reset(self, data: bytes) -> None:
        message = self._decode(data, AccountReset)
        if message is not None and self._context.sessions.is_online(message.user):
            await cut_stale_connections(self._context, message.user)

    async def _on_presence_changed(self, data: bytes) -> None:
        message = self._decode(data, PresenceChanged)
        if message is None:
            return
        if message.visible is not None:
            for connection in self._context.sessions.devices_of(message.user):
                connection.visible = message.visible
        await presence.emit_presence(self._context, message.user, message.online, message.last_seen)

    async def _on_channel_filled(self, data: bytes) -> None:
        self.channels.wake(data)

    def _decode(self, data: bytes, kind: type[redis_messages.M]) -> redis_messages.M | None:
        """Returns the message, or None for a malformed one or one this process sent."""
        try:
            message = redis_messages.decode(data, kind)
        except MalformedMessage:
            log_event("redis_message_malformed", kind=kind.__name__)
            return None
        return None if message.origin == self.process_id else message

    # ---- the drain tick ----------------------------------------------------------------------

    async def _reconnected(self) -> None:
        """Redis is back: write this process's users again, and read every queue (the
        wake-ups published meanwhile were missed)."""
        self.presence.resync(self._context.sessions.users())
        await self._drain_all()

    async def _drain_all(self) -> None:
        """Asks every delivery queue here to read the store (wake-ups may have been missed)."""
        for connection in self._context.sessions.all():
            connection.delivery.request_drain()

    async def _drain_forever(self) -> None:
        # Envelopes stored before a connection came are read by its drain on connect.
        since_ms = self._context.clock() - DRAIN_SLACK_MS
        while True:
            await asyncio.sleep(DRAIN_INTERVAL_S)
            since_ms = await self._tick(since_ms)

    async def _tick(self, since_ms: int) -> int:
        """Asks the queues here of the devices with envelopes stored at or after ``since_ms``
        to drain: one store query, whatever the number of connections.

        Returns:
            Where the next tick looks from: this tick's start minus :data:`DRAIN_SLACK_MS`,
            or ``since_ms`` again when the store failed (nothing is skipped).
        """
        started_ms = self._context.clock()
        try:
            recipients = await self._context.store.recipients_since(since_ms, DRAIN_TICK_RECIPIENTS)
        except Exception:
            log_exception("drain_tick_failed")  # the error's type only
            return since_ms
        if len(recipients) >= DRAIN_TICK_RECIPIENTS:
            await self._drain_all()  # the query hit its bound: read every queue
        else:
            sessions = self._context.sessions
            for user, device_id in recipients:
                connection = sessions.by_device(user, device_id)
                if connection is not None:
                    connection.delivery.request_drain()
        self.ticks += 1
        return started_ms - DRAIN_SLACK_MS


async def announce_reset(url: str, user: str) -> bool:
    """Publishes one account reset from outside any relay (``chat-relay --reset-account``).

    Returns:
        False when Redis could not be reached: the running relays' poll of the reset log
        cuts the account's connections within ``reset_check_interval_s`` then.
    """
    from redis.exceptions import RedisError

    from chat_desktop.relay.redis_bus import SOCKET_TIMEOUT_S, connect

    client = connect(url)
    message = AccountReset(origin=secrets.token_hex(8), user=user)
    try:
        await asyncio.wait_for(
            client.publish(redis_messages.RESET_CHANNEL, redis_messages.encode(message)),
            SOCKET_TIMEOUT_S,
        )
    except (RedisError, OSError, TimeoutError):
        return False
    finally:
        with contextlib.suppress(RedisError, OSError):
            await client.aclose()
    return True
