"""The device events of docs/protocol.md §6.11: ``devices:link``, ``devices:list``,
``devices:remove``, ``devices:register_key``, and the relay's ``devices:changed``.

Removing a device cuts its connections the way ``account:delete`` cuts the deleting one:
they leave the session registry before the store write, so every later event on them is
refused ``unauthorized``; once the removal is durable every connected device of the account,
the removed one included, gets ``devices:changed``, and then the removed device's sockets
are closed (a device removing itself is closed right after its ack).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

import msgspec

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import TIMESTAMP_WINDOW_MS
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.errors import ErrorCode, ProtocolError, bad_request
from chat_desktop.protocol.schemas import (
    DeviceInfo,
    DeviceKeyRegistration,
    DevicesLinkAck,
    DevicesList,
    DevicesRemove,
    EmptyAck,
    EmptyRequest,
)
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import presence
from chat_desktop.relay.link_tokens import LINK_TOKEN_LIFETIME_MS, link_token_hash, new_link_token
from chat_desktop.relay.logs import log_event, log_exception
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.signatures import check_device_certificate
from chat_desktop.relay.store_devices import (
    CertifiedDeviceKey,
    DeviceKeyExists,
    OnlyDevice,
    UnknownDevice,
)


async def notify_devices_changed(
    context: RelayContext,
    user: str,
    devices: Sequence[DeviceInfo],
    also_to: Iterable[str] = (),
) -> None:
    """Sends ``devices:changed`` to every connected device of ``user`` (and ``also_to``)."""
    payload = encode_event(DevicesList(devices=list(devices)))
    sids = [connection.sid for connection in context.sessions.devices_of(user)]
    for sid in dict.fromkeys([*sids, *also_to]):
        await context.sio.emit(events.DEVICES_CHANGED, payload, to=sid)


async def make_link_token(
    context: RelayContext, device: ConnectedDevice, request: EmptyRequest
) -> DevicesLinkAck:
    """Makes a one-use token that adds a device to the connection's account.

    The token is bound to the asking device (docs/protocol.md §6.11): it fills one
    provisioning channel once, registers one device once, and dies with the asking device
    when that device is removed, so a removed device cannot link itself back with a token it
    kept.

    Raises:
        ProtocolError: ``rate_limited`` past the ``device_links`` rule; ``bad_request`` for
            a connection of a device without a device key (it registers one first, so no
            device made before linked devices can be impersonated by a linked one that
            learnt the identity key and was removed later); ``unauthorized`` when the
            device was removed while the request ran.
    """
    await context.limiters.device_links.acquire(device.user)
    if device.needs_device_key:
        raise bad_request("register this device's key before linking a device")
    if len(await context.store.list_devices(device.user)) >= context.config.max_devices:
        # Said now, before the user hands the account to a new device that the relay would
        # then refuse (POST /v1/devices checks again: devices can be linked meanwhile).
        raise ProtocolError(ErrorCode.TOO_LARGE, "the account has the most devices allowed")
    token = new_link_token()
    expires_at = context.clock() + LINK_TOKEN_LIFETIME_MS
    try:
        await context.store.create_link_token(
            device.user, device.device_id, link_token_hash(token), expires_at
        )
    except UnknownDevice:  # removed while this request ran
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "the device no longer exists") from None
    log_event("link_token_made", device_id=device.device_id)
    return DevicesLinkAck(link_token=token, expires_at=expires_at)


async def list_devices(
    context: RelayContext, device: ConnectedDevice, request: EmptyRequest
) -> DevicesList:
    """Answers with the devices of the connection's account, by device id.

    A device connected now is reported as last seen now (its stored ``last_seen`` is when it
    last disconnected, which would show an online device as long gone).
    """
    online = {connection.device_id for connection in context.sessions.devices_of(device.user)}
    now = context.clock()
    return DevicesList(
        devices=[
            msgspec.structs.replace(info, last_seen=now) if info.device_id in online else info
            for info in await context.store.list_devices(device.user)
        ]
    )


async def register_device_key(
    context: RelayContext, device: ConnectedDevice, request: DeviceKeyRegistration
) -> EmptyAck:
    """Stores the device key of a device made before linked devices (once).

    Raises:
        ProtocolError: ``bad_request`` for a certificate that does not verify under the
            account's identity key or a ``created_at`` off by more than 120 s;
            ``conflict`` when the device has a key already.
    """
    if abs(context.clock() - request.created_at) > TIMESTAMP_WINDOW_MS:
        raise bad_request("created_at is too far from the relay's clock")
    await asyncio.to_thread(
        check_device_certificate,
        device.identity_key,
        request.device_key,
        request.created_at,
        request.certificate,
    )
    try:
        await context.store.register_device_key(
            device.user,
            device.device_id,
            CertifiedDeviceKey(
                device_key=request.device_key,
                certified_at=request.created_at,
                certificate=request.certificate,
            ),
        )
    except DeviceKeyExists:
        raise ProtocolError(ErrorCode.CONFLICT, "the device has a device key already") from None
    except UnknownDevice:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "the device no longer exists") from None
    device.needs_device_key = False
    log_event("device_key_registered", device_id=device.device_id)
    return EmptyAck()


async def remove_device(
    context: RelayContext, device: ConnectedDevice, request: DevicesRemove
) -> EmptyAck:
    """Removes a device of the connection's account and disconnects it.

    Raises:
        ProtocolError: ``rate_limited`` past the ``device_removals`` rule; ``not_found``
            for a device the account does not have; ``bad_request`` for its only device.
    """
    await context.limiters.device_removals.acquire(device.user)
    user, removed_id = device.user, request.device_id
    current = {info.device_id for info in await context.store.list_devices(user)}
    if removed_id not in current:
        raise ProtocolError(ErrorCode.NOT_FOUND, "the account has no such device")
    if len(current) == 1:
        raise bad_request("this is the account's only device; delete the account instead")
    cut = _leave_registry(context, user, removed_id)
    try:
        await _stop_deliveries(cut)
        change = await context.store.remove_device(user, removed_id, context.clock())
    except (UnknownDevice, OnlyDevice) as error:  # changed since the read above
        await _close_all(context, cut, device.sid)  # out of the registry: let them reconnect
        if isinstance(error, UnknownDevice):
            raise ProtocolError(ErrorCode.NOT_FOUND, "the account has no such device") from None
        raise bad_request("this is the account's only device; delete the account instead") from None
    except BaseException:
        await _close_all(context, cut, device.sid)
        raise
    # No await between the write and these two lines: a connect of the removed device that
    # registered meanwhile is caught here, a later one sees the counter change.
    context.device_removals += 1
    late = _leave_registry(context, user, removed_id)
    context.peers.devices_changed(user, removed_id)  # cut it on the other relay processes
    await _stop_deliveries(late)
    cut += late
    log_event("device_removed", device_id=removed_id, by_device_id=device.device_id)
    await notify_devices_changed(
        context, user, change.devices, also_to=[connection.sid for connection in cut]
    )
    if any(connection.visible for connection in cut) and not context.sessions.is_online(user):
        await presence.announce(context, user, False, None)
    await _close_all(context, cut, device.sid)  # last: nothing may yield after it
    return EmptyAck()


def _leave_registry(context: RelayContext, user: str, device_id: int) -> list[ConnectedDevice]:
    """Takes the device's current connection out of the registry (its events are refused)."""
    connection = context.sessions.by_device(user, device_id)
    if connection is None or context.sessions.remove(connection.sid) is None:
        return []
    return [connection]


async def _stop_deliveries(connections: Sequence[ConnectedDevice]) -> None:
    for connection in connections:
        await connection.delivery.stop()


async def _close_all(
    context: RelayContext, connections: Sequence[ConnectedDevice], requester_sid: str
) -> None:
    """Closes the connections; the requesting one only once its ack is queued."""
    for connection in connections:
        if connection.sid != requester_sid:
            await _close(context, connection.sid)
    if any(connection.sid == requester_sid for connection in connections):
        # Started last, it runs after this handler's ack is queued (see account:delete).
        context.sio.start_background_task(_close, context, requester_sid)


async def _close(context: RelayContext, sid: str) -> None:
    try:
        await context.sio.disconnect(sid)
    except Exception:
        log_exception("disconnect_failed")


def register(context: RelayContext) -> None:
    """Registers the device events."""
    register_event(context, events.DEVICES_LINK, EmptyRequest, make_link_token)
    register_event(context, events.DEVICES_LIST, EmptyRequest, list_devices)
    register_event(context, events.DEVICES_REMOVE, DevicesRemove, remove_device)
    register_event(context, events.DEVICES_REGISTER_KEY, DeviceKeyRegistration, register_device_key)
