"""Provisioning channels: one-shot mailboxes that carry a link envelope to a new device.

A new device opens a channel (``POST /v1/provisioning``), shows its id in the link code, and
long-polls it; an existing device of the account fills it once (``PUT``) with the
end-to-end encrypted provisioning envelope (docs/protocol.md §6.11). The relay never reads
the envelope and keeps nothing of it once it was fetched.

Channels live in this process's memory only, each with an :class:`asyncio.Event` that wakes
its waiters. **A restart of the relay loses every open channel**; the new device's poll then
gets ``404`` and the user simply starts linking again (nothing was registered yet; the
existing device asks for a new link token, since a token fills one channel only). Memory is
bounded: at most :data:`MAX_OPEN_CHANNELS` channels, :data:`MAX_CHANNELS_PER_ADDRESS` of
them opened from one client address (so a few addresses cannot take every slot), and
:data:`MAX_HELD_BYTES` envelope bytes are held at once, and every channel is gone after
:data:`CHANNEL_LIFETIME_MS`.

A fill is two steps around the store write that spends the link token's one fill:
:meth:`ProvisioningChannels.reserve` holds the channel (a second fill is refused at once),
then :meth:`~ProvisioningChannels.fill` puts the envelope in, or
:meth:`~ProvisioningChannels.release` frees the channel when the token was refused.

The routes use the channels through :class:`Channels`, an async interface: here
:class:`LocalChannels` over this process's :class:`ProvisioningChannels`; with several relay
processes (``--redis``) :class:`chat_desktop.relay.redis_channels.RedisChannels`, so a
channel opened through one process can be filled and read through another.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol

#: How long a channel lives after it was opened.
CHANNEL_LIFETIME_MS: Final = 10 * 60 * 1000
#: Most channels open at once in one relay process.
MAX_OPEN_CHANNELS: Final = 10_000
#: Most channels open at once that one client address (an IPv6 /64) opened: a new device
#: needs one; a few more allow for retries and several people behind one NAT.
MAX_CHANNELS_PER_ADDRESS: Final = 4
#: Most envelope bytes held at once (filled channels not fetched yet).
MAX_HELD_BYTES: Final = 256 * 1024 * 1024
#: Longest long-poll of ``GET /v1/provisioning/{id}``.
MAX_WAIT_S: Final = 30.0


class ChannelError(Exception):
    """Base class of the channel errors."""


class UnknownChannel(ChannelError):
    """No such channel: never opened, expired, already fetched, or lost in a restart."""


class ChannelFilled(ChannelError):
    """The channel holds an envelope already; a channel is filled once."""


class ChannelsFull(ChannelError):
    """The relay holds as many channels or envelope bytes as it allows; try again later."""


class AddressFull(ChannelsFull):
    """The client address has :data:`MAX_CHANNELS_PER_ADDRESS` channels open already."""


class ChannelsUnavailable(ChannelsFull):
    """Where the channels are kept (Redis, with several relay processes) cannot be reached
    now; try again later."""


@dataclass(frozen=True, slots=True)
class OpenedChannel:
    """A new channel's id (32 lower-case hex characters) and when it expires (ms)."""

    provision_id: str
    expires_at: int


@dataclass(eq=False)
class _Channel:
    expires_at: int
    owner: str
    envelope: bytes | None = None
    #: Bytes held for a fill in progress (:meth:`ProvisioningChannels.reserve`), else None.
    reserved: int | None = None
    filled: asyncio.Event = field(default_factory=asyncio.Event)


