"""Accounts and connections: ``POST /v1/accounts`` and the signed Socket.IO connect.

A connection is accepted only with a fresh signature over the relay origin, a timestamp
within two minutes and a nonce not seen before (docs/protocol.md §6.5). The signature is by
the device's own key DK (plain Ed25519) once the device has one; a device made before linked
devices has none yet and signs with the account's identity key IK until it registers a DK
(§6.11). A removed device that still signs with its old DK is told ``device_removed``. An
accepted connection gets a delivery queue that drains everything stored for the device; a
newer connection of the same device replaces the older one.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final, NoReturn

import socketio
from aiohttp import web

from chat_desktop.crypto.errors import InvalidSignature
from chat_desktop.crypto.identity import verify_signature
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import TIMESTAMP_WINDOW_MS, connect_message
from chat_desktop.protocol.codec import b64url_decode, decode_event, decode_http_json
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import (
    AUTH_NONCE_SIZE,
    ConnectAuth,
    RegisterRequest,
    RegisterResponse,
)
from chat_desktop.relay.context import CONTEXT_KEY, RelayContext
from chat_desktop.relay.delivery import DeviceDelivery
from chat_desktop.relay.handlers import presence
from chat_desktop.relay.handlers.crypto import warn_if_low
from chat_desktop.relay.http import client_rate_key, error_response, json_response, read_body
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.signatures import check_registration, device_key_signature_ok
from chat_desktop.relay.store import AccountExists, NewAccount
from chat_desktop.relay.store_devices import CertifiedDeviceKey, DeviceCredentials

#: Largest registration body: 200 PQ prekeys in base64url are about 430 KiB.
MAX_REGISTRATION_BODY: Final = 1024 * 1024
#: Longest wait for Socket.IO to finish a connect before delivery starts.
_CONNECT_SETTLE_S: Final = 5.0


def _unauthorized(reason: str) -> ProtocolError:
    return ProtocolError(ErrorCode.UNAUTHORIZED, reason)


async def register_account(request: web.Request) -> web.StreamResponse:
    """``POST /v1/accounts``: creates an account from a signed registration.

    Rate limited per client address (``registrations``), the address taken as
    :func:`~chat_desktop.relay.http.client_rate_key` says (behind a trusted proxy: the
    forwarded client).
    """
    context = request.app[CONTEXT_KEY]
    try:
        registration = decode_http_json(
            await read_body(request, MAX_REGISTRATION_BODY), RegisterRequest
        )
        # Charged once the request parses (junk costs nobody a registration) and before the
        # signatures are checked (the expensive part).
        await context.limiters.registrations.acquire(
            client_rate_key(request, context.config.proxies)
        )
        now = context.clock()
        if abs(now - registration.ts) > TIMESTAMP_WINDOW_MS:
            raise bad_request("registration timestamp is too far from the relay's clock")
        await asyncio.to_thread(check_registration, registration)
        device_key = _certified_device_key(registration, now)
        device_id = await context.store.create_account(
            NewAccount(
                username=registration.username,
                identity_key=registration.identity_key,
                signed_prekey=registration.signed_prekey,
                pq_prekeys=registration.pq_prekeys,
                one_time_prekeys=registration.one_time_prekeys,
                device_key=device_key,
                device_name=registration.device_name,
            ),
            now,
        )
    except ProtocolError as error:
        return error_response(error)
    except AccountExists:
        return error_response(ProtocolError(ErrorCode.CONFLICT, "username is taken"))
    log_event("account_created")
    return json_response(RegisterResponse(device_id=device_id), status=201)


def _certified_device_key(registration: RegisterRequest, now: int) -> CertifiedDeviceKey | None:
    """Returns the registration's device key (its certificate already verified), if any.

    Raises:
        ProtocolError: ``bad_request`` when the certificate's time is more than 120 s from
            the relay's clock.
    """
    if (
        registration.device_key is None
        or registration.device_created_at is None
        or registration.device_certificate is None
    ):
        return None
    if abs(now - registration.device_created_at) > TIMESTAMP_WINDOW_MS:
        raise bad_request("device_created_at is too far from the relay's clock")
    return CertifiedDeviceKey(
        device_key=registration.device_key,
        certified_at=registration.device_created_at,
        certificate=registration.device_certificate,
    )


async def authenticate(context: RelayContext, auth: Any) -> tuple[ConnectAuth, DeviceCredentials]:
    """Checks a CONNECT ``auth`` object; returns it and the device's keys.

    Raises:
        ProtocolError: ``unauthorized`` for a malformed object, a stale timestamp, an unknown
            device, a bad signature or a replayed nonce; ``device_removed`` for a device
            that was removed from its account and signed with the DK it had.
    """
    try:
        credentials = decode_event(auth, ConnectAuth)
        nonce = b64url_decode(credentials.nonce)
        signature = b64url_decode(credentials.sig)
    except ProtocolError:
        raise _unauthorized("malformed auth") from None
    if len(nonce) != AUTH_NONCE_SIZE:
        raise _unauthorized("malformed auth")
    now = context.clock()
    if abs(now - credentials.ts) > TIMESTAMP_WINDOW_MS:
        raise _unauthorized("stale timestamp")
    message = connect_message(context.origin, credentials.ts, nonce)
    keys = await context.store.device_credentials(credentials.user, credentials.device_id)
    if keys is None:
        removed_key = await context.store.removed_device_key(
            credentials.user, credentials.device_id
        )
        if removed_key is not None and device_key_signature_ok(removed_key, message, signature):
            raise ProtocolError(
                ErrorCode.DEVICE_REMOVED, "this device was removed from its account"
            )
        raise _unauthorized("unknown device")
    if not _signature_ok(keys, message, signature):
        raise _unauthorized("bad signature")
    # Remembered past both edges of the window, so no accepted timestamp outlives its nonce.
    if not await context.store.remember_nonce(nonce, now + 2 * TIMESTAMP_WINDOW_MS, now):
        raise _unauthorized("replayed nonce")
    return credentials, keys


def _signature_ok(keys: DeviceCredentials, message: bytes, signature: bytes) -> bool:
    """Checks a connect signature: under DK once the device has one, else under IK."""
    if keys.device_key is not None:
        return device_key_signature_ok(keys.device_key, message, signature)
    try:
        verify_signature(keys.identity_key, message, signature)
    except InvalidSignature:
        return False
    return True


def register(context: RelayContext, app: web.Application) -> None:
    """Registers the account route and the connect / disconnect handlers."""
    sio = context.sio
    app.router.add_post(events.ACCOUNTS_PATH, register_account)

    async def on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        resets = context.resets
        assert resets is not None
        resets_seen = resets.seq
        removals_seen = context.device_removals
        try:
            credentials, keys = await authenticate(context, auth)
        except ProtocolError as error:
            _refuse(error)
        user, device_id = credentials.user, credentials.device_id
        identity_key = keys.identity_key

        async def emit_message(payload: dict[str, Any]) -> None:
            await sio.emit(events.MESSAGE, payload, to=sid)

        device = ConnectedDevice(
            sid=sid,
            user=user,
            device_id=device_id,
            identity_key=identity_key,
            delivery=DeviceDelivery(context.store, user, device_id, emit_message, context.clock),
            needs_device_key=keys.device_key is None,
        )
        # Before any event can arrive (none precede CONNECT), so no visibility change races it.
        await presence.load_visibility(context, device)
        came_online = not context.sessions.is_online(user)
        previous = context.sessions.add(device)
        if previous is not None:
            await previous.delivery.stop()
            await sio.disconnect(previous.sid)
        # An operator reset handled while we authenticated may have missed this device, which
        # was not registered yet: look at its key again (rare, only when a reset was seen).
        if resets.seq != resets_seen and (
            await context.store.identity_key(user, device_id) != identity_key
        ):
            context.sessions.remove(sid)
            _refuse(_unauthorized("unknown device"))
        # Likewise a device removed here while it authenticated (devices:remove cuts only the
        # connections registered when it ran).
        if context.device_removals != removals_seen and (
            await context.store.device_credentials(user, device_id) is None
        ):
            context.sessions.remove(sid)
            _refuse(ProtocolError(ErrorCode.DEVICE_REMOVED, "this device was removed"))
        sio.start_background_task(_after_connect, context, device, came_online)
        log_event("connected", sid=sid, device_id=device_id)

    async def on_disconnect(sid: str, reason: Any = None) -> None:
        device = context.sessions.remove(sid)
        if device is None:
            return
        await device.delivery.stop()
        log_event("disconnected", sid=sid, device_id=device.device_id)
        try:  # for devices:list; kept whatever the account's presence visibility
            await context.store.set_device_last_seen(device.user, device.device_id, context.clock())
        except Exception:
            log_exception("device_last_seen_failed")
        # A hidden account's disconnects are neither announced nor kept as last_seen.
        if device.visible and not context.sessions.is_online(device.user):
            last_seen = context.clock()
            try:
                await context.store.set_last_seen(device.user, last_seen)
                await presence.announce(context, device.user, False, last_seen)
            except Exception:
                log_exception("presence_update_failed")

    sio.on("connect", on_connect)
    sio.on("disconnect", on_disconnect)


def _refuse(error: ProtocolError) -> NoReturn:
    """Refuses a Socket.IO connect with ``error`` as the ``connect_error`` payload."""
    log_event("connect_refused", reason=error.message)
    raise socketio.exceptions.ConnectionRefusedError(error.code.value, error.to_ack()) from None


async def _after_connect(context: RelayContext, device: ConnectedDevice, came_online: bool) -> None:
    """Starts delivery once Socket.IO has sent CONNECT, so no event can precede it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _CONNECT_SETTLE_S
    while not context.sio.manager.is_connected(device.sid, "/"):
        if context.sessions.by_sid(device.sid) is not device or loop.time() > deadline:
            break
        await asyncio.sleep(0.001)
    if context.sessions.by_sid(device.sid) is not device:
        # Replaced by a newer connection or cut (operator reset) while connecting: a cut made
        # before CONNECT went out could not close the socket, so close it now.
        if context.sio.manager.is_connected(device.sid, "/"):
            await context.sio.disconnect(device.sid)
        return
    if not context.sio.manager.is_connected(device.sid, "/"):
        return
    device.delivery.start()
    try:
        if came_online and device.visible:
            await presence.announce(context, device.user, True, context.clock())
        counts = await context.store.key_counts(device.user, device.device_id)
        await warn_if_low(context, device.user, device.device_id, counts)
    except Exception:
        log_exception("post_connect_failed", device_id=device.device_id)
