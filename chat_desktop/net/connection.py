"""The device's Socket.IO link to its relay: signed auth, reconnection, acknowledged requests.

python-socketio's ``call()`` keeps waiting out its whole timeout when the server dies (it is
not failed on disconnect), and its built-in reconnection signs nothing anew. So this module
drives the connection itself: every attempt builds a fresh signed ``auth`` (new timestamp and
nonce), backs off with jitter between attempts, and every request in flight is failed with
:class:`ConnectionLost` the moment the link drops, so the caller treats it as unacked and
sends it again after the reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import socketio

from chat_desktop.net.errors import (
    ConnectionLost,
    NotConnected,
    RequestTimeout,
)
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import Signer, build_connect_auth, relay_origin
from chat_desktop.protocol.codec import decode_event, encode_event
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import DevicesList, KeyCounts, MessageDelivery, PresenceUpdate

logger = logging.getLogger(__name__)

AckT = TypeVar("AckT", bound=msgspec.Struct)

DEFAULT_REQUEST_TIMEOUT = 30.0
CLOSE_TIMEOUT_S = 5.0


MessageHandler = Callable[[MessageDelivery], None]
StateHandler = Callable[[], Awaitable[None]]


class RelayConnection:
    """Keeps one device connected to its relay and carries its requests.

    Callbacks run on the event loop and must return quickly (queue work, don't do it):
    ``on_message`` for every delivered envelope, ``on_connected`` after each successful
    (re)connect, ``on_disconnected`` when the link drops, ``on_presence`` and ``on_keys_low``
    for the relay's notices.
    """

    def __init__(
        self,
        relay_url: str,
        user: str,
        device_id: int,
        sign: Signer,
        *,
        on_message: MessageHandler,
        on_connected: StateHandler,
        on_disconnected: StateHandler,
        on_presence: Callable[[PresenceUpdate], None] | None = None,
        on_keys_low: Callable[[KeyCounts], None] | None = None,
        on_devices_changed: Callable[[DevicesList], Awaitable[None]] | None = None,
        on_device_removed: Callable[[], None] | None = None,
        reconnect_delay: float = 0.2,
        reconnect_delay_max: float = 5.0,
    ) -> None:
        """Prepares the connection; nothing is sent until :meth:`start`."""
        self._url = relay_url.rstrip("/")
        self._origin = relay_origin(relay_url)
        self._user = user
        self._device_id = device_id
        self._sign = sign
        self._on_message = on_message
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._on_presence = on_presence
        self._on_keys_low = on_keys_low
        self._on_devices_changed = on_devices_changed
        self._on_device_removed = on_device_removed
        self._reconnect_delay = reconnect_delay
        self._reconnect_delay_max = reconnect_delay_max
        # handle_sigint=False: the library would take over Ctrl+C and cancel every task of
        # the process mid-flight; quitting is the app's decision (it closes the client).
        self._sio = socketio.AsyncClient(
            reconnection=False, logger=False, engineio_logger=False, handle_sigint=False
        )
        self._emit_lock = asyncio.Lock()
        self._pending: set[asyncio.Future[Any]] = set()
        self._connected = asyncio.Event()
        self._link_down = asyncio.Event()
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None
        self.last_refusal: str | None = None
        self._sio.on("connect", self._handle_connect)
        self._sio.on("disconnect", self._handle_disconnect)
        self._sio.on("connect_error", self._handle_connect_error)
        self._sio.on(events.MESSAGE, self._handle_message)
        self._sio.on(events.PRESENCE, self._handle_presence)
        self._sio.on(events.KEYS_LOW, self._handle_keys_low)
        self._sio.on(events.DEVICES_CHANGED, self._handle_devices_changed)

    @property
    def connected(self) -> bool:
        """True while the link is up and authenticated."""
        return self._connected.is_set()

    def start(self) -> None:
        """Starts connecting in the background, and reconnecting whenever the link drops."""
        if self._supervisor is None:
            self._closing = False
            self._supervisor = asyncio.create_task(self._supervise(), name="relay-connection")

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Waits until the link is up (raises ``TimeoutError`` after ``timeout`` seconds)."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def close(self) -> None:
        """Disconnects for good and fails every request still in flight."""
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        # A polite disconnect waits for the server's close handshake; never let a dead or
        # stuck relay hold up closing (and with it, locking) the app.
        try:
            await asyncio.wait_for(self._sio.disconnect(), CLOSE_TIMEOUT_S)
        except Exception:  # TimeoutError included
            with contextlib.suppress(Exception):
                await self._sio.eio.disconnect(abort=True)
        self._connected.clear()
        self._fail_pending()

    async def request(
        self,
        event: str,
        payload: msgspec.Struct,
        ack_schema: type[AckT],
        *,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> AckT:
        """Sends one event and returns its validated ack.

        Raises:
            NotConnected: The link is down; nothing was sent.
            ConnectionLost: The link dropped before the ack arrived.
            RequestTimeout: No ack within ``timeout`` seconds.
            ProtocolError: The relay answered with an error ack.
        """
        if not self.connected:
            raise NotConnected("not connected to the relay")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.add(future)

        def on_ack(*args: Any) -> None:
            if not future.done():
                future.set_result(args[0] if args else None)

        try:
            async with self._emit_lock:
                try:
                    await self._sio.emit(event, encode_event(payload), callback=on_ack)
                except (socketio.exceptions.SocketIOError, OSError) as error:
                    raise ConnectionLost("the link dropped while sending") from error
            try:
                ack = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise RequestTimeout(f"no answer to {event} in {timeout:.0f} s") from None
        finally:
            self._pending.discard(future)
            if future.done() and not future.cancelled():
                future.exception()  # mark a late ConnectionLost as seen
        if not isinstance(ack, dict):
            raise ProtocolError.from_ack({})
        if not ack.get("ok"):
            raise ProtocolError.from_ack(ack)
        fields = {key: value for key, value in ack.items() if key != "ok"}
        return decode_event(fields, ack_schema)

    async def notify(self, event: str, payload: msgspec.Struct) -> None:
        """Sends an event whose ack nobody waits for (best effort, e.g. typing).

        Raises:
            NotConnected: The link is down; nothing was sent.
        """
        if not self.connected:
            raise NotConnected("not connected to the relay")
        async with self._emit_lock:
            try:
                await self._sio.emit(event, encode_event(payload))
            except (socketio.exceptions.SocketIOError, OSError) as error:
                raise ConnectionLost("the link dropped while sending") from error

    # ---- the supervisor ----------------------------------------------------------------

    async def _supervise(self) -> None:
        delay = self._reconnect_delay
        while not self._closing:
            self._link_down.clear()
            try:
                await self._sio.connect(
                    self._url,
                    auth=self._fresh_auth,
                    transports=["websocket"],
                    socketio_path=events.SOCKETIO_PATH,
                    wait_timeout=10,
                )
            except (socketio.exceptions.ConnectionError, OSError, ValueError) as error:
                logger.info("relay connection attempt failed: %s", type(error).__name__)
                with contextlib.suppress(Exception):
                    await self._sio.disconnect()
            else:
                delay = self._reconnect_delay
                await self._link_down.wait()
            jitter = random.uniform(0.0, delay / 2)  # noqa: S311 - jitter, not a secret
            await asyncio.sleep(delay + jitter)
            delay = min(delay * 2, self._reconnect_delay_max)

    def _fresh_auth(self) -> dict[str, Any]:
        return build_connect_auth(self._user, self._device_id, self._origin, self._sign)

    # ---- Socket.IO callbacks ------------------------------------------------------------

    async def _handle_connect(self) -> None:
        self.last_refusal = None
        self._connected.set()
        await self._on_connected()

    async def _handle_disconnect(self, *_reason: Any) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        self._fail_pending()
        self._link_down.set()
        if was_connected:
            await self._on_disconnected()

    async def _handle_connect_error(self, data: Any = None) -> None:
        self.last_refusal = data.get("message") if isinstance(data, dict) else str(data)
        details = data.get("data") if isinstance(data, dict) else None
        code = details.get("error") if isinstance(details, dict) else None
        if ErrorCode.DEVICE_REMOVED.value in (code, self.last_refusal):
            # This device was unlinked: the relay will refuse it for good. Stop trying.
            self._closing = True
            if self._on_device_removed is not None:
                self._on_device_removed()
        self._link_down.set()

    async def _handle_devices_changed(self, data: Any) -> None:
        if self._on_devices_changed is None:
            return
        try:
            listed = decode_event(data, DevicesList)
        except ProtocolError:
            logger.warning("relay sent a malformed devices:changed notice; dropped")
            return
        await self._on_devices_changed(listed)

    async def _handle_message(self, data: Any) -> None:
        try:
            delivery = decode_event(data, MessageDelivery)
        except ProtocolError:
            logger.warning("relay sent a malformed message envelope; dropped")
            return
        self._on_message(delivery)

    async def _handle_presence(self, data: Any) -> None:
        if self._on_presence is None:
            return
        try:
            self._on_presence(decode_event(data, PresenceUpdate))
        except ProtocolError:
            logger.warning("relay sent a malformed presence update; dropped")

    async def _handle_keys_low(self, data: Any) -> None:
        if self._on_keys_low is None:
            return
        try:
            self._on_keys_low(decode_event(data, KeyCounts))
        except ProtocolError:
            logger.warning("relay sent a malformed keys:low notice; dropped")

    def _fail_pending(self) -> None:
        for future in list(self._pending):
            if not future.done():
                future.set_exception(ConnectionLost("the link dropped before the relay answered"))
        self._pending.clear()
