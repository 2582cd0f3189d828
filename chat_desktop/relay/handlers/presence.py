"""``presence:subscribe`` and the ``presence`` events: who is online, and when last seen.

Subscribers join one Socket.IO room per followed user, so a status change is one emit to
that room (and fans out across processes once a Redis manager is configured).
"""

from __future__ import annotations

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import encode_event
from chat_desktop.protocol.schemas import PresenceEntry, PresenceSubscribe, PresenceUpdate
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.sessions import ConnectedDevice


def presence_room(user: str) -> str:
    """Returns the room of the connections following ``user``."""
    return f"presence:{user}"


async def subscribe(
    context: RelayContext, device: ConnectedDevice, request: PresenceSubscribe
) -> PresenceUpdate:
    """Follows the listed users and answers with their presence now."""
    users = list(dict.fromkeys(request.users))
    for user in users:
        if user not in device.subscriptions:
            await context.sio.enter_room(device.sid, presence_room(user))
            device.subscriptions.add(user)
    last_seen = await context.store.last_seen(users)
    return PresenceUpdate(
        presence=[
            PresenceEntry(
                user=user, online=context.sessions.is_online(user), last_seen=last_seen.get(user)
            )
            for user in users
        ]
    )


async def announce(context: RelayContext, user: str, online: bool, last_seen: int) -> None:
    """Tells the followers of ``user`` that it came online or went offline."""
    update = PresenceUpdate(presence=[PresenceEntry(user=user, online=online, last_seen=last_seen)])
    await context.sio.emit(events.PRESENCE, encode_event(update), room=presence_room(user))


def register(context: RelayContext) -> None:
    """Registers the presence events."""
    register_event(context, events.PRESENCE_SUBSCRIBE, PresenceSubscribe, subscribe)
