"""The shared state of one relay process, handed to every handler module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol

import socketio
from aiohttp import web

from chat_desktop.protocol.auth import now_ms
from chat_desktop.relay.blob_storage import BlobStorage
from chat_desktop.relay.config import RateLimits, RelayConfig
from chat_desktop.relay.limits import RateLimiter
from chat_desktop.relay.provisioning import ProvisioningChannels
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


@dataclass(frozen=True)
class RelayLimiters:
    """One limiter per rate rule of docs/protocol.md §6."""

    messages: RateLimiter
    bundles: RateLimiter
    key_uploads: RateLimiter
    attachments: RateLimiter
    registrations: RateLimiter
    presence: RateLimiter
    visibility: RateLimiter
    account_deletions: RateLimiter
    device_links: RateLimiter
    device_removals: RateLimiter
    provisioning: RateLimiter
    profiles: RateLimiter

    @classmethod
    def from_limits(cls, limits: RateLimits) -> RelayLimiters:
        """Builds the limiters of ``limits``."""
        return cls(
            messages=RateLimiter(limits.messages),
            bundles=RateLimiter(limits.bundles),
            key_uploads=RateLimiter(limits.key_uploads),
            attachments=RateLimiter(limits.attachments),
            registrations=RateLimiter(limits.registrations),
            presence=RateLimiter(limits.presence),
            visibility=RateLimiter(limits.visibility),
            account_deletions=RateLimiter(limits.account_deletions),
            device_links=RateLimiter(limits.device_links),
            device_removals=RateLimiter(limits.device_removals),
            provisioning=RateLimiter(limits.provisioning),
            profiles=RateLimiter(limits.profiles),
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
        device_removals: How many devices this process removed; a connect that sees it
            change while it authenticated looks at its device again (it may be gone).
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
    device_removals: int = 0

    def provisioning(self) -> ProvisioningChannels:
        """Returns the provisioning channels (made with the application)."""
        assert self.channels is not None, "the relay application was not created"
        return self.channels

    def blob_tokens(self) -> BlobTokens:
        """Returns the token signer (available once the relay started)."""
        assert self.tokens is not None, "the relay has not started"
        return self.tokens


#: Where the aiohttp application keeps the relay context, for the HTTP handlers.
CONTEXT_KEY: Final = web.AppKey("relay_context", RelayContext)