class ProvisioningChannels:
    """The open provisioning channels of one relay process."""

    def __init__(
        self,
        clock: Callable[[], int],
        *,
        lifetime_ms: int = CHANNEL_LIFETIME_MS,
        max_open: int = MAX_OPEN_CHANNELS,
        max_held_bytes: int = MAX_HELD_BYTES,
        max_per_owner: int = MAX_CHANNELS_PER_ADDRESS,
    ) -> None:
        """Starts with no channel.

        Args:
            clock: Current time in ms (the relay's clock, so tests can move it).
            lifetime_ms: How long a channel lives.
            max_open: Most channels open at once.
            max_held_bytes: Most envelope bytes held at once.
            max_per_owner: Most channels open at once per owner (client address).
        """
        self._clock = clock
        self._lifetime_ms = lifetime_ms
        self._max_open = max_open
        self._max_held_bytes = max_held_bytes
        self._max_per_owner = max_per_owner
        self._per_owner: dict[str, int] = {}
        # Insertion order is expiry order (one lifetime for all), so pruning stops at the
        # first live channel.
        self._channels: dict[str, _Channel] = {}
        self._held_bytes = 0

    def __len__(self) -> int:
        """How many channels are open (expired ones not pruned yet included)."""
        return len(self._channels)

    def check_room(self, owner: str) -> None:
        """Checks that ``owner`` may open a channel now (call it before charging a limit).

        Raises:
            AddressFull: ``owner`` has the most channels open already.
            ChannelsFull: :data:`MAX_OPEN_CHANNELS` channels are open.
        """
        self._prune(self._clock())
        if self._per_owner.get(owner, 0) >= self._max_per_owner:
            raise AddressFull("this address has too many provisioning channels open")
        if len(self._channels) >= self._max_open:
            raise ChannelsFull("too many provisioning channels are open")

    def open(self, owner: str = "") -> OpenedChannel:
        """Opens a channel with a fresh random id for ``owner`` (the client address).

        Raises:
            AddressFull: ``owner`` has the most channels open already.
            ChannelsFull: :data:`MAX_OPEN_CHANNELS` channels are open.
        """
        self.check_room(owner)
        provision_id = secrets.token_hex(16)
        channel = _Channel(expires_at=self._clock() + self._lifetime_ms, owner=owner)
        self._channels[provision_id] = channel
        self._per_owner[owner] = self._per_owner.get(owner, 0) + 1
        return OpenedChannel(provision_id=provision_id, expires_at=channel.expires_at)

    def check_open(self, provision_id: str) -> None:
        """Checks that a channel exists and can still be filled.

        Raises:
            UnknownChannel: No such live channel.
            ChannelFilled: It was filled already, or a fill of it is in progress.
        """
        channel = self._live(provision_id)
        if channel.envelope is not None or channel.reserved is not None:
            raise ChannelFilled("the channel was filled already")

    def reserve(self, provision_id: str, size: int) -> None:
        """Holds the channel and ``size`` envelope bytes for one fill in progress.

        Raises:
            UnknownChannel: No such live channel.
            ChannelFilled: It was filled already, or another fill holds it.
            ChannelsFull: Holding ``size`` more bytes would pass :data:`MAX_HELD_BYTES`.
        """
        self._prune(self._clock())
        self.check_open(provision_id)
        if self._held_bytes + size > self._max_held_bytes:
            raise ChannelsFull("too many provisioning envelopes are waiting")
        self._channels[provision_id].reserved = size
        self._held_bytes += size

    def release(self, provision_id: str) -> None:
        """Gives up a reservation (the fill was refused); the channel can be filled again."""
        channel = self._channels.get(provision_id)
        if channel is not None and channel.envelope is None and channel.reserved is not None:
            self._held_bytes -= channel.reserved
            channel.reserved = None

    def fill(self, provision_id: str, envelope: bytes) -> None:
        """Puts the envelope into the channel (reserved for it, or free) and wakes its waiters.

        Raises:
            UnknownChannel: No such live channel (it may have expired since the reservation).
            ChannelFilled: It was filled already.
            ChannelsFull: Holding the envelope would pass :data:`MAX_HELD_BYTES`.
        """
        self._prune(self._clock())
        channel = self._live(provision_id)
        if channel.envelope is not None:
            raise ChannelFilled("the channel was filled already")
        held_for_it = channel.reserved or 0
        if self._held_bytes - held_for_it + len(envelope) > self._max_held_bytes:
            raise ChannelsFull("too many provisioning envelopes are waiting")
        self._held_bytes += len(envelope) - held_for_it
        channel.reserved = None
        channel.envelope = envelope
        channel.filled.set()

    async def take(self, provision_id: str, wait_s: float) -> bytes | None:
        """Waits up to ``wait_s`` seconds for the envelope; returns it and ends the channel.

        Returns:
            The envelope, or None when the wait ended first (the channel stays open).

        Raises:
            UnknownChannel: No such live channel, or it expired during the wait.
        """
        channel = self._live(provision_id)
        remaining_s = max(0.0, (channel.expires_at - self._clock()) / 1000)
        if channel.envelope is None and wait_s > 0:
            try:
                async with asyncio.timeout(min(wait_s, remaining_s)):
                    await channel.filled.wait()
            except TimeoutError:
                pass
        if self._channels.get(provision_id) is not channel:
            raise UnknownChannel("the channel is gone")  # fetched by another waiter
        if channel.envelope is None:
            self._live(provision_id)  # expired while waiting: 404, not "ask again"
            return None
        self._drop(provision_id)
        return channel.envelope

    def close(self) -> None:
        """Drops every channel and wakes their waiters (answered ``404``): the relay stops."""
        channels = list(self._channels.values())
        self._channels.clear()
        self._per_owner.clear()
        self._held_bytes = 0
        for channel in channels:
            channel.filled.set()

    def _live(self, provision_id: str) -> _Channel:
        channel = self._channels.get(provision_id)
        if channel is None:
            raise UnknownChannel("no such provisioning channel")
        if channel.expires_at <= self._clock():
            self._drop(provision_id)
            raise UnknownChannel("the provisioning channel expired")
        return channel

    def _drop(self, provision_id: str) -> None:
        channel = self._channels.pop(provision_id, None)
        if channel is None:
            return
        if channel.envelope is not None:
            self._held_bytes -= len(channel.envelope)
        elif channel.reserved is not None:
            self._held_bytes -= channel.reserved
        remaining = self._per_owner[channel.owner] - 1
        if remaining:
            self._per_owner[channel.owner] = remaining
        else:
            del self._per_owner[channel.owner]

    def _prune(self, now: int) -> None:
        """Drops expired channels from the front (the oldest) until a live one."""
        while self._channels:
            provision_id, channel = next(iter(self._channels.items()))
            if channel.expires_at > now:
                return
            self._drop(provision_id)


