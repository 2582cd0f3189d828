"""Assembly of the relay: Socket.IO on aiohttp, the handler modules, store and sweeper.

:func:`create_app` builds the aiohttp application (usable in-process, e.g. with
``aiohttp.test_utils``); :class:`RelayServer` binds it to a socket, reports the bound port and
shuts it down gracefully: clients are disconnected, queued writes committed, the store closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

from aiohttp import web

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import relay_origin
from chat_desktop.protocol.schemas import MAX_BODY_SIZE, MAX_PAYLOADS, HealthResponse
from chat_desktop.relay import turn
from chat_desktop.relay.blob_storage import BlobStorage
from chat_desktop.relay.blobs import BlobFiles
from chat_desktop.relay.config import RelayConfig
from chat_desktop.relay.context import CONTEXT_KEY, RelayContext, RelayLimiters
from chat_desktop.relay.dispatch import register_unknown_event_handler
from chat_desktop.relay.gc_policy import GcPolicy
from chat_desktop.relay.handlers import (
    account,
    attachments,
    auth,
    crypto,
    devices,
    linking,
    message,
    presence,
    profiles,
    provisioning,
)
from chat_desktop.relay.http import json_response
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.provisioning import ProvisioningChannels
from chat_desktop.relay.resets import ResetWatcher
from chat_desktop.relay.socket_server import RelaySocketServer
from chat_desktop.relay.sqlite_store import SqliteRelayStore
from chat_desktop.relay.store import RelayStore
from chat_desktop.relay.sweeper import run_sweeper
from chat_desktop.relay.tokens import BlobTokens, load_or_create_secret

if TYPE_CHECKING:
    from chat_desktop.relay.redis_peers import RedisPeers

#: Largest single WebSocket message: a full ``message:send`` plus framing. Binary fields travel
#: as separate messages, so this bounds one body; bigger ones end the connection, smaller
#: oversize ones get ``too_large``.
MAX_WEBSOCKET_MESSAGE: Final = MAX_PAYLOADS * MAX_BODY_SIZE + 256 * 1024
_SHUTDOWN_TIMEOUT_S: Final = 5.0

_SWEEPER_KEY: Final = web.AppKey("relay_sweeper", asyncio.Task[None])
_RESET_WATCHER_KEY: Final = web.AppKey("relay_reset_watcher", asyncio.Task[None])
_GC_KEY: Final = web.AppKey("relay_gc", asyncio.Task[None])


def build_store(config: RelayConfig) -> RelayStore:
    """Returns the store ``config`` names: PostgreSQL for ``database_url``, else the
    embedded SQLite file in ``config.data_dir``.

    asyncpg is imported only for PostgreSQL: it is the ``postgres`` extra, not a base
    dependency of the relay.
    """
    if config.database_url is not None:
        from chat_desktop.relay.pg_store import PgRelayStore

        return PgRelayStore(config.database_url)
    return SqliteRelayStore(config.database_path)


def build_blob_storage(config: RelayConfig) -> BlobStorage:
    """Returns the blob storage ``config`` names: an S3-compatible bucket for
    ``blobs_url``, else files in ``config.blob_dir``.

    aiobotocore is imported only for S3: it is the ``s3`` extra, not a base dependency.
    """
    if config.blobs_url is not None:
        from chat_desktop.relay.s3_blobs import S3Blobs
        from chat_desktop.relay.s3_location import S3Location

        return S3Blobs(S3Location.parse(config.blobs_url))
    return BlobFiles(config.blob_dir)


def create_app(config: RelayConfig, store: RelayStore | None = None) -> web.Application:
    """Builds the relay's aiohttp application.

    Args:
        config: The relay configuration.
        store: The store to use; if omitted, the one :func:`build_store` picks.

    Returns:
        The application; the store opens on startup and closes on cleanup. Set
        ``app[CONTEXT_KEY].origin`` before clients connect when not using
        :class:`RelayServer` (which does it from the bound port).
    """
    sio = RelaySocketServer(
        async_mode="aiohttp",
        transports=["websocket"],
        max_http_buffer_size=MAX_WEBSOCKET_MESSAGE,
        logger=False,
        engineio_logger=False,
    )
    app = web.Application(client_max_size=MAX_WEBSOCKET_MESSAGE)
    sio.attach(app, socketio_path=events.SOCKETIO_PATH.strip("/"))
    context = RelayContext(
        config=config,
        sio=sio,
        store=store or build_store(config),
        blobs=build_blob_storage(config),
        limiters=RelayLimiters.from_limits(config.rate_limits),
    )
    context.resets = ResetWatcher(context)
    # Through the context, so a clock swapped later (tests) applies to channels too.
    context.channels = ProvisioningChannels(lambda: context.clock())
    if config.public_url:
        context.origin = relay_origin(config.public_url)
    app[CONTEXT_KEY] = context
    app.router.add_get(events.HEALTH_PATH, _health)
    auth.register(context, app)
    message.register(context)
    presence.register(context)
    crypto.register(context)
    account.register(context)
    attachments.register(context, app)
    devices.register(context)
    linking.register(app)
    provisioning.register(app)
    profiles.register(context)
    turn.register(context, config.turn)
    register_unknown_event_handler(context)
    app.cleanup_ctx.append(_store_lifetime)
    app.on_shutdown.append(_disconnect_everyone)
    return app


async def _health(request: web.Request) -> web.StreamResponse:
    return json_response(HealthResponse(status="ok"))


async def _store_lifetime(app: web.Application) -> AsyncIterator[None]:
    context = app[CONTEXT_KEY]
    config = context.config
    config.data_dir.mkdir(parents=True, exist_ok=True)
    await context.blobs.start()  # an unusable bucket stops the start here
    secret = await asyncio.to_thread(load_or_create_secret, config.token_secret_path)
    context.tokens = BlobTokens(secret)
    await context.store.open()
    peers = _start_peers(context)
    assert context.resets is not None
    await context.resets.prime()
    app[_RESET_WATCHER_KEY] = asyncio.create_task(
        context.resets.run(config.reset_check_interval_s), name="relay-reset-watcher"
    )
    app[_SWEEPER_KEY] = asyncio.create_task(
        run_sweeper(
            context.store,
            context.blobs,
            config.sweep_interval_s,
            config.retention_ms,
            context.clock,
        ),
        name="relay-sweeper",
    )
    gc_policy = GcPolicy(config.gc_full_interval_s)
    gc_policy.install()  # start-up is done: freeze it, take full collections off the rate
    app[_GC_KEY] = asyncio.create_task(gc_policy.run(), name="relay-gc")
    yield
    gc_policy.uninstall()
    for key in (_SWEEPER_KEY, _RESET_WATCHER_KEY, _GC_KEY):
        app[key].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app[key]
    if peers is not None:
        await peers.stop()
    await context.store.close()
    await context.blobs.stop()


def _start_peers(context: RelayContext) -> RedisPeers | None:
    """With ``--redis``, starts talking to the other relay processes (Redis may be down:
    the relay serves meanwhile). redis is imported only then: it is the ``redis`` extra."""
    if context.config.redis_url is None:
        return None
    from chat_desktop.relay.redis_peers import RedisPeers

    peers = RedisPeers(context, context.config.redis_url)
    context.peers = peers
    context.shared_channels = peers.channels
    context.limiters = RelayLimiters.from_limits(context.config.rate_limits, shared=peers.limiter)
    peers.start()
    return peers


async def _disconnect_everyone(app: web.Application) -> None:
    context = app[CONTEXT_KEY]
    context.provisioning().close()  # long polls end now instead of holding up the shutdown
    if context.shared_channels is not None:
        context.shared_channels.close()  # this process's polls; the channels live on
    for device in context.sessions.all():
        await device.delivery.stop()
        await context.sio.disconnect(device.sid)
    await context.sio.shutdown()


class RelayServer:
    """One relay listening on a TCP socket."""

    def __init__(self, config: RelayConfig, store: RelayStore | None = None) -> None:
        """Builds the application; :meth:`start` binds and serves it."""
        self.config = config
        self.app = create_app(config, store)
        self._runner = web.AppRunner(
            self.app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT_S
        )
        self.port = 0

    @property
    def context(self) -> RelayContext:
        """The shared relay state (for tests and embedding)."""
        return self.app[CONTEXT_KEY]

    @property
    def url(self) -> str:
        """The base URL clients connect to."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    async def start(self) -> int:
        """Opens the store, binds the socket, starts serving; returns the bound port."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        if not self.config.public_url:
            self.context.origin = relay_origin(self.url)
        log_event(
            "listening",
            host=self.config.host,
            port=self.port,
            origin=self.context.origin,
        )
        return self.port

    async def stop(self) -> None:
        """Disconnects every client, commits pending writes and closes the store."""
        await self._runner.cleanup()
        log_event("stopped")
