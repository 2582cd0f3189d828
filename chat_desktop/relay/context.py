"""The shared state of one relay process, handed to every handler module."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import socketio
from aiohttp import web

from chat_desktop.protocol.auth import now_ms
from chat_desktop.relay.blob_storage import BlobStorage
from chat_desktop.relay.config import RateLimits, RateRule, RelayConfig
from chat_desktop.relay.limits import Limiter, LocalLimiter, RateLimiter
from chat_desktop.relay.provisioning import Channels, LocalChannels, ProvisioningChannels
from chat_desktop.relay.sessions import SessionRegistry
from chat_desktop.relay.store import RelayStore
from chat_desktop.relay.tokens import BlobTokens


class ResetFollower(Protocol):
    """What the context holds of the operator-reset watcher (``resets.ResetWatcher``).

    A protocol because the watcher works on the context (and announces presence through the
    handlers): the context naming its class would make the two modules import each other.
    """

    @property
    def seq(self) -> int:
        """The newest reset log entry handled; a connect compares it before and after."""
        ...

    async def prime(self) -> None:
        """Skips the resets made before the relay started (once the store is open)."""
        ...

    async def run(self, interval_s: float) -> None:
        """Follows the reset log every ``interval_s`` seconds until cancelled."""
        ...


class PeerProcesses(Protocol):
    """What this relay process tells the other relay processes on its store.

    One process alone (the embedded default) has nobody to tell: :class:`NoPeers`. With
    ``--redis`` it is :class:`chat_desktop.relay.redis_peers.RedisPeers`. A protocol for the
    same reason as :class:`ResetFollower`: the Redis side acts on the context and handlers.
    Every method returns at once and never fails: the signals are best effort, the store
    decides (a process that misses one still drains and cuts on its timers).
    """

    def wake(self, devices: Sequence[tuple[str, int]]) -> None:
        """Envelopes were stored for these devices, which are not connected here."""
        ...

    def devices_changed(self, user: str, removed: int | None) -> None:
        """``user``'s device set changed; ``removed`` was taken out (None: one was linked)."""
        ...

    def account_reset(self, user: str) -> None:
        """``user``'s account was deleted: its connections elsewhere are to be cut."""
        ...

    def presence_changed(
        self, user: str, online: bool, last_seen: int | None, visible: bool | None
    ) -> None:
        """``user``'s followers connected elsewhere are to get this ``presence`` event;
        ``visible`` is set when the account changed "show when I'm online"."""
        ...

    async def online_elsewhere(self, users: Sequence[str]) -> set[str]:
        """Returns those of ``users`` (none of them online here) with a device connected to
        another relay process."""
        ...


class NoPeers:
    """The peers of a relay that runs alone: nobody to tell."""

    def wake(self, devices: Sequence[tuple[str, int]]) -> None:
        """Nothing to do: every device is connected here or nowhere."""

    def devices_changed(self, user: str, removed: int | None) -> None:
        """Nothing to do: this process told its own connections already."""

    def account_reset(self, user: str) -> None:
        """Nothing to do: this process cut its own connections already."""

    def presence_changed(
        self, user: str, online: bool, last_seen: int | None, visible: bool | None
    ) -> None:
        """Nothing to do: every follower is connected here."""

    async def online_elsewhere(self, users: Sequence[str]) -> set[str]:
        """Nobody: there is no elsewhere."""
        return set()


@dataclass(frozen=True)
class RelayLimiters:
    """One limiter per rate rule of docs/protocol.md §6."""

    messages: Limiter
    bundles: Limiter
    key_uploads: Limiter
    attachments: Limiter
    registrations: Limiter
    presence: Limiter
    visibility: Limiter
    account_deletions: Limiter
    device_links: Limiter
    device_removals: Limiter
    provisioning: Limiter
    profiles: Limiter

    @classmethod
    def from_limits(
        cls, limits: RateLimits, shared: Callable[[str, RateRule], Limiter] | None = None
    ) -> RelayLimiters:
        """Builds the limiters of ``limits``: in this process, or ``shared(name, rule)``
        for every rule but ``messages`` (several relay processes: see
        :mod:`chat_desktop.relay.redis_limits`; the hot path stays in memory)."""

        def make(name: str, rule: RateRule) -> Limiter:
            if shared is None or name == "messages":
                return LocalLimiter(RateLimiter(rule))
            return shared(name, rule)

        return cls(
            **{
                rule_field.name: make(rule_field.name, getattr(limits, rule_field.name))
                for rule_field in dataclasses.fields(limits)
            }
        )


@dataclass
class RelayContext:
    """Everything handlers share.

    Attributes:
        config: The process configuration.
        sio: The Socket.IO server.
        store: Persistence.
        blobs: Where blobs are kept (files on disk or an S3 bucket).
        tokens: Blob token signer; set at startup (the secret lives in the data folder).
        resets: Follows operator resets to cut their connections; set by ``create_app``.
        limiters: Rate limiters.
        sessions: Authenticated connections.
        origin: The relay origin that connect signatures cover; set once the port is bound.
        clock: Current time in ms.
        channels: The open provisioning channels (in memory); set by ``create_app``.
        shared_channels: The provisioning channels shared by every relay process (in
            Redis), used instead of ``channels`` when set (``--redis``).
        device_removals: How many device removals this process made or heard of; a
            connect that sees it change while it authenticated looks at its device again
            (it may be gone).
        peers: The other relay processes on the same store (none by default).
    """

    config: RelayConfig
    sio: socketio.AsyncServer
    store: RelayStore
    blobs: BlobStorage
    limiters: RelayLimiters
    tokens: BlobTokens | None = None
    resets: ResetFollower | None = None
    sessions: SessionRegistry = field(default_factory=SessionRegistry)
    origin: str = ""
    clock: Callable[[], int] = now_ms
    channels: ProvisioningChannels | None = None
    shared_channels: Channels | None = None
    device_removals: int = 0
    peers: PeerProcesses = field(default_factory=NoPeers)

    def provisioning(self) -> ProvisioningChannels:
        """Returns the provisioning channels (made with the application)."""
        assert self.channels is not None, "the relay application was not created"
        return self.channels

    def channel_store(self) -> Channels:
        """Returns the provisioning channels the routes use: the shared ones with several
        relay processes, else this process's."""
        if self.shared_channels is not None:
            return self.shared_channels
        return LocalChannels(self.provisioning())

    def blob_tokens(self) -> BlobTokens:
        """Returns the token signer (available once the relay started)."""
        assert self.tokens is not None, "the relay has not started"
        return self.tokens


#: Where the aiohttp application keeps the relay context, for the HTTP handlers.
CONTEXT_KEY: Final = web.AppKey("relay_context", RelayContext)