class Channels(Protocol):
    """The provisioning channels as the routes use them, wherever they are kept.

    The methods are those of :class:`ProvisioningChannels`, awaited; each may also raise
    :class:`ChannelsUnavailable`.
    """

    async def check_room(self, owner: str) -> None:
        """See :meth:`ProvisioningChannels.check_room`."""
        ...

    async def open(self, owner: str) -> OpenedChannel:
        """See :meth:`ProvisioningChannels.open`."""
        ...

    async def check_open(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.check_open`."""
        ...

    async def reserve(self, provision_id: str, size: int) -> None:
        """See :meth:`ProvisioningChannels.reserve`."""
        ...

    async def release(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.release`."""
        ...

    async def fill(self, provision_id: str, envelope: bytes) -> None:
        """See :meth:`ProvisioningChannels.fill`."""
        ...

    async def take(self, provision_id: str, wait_s: float) -> bytes | None:
        """See :meth:`ProvisioningChannels.take`."""
        ...

    def close(self) -> None:
        """Ends this process's long polls at once: the relay stops."""
        ...


class LocalChannels:
    """:class:`Channels` over the channels in this process's memory (one relay process)."""

    def __init__(self, channels: ProvisioningChannels) -> None:
        """Wraps ``channels``."""
        self._channels = channels

    async def check_room(self, owner: str) -> None:
        """See :meth:`ProvisioningChannels.check_room`."""
        self._channels.check_room(owner)

    async def open(self, owner: str) -> OpenedChannel:
        """See :meth:`ProvisioningChannels.open`."""
        return self._channels.open(owner)

    async def check_open(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.check_open`."""
        self._channels.check_open(provision_id)

    async def reserve(self, provision_id: str, size: int) -> None:
        """See :meth:`ProvisioningChannels.reserve`."""
        self._channels.reserve(provision_id, size)

    async def release(self, provision_id: str) -> None:
        """See :meth:`ProvisioningChannels.release`."""
        self._channels.release(provision_id)

    async def fill(self, provision_id: str, envelope: bytes) -> None:
        """See :meth:`ProvisioningChannels.fill`."""
        self._channels.fill(provision_id, envelope)

    async def take(self, provision_id: str, wait_s: float) -> bytes | None:
        """See :meth:`ProvisioningChannels.take`."""
        return await self._channels.take(provision_id, wait_s)

    def close(self) -> None:
        """See :meth:`ProvisioningChannels.close`."""
        self._channels.close()
