"""Profiles: ``profile:put`` and ``profile:get`` (docs/protocol.md §13.3).

The relay keeps one sealed profile blob per account with its version and hands it to any
logged-in account that asks: it cannot open it (the key travels only end to end, inside
``profile`` contents), so the blob says nothing to the relay or to anyone without the key.
Versions only move forward, so a stale device cannot put an older profile back. Both events
share the ``profiles`` rate rule; the blob's size is bounded by its schema
(:data:`~chat_desktop.protocol.profiles.MAX_PROFILE_BLOB_SIZE`, ``too_large`` past it).
"""

from __future__ import annotations

from chat_desktop.protocol import events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.profiles import (
    MAX_PROFILE_BLOB_SIZE,
    ProfileGet,
    ProfileGetAck,
    ProfilePut,
)
from chat_desktop.protocol.schemas import EmptyAck
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.relay.store import StaleProfile


async def put_profile(
    context: RelayContext, device: ConnectedDevice, request: ProfilePut
) -> EmptyAck:
    """Stores the connection's account's sealed profile.

    Raises:
        ProtocolError: ``too_large`` for a blob past the bound (nothing is charged);
            ``rate_limited`` past the profiles rate; ``conflict`` when the relay
            holds this version with another blob, or a newer version (nothing is stored).
    """
    if len(request.blob) > MAX_PROFILE_BLOB_SIZE:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"a profile blob is at most {MAX_PROFILE_BLOB_SIZE} bytes"
        )
    await context.limiters.profiles.acquire(device.user)
    try:
        await context.store.put_profile(device.user, request.version, request.blob, context.clock())
    except StaleProfile:
        raise ProtocolError(
            ErrorCode.CONFLICT, "the relay holds this profile version or a newer one"
        ) from None
    return EmptyAck()


async def get_profile(
    context: RelayContext, device: ConnectedDevice, request: ProfileGet
) -> ProfileGetAck:
    """Answers with ``user``'s sealed profile.

    Raises:
        ProtocolError: ``rate_limited`` past the profiles rate; ``not_found`` if ``user``
            has no profile (or no account).
    """
    await context.limiters.profiles.acquire(device.user)
    stored = await context.store.profile(request.user)
    if stored is None:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such profile")
    version, blob = stored
    return ProfileGetAck(version=version, blob=blob)


def register(context: RelayContext) -> None:
    """Registers the profile events."""
    register_event(context, events.PROFILE_PUT, ProfilePut, put_profile)
    register_event(context, events.PROFILE_GET, ProfileGet, get_profile)
