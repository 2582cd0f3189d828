"""``POST /v1/devices``: a new device joins an account with a link token (docs/protocol.md §6.11).

The new device learnt the account's identity key from the provisioning envelope, so it can
certify its own device key and sign its prekeys like the account's first device did. The
relay checks the token first (a cheap read, so a stranger cannot make it verify 200 PQ
signatures), then the signatures under the account's identity key, and then adds the device
in one write that uses the token up, checks the device count and takes the next unused id.
Every connected device of the account is told with ``devices:changed``.
"""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import TIMESTAMP_WINDOW_MS
from chat_desktop.protocol.codec import decode_http_json
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import LinkDeviceRequest, RegisterResponse
from chat_desktop.relay.context import CONTEXT_KEY, RelayContext
from chat_desktop.relay.handlers.devices import notify_devices_changed
from chat_desktop.relay.http import error_response, json_response, read_body
from chat_desktop.relay.link_tokens import link_token_hash
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.signatures import check_link_request
from chat_desktop.relay.store_devices import (
    CertifiedDeviceKey,
    DeviceSetChange,
    InvalidLinkToken,
    NewLinkedDevice,
    TooManyDevices,
)

#: Largest ``POST /v1/devices`` body (like a registration: 200 PQ prekeys are ~430 KiB).
MAX_LINK_BODY: Final = 1024 * 1024


async def link_device(request: web.Request) -> web.StreamResponse:
    """``POST /v1/devices``: ``201 {device_id}`` for a new device of the named account."""
    context = request.app[CONTEXT_KEY]
    try:
        link = decode_http_json(await read_body(request, MAX_LINK_BODY), LinkDeviceRequest)
        change = await _add_device(context, link)
    except ProtocolError as error:
        return error_response(error)
    log_event("device_linked", device_id=change.device_id)
    await notify_devices_changed(context, link.username, change.devices)
    context.peers.devices_changed(link.username, None)  # and on the other relay processes
    return json_response(RegisterResponse(device_id=change.device_id), status=201)


async def _add_device(context: RelayContext, link: LinkDeviceRequest) -> DeviceSetChange:
    """Checks the request and stores the device.

    Raises:
        ProtocolError: ``unauthorized`` for a token that is not valid, unused and the named
            account's (a removed device's tokens are gone with it); ``bad_request`` for a
            signature that does not verify under the account's identity key or a
            ``created_at`` off by more than 120 s;
            ``too_large`` when the account has the most devices allowed.
    """
    token_hash = link_token_hash(link.link_token)
    token = await context.store.link_token(token_hash, context.clock())
    if token is None or token.username != link.username:
        raise _bad_token()
    identity_key = await context.store.account_identity_key(link.username)
    if identity_key is None:
        raise _bad_token()  # the account was deleted since
    if abs(context.clock() - link.created_at) > TIMESTAMP_WINDOW_MS:
        raise bad_request("created_at is too far from the relay's clock")
    await asyncio.to_thread(check_link_request, identity_key, link)
    device = NewLinkedDevice(
        username=link.username,
        identity_key=identity_key,
        token_hash=token_hash,
        device_key=CertifiedDeviceKey(
            device_key=link.device_key, certified_at=link.created_at, certificate=link.certificate
        ),
        name=link.name,
        signed_prekey=link.signed_prekey,
        pq_prekeys=link.pq_prekeys,
        one_time_prekeys=link.one_time_prekeys,
    )
    try:
        return await context.store.link_device(device, context.config.max_devices, context.clock())
    except InvalidLinkToken:
        raise _bad_token() from None
    except TooManyDevices:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"an account has at most {context.config.max_devices} devices",
        ) from None


def _bad_token() -> ProtocolError:
    return ProtocolError(ErrorCode.UNAUTHORIZED, "invalid, used or expired link token")


def register(app: web.Application) -> None:
    """Registers ``POST /v1/devices``."""
    app.router.add_post(events.DEVICES_PATH, link_device)
