"""``keys:upload`` and ``keys:bundle``: prekeys in, bundles out, one-time keys used once.

Uploads are signature-checked against the connection's identity key before storing.
Bundle fetches take one-time keys out in the store's single writer, so a key goes to at most
one fetch even under concurrency; the owner hears ``keys:low`` when its stock runs low.
"""

from __future__ import annotations

import asyncio
from typing import Final

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    KeyCounts,
    KeysBundleAck,
    KeysBundleRequest,
    KeysUpload,
)
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.signatures import check_prekeys
from chat_desktop.relay.store import UnknownRecipient

#: Below this many one-time keys of either kind the owner is sent ``keys:low``.
LOW_KEY_THRESHOLD: Final = 20


def is_low(counts: KeyCounts) -> bool:
    """True when either one-time key stock is below :data:`LOW_KEY_THRESHOLD`."""
    return counts.one_time_count < LOW_KEY_THRESHOLD or counts.pq_count < LOW_KEY_THRESHOLD


async def upload(context: RelayContext, device: ConnectedDevice, request: KeysUpload) -> KeyCounts:
    """Checks and stores new prekeys; answers with the one-time key counts now."""
    await context.limiters.key_uploads.acquire(device.user)
    pq_prekeys = request.pq_prekeys or []
    one_time_prekeys = request.one_time_prekeys or []
    await asyncio.to_thread(
        check_prekeys, device.identity_key, request.signed_prekey, pq_prekeys, one_time_prekeys
    )
    return await context.store.upload_keys(
        device.user, device.device_id, request.signed_prekey, pq_prekeys, one_time_prekeys
    )


async def bundle(
    context: RelayContext, device: ConnectedDevice, request: KeysBundleRequest
) -> KeysBundleAck:
    """Hands out a bundle per device of the user (or per listed device), one-time keys
    taken out; ``not_found`` when no device is left to hand out."""
    await context.limiters.bundles.acquire(device.user)
    try:
        taken = await context.store.take_bundles(request.user, request.devices)
    except UnknownRecipient:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such user") from None
    if not taken.bundles:
        raise ProtocolError(ErrorCode.NOT_FOUND, "the user has no usable bundle")
    for device_id, counts in taken.remaining.items():
        await warn_if_low(context, request.user, device_id, counts)
    return KeysBundleAck(devices=list(taken.bundles))


async def warn_if_low(context: RelayContext, user: str, device_id: int, counts: KeyCounts) -> None:
    """Sends ``keys:low`` to the device if it is connected here and its stock is low."""
    owner = context.sessions.by_device(user, device_id)
    if owner is not None and is_low(counts):
        await context.sio.emit(events.KEYS_LOW, encode_event(counts), to=owner.sid)


def register(context: RelayContext) -> None:
    """Registers the key events."""
    register_event(context, events.KEYS_UPLOAD, KeysUpload, upload)
    register_event(context, events.KEYS_BUNDLE, KeysBundleRequest, bundle)
