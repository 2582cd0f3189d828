"""Presence: ``presence:subscribe``, ``presence:visibility`` and the ``presence`` events.

Subscribers join one Socket.IO room per followed user, so a status change is one emit to
that room; with several relay processes (``--redis``) the change is also published to the
others, which emit it to their rooms, and "online" takes the devices connected to every
process into account.

"Show when I'm online" is enforced here, not by clients: an account that turned it off is
answered as offline without ``last_seen``, and its connects and disconnects are never
announced (nor recorded as ``last_seen``). Subscriptions are rate limited and capped at
:data:`~chat_desktop.protocol.schemas.MAX_PRESENCE_SUBSCRIPTIONS` users per connection.
"""

from __future__ import annotations

import logging

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    MAX_PRESENCE_SUBSCRIPTIONS,
    EmptyAck,
    PresenceEntry,
    PresenceSubscribe,
    PresenceUpdate,
    PresenceVisibility,
)
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.logs import log_event
from chat_desktop.relay.sessions import ConnectedDevice


def presence_room(user: str) -> str:
    """Returns the room of the connections following ``user``."""
    return f"presence:{user}"


async def subscribe(
    context: RelayContext, device: ConnectedDevice, request: PresenceSubscribe
) -> PresenceUpdate:
    """Follows the listed users and answers with their presence now.

    Raises:
        ProtocolError: ``rate_limited`` past the presence rate, ``too_large`` when the
            connection would follow more than ``MAX_PRESENCE_SUBSCRIPTIONS`` users (then
            nothing of the request is followed).
    """
    await context.limiters.presence.acquire(device.user)
    users = list(dict.fromkeys(request.users))
    new_users = [user for user in users if user not in device.subscriptions]
    if len(device.subscriptions) + len(new_users) > MAX_PRESENCE_SUBSCRIPTIONS:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"a connection follows at most {MAX_PRESENCE_SUBSCRIPTIONS} users",
        )
    for user in new_users:
        await context.sio.enter_room(device.sid, presence_room(user))
        device.subscriptions.add(user)
    records = await context.store.presence_records(users)
    elsewhere = await context.peers.online_elsewhere(
        [user for user in users if not context.sessions.is_online(user)]
    )
    entries = []
    for user in users:
        record = records.get(user)
        if record is not None and not record.visible:
            entries.append(PresenceEntry(user=user, online=False))
            continue
        entries.append(
            PresenceEntry(
                user=user,
                online=context.sessions.is_online(user) or user in elsewhere,
                last_seen=None if record is None else record.last_seen,
            )
        )
    return PresenceUpdate(presence=entries)


async def set_visibility(
    context: RelayContext, device: ConnectedDevice, request: PresenceVisibility
) -> EmptyAck:
    """Stores "show when I'm online" for the account and tells followers what changed.

    Turning it off while online looks like going offline (without ``last_seen``) to
    followers; turning it on while online looks like coming online.

    Raises:
        ProtocolError: ``rate_limited`` past the visibility rate.
    """
    await context.limiters.visibility.acquire(device.user)
    await context.store.set_show_online(device.user, request.visible)
    devices = context.sessions.devices_of(device.user)
    was_visible = any(other.visible for other in devices) or device.visible
    for other in devices:
        other.visible = request.visible
    device.visible = request.visible
    if was_visible != request.visible and context.sessions.is_online(device.user):
        await announce(context, device.user, request.visible, None, visible=request.visible)
    return EmptyAck()


async def load_visibility(context: RelayContext, device: ConnectedDevice) -> bool:
    """Reads the account's visibility from the store into ``device``; returns it."""
    record = (await context.store.presence_records([device.user])).get(device.user)
    device.visible = True if record is None else record.visible
    return device.visible


async def announce(
    context: RelayContext,
    user: str,
    online: bool,
    last_seen: int | None,
    *,
    visible: bool | None = None,
) -> None:
    """Tells the followers of ``user``, on every relay process, that it came online or went
    offline.

    Callers check the account's visibility first: a hidden account is never announced
    (except the one "offline" when it hides itself while online: ``visible`` is set then,
    and the account's devices on other processes take it). "Offline" is not said while a
    device of ``user`` is still connected to another relay process.
    """
    if not online and visible is None:
        if context.sessions.is_online(user):
            return  # a device of it connected again here meanwhile
        if user in await context.peers.online_elsewhere([user]):
            log_event("offline_not_announced", logging.DEBUG)  # online at another process
            return
    await emit_presence(context, user, online, last_seen)
    context.peers.presence_changed(user, online, last_seen, visible)


async def emit_presence(
    context: RelayContext, user: str, online: bool, last_seen: int | None
) -> None:
    """Sends one ``presence`` event to the followers of ``user`` connected to this process."""
    update = PresenceUpdate(presence=[PresenceEntry(user=user, online=online, last_seen=last_seen)])
    await context.sio.emit(events.PRESENCE, encode_event(update), room=presence_room(user))


def register(context: RelayContext) -> None:
    """Registers the presence events."""
    register_event(context, events.PRESENCE_SUBSCRIBE, PresenceSubscribe, subscribe)
    register_event(context, events.PRESENCE_VISIBILITY, PresenceVisibility, set_visibility)
