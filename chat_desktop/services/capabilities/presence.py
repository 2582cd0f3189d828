"""``client.presence``: who is online, "show when I'm online", and typing indicators.

Presence comes from the relay (a subscription answered now and pushed on every change); the
relay enforces "show when I'm online" for every contact, so the choice is told to it now and
at every connect. Typing notices are encrypted like messages but never queued: one that
cannot go now has no meaning later.
"""

from __future__ import annotations

import contextlib
import logging

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import TypingContent, encode_content
from chat_desktop.protocol.schemas import (
    MAX_PRESENCE_SUBSCRIPTIONS,
    DevicePayload,
    EmptyAck,
    MessageSend,
    MessageSendAck,
    PresenceSubscribe,
    PresenceUpdate,
    PresenceVisibility,
)
from chat_desktop.services.client_errors import check_peer
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.events import PresenceChanged
from chat_desktop.services.preferences import SHOW_ONLINE_SETTING, typing_indicators_enabled
from chat_desktop.services.sending import encrypt_to_peer
from chat_desktop.services.trust import paused_peers

logger = logging.getLogger(__name__)

#: The relay drops a typing notice not delivered within this long (ms).
TYPING_TTL_MS = 60_000


class PresenceService:
    """Presence of contacts, our own visibility, and typing notices."""

    def __init__(self, context: EngineContext) -> None:
        """Built by the client; talks to the relay through ``context``'s link."""
        self._context = context
        #: Presence changes pushed by the relay, per user (see :meth:`subscribe`).
        self._pushes: dict[str, int] = {}

    async def subscribe(self, peers: list[str]) -> None:
        """Asks the relay for ``peers``' presence now and on every change.

        The relay follows at most ``MAX_PRESENCE_SUBSCRIPTIONS`` users per connection; the
        first that many are asked for. A refusal (rate limit, offline) is not an error: the
        presence shown just stays as it was.
        """
        for peer in peers:
            check_peer(peer)
        connection = self._context.connection
        if connection is None or not connection.connected:
            return
        wanted = list(dict.fromkeys(peers))[:MAX_PRESENCE_SUBSCRIPTIONS]
        pushes_before = {peer: self._pushes.get(peer, 0) for peer in wanted}
        try:
            update = await connection.request(
                wire_events.PRESENCE_SUBSCRIBE, PresenceSubscribe(users=wanted), PresenceUpdate
            )
        except (ConnectionFailure, ProtocolError) as error:
            logger.info("presence subscription refused: %s", type(error).__name__)
            return
        # A change the relay pushed while the answer travelled is newer than the answer:
        # the answer must not turn a peer who just left back "online".
        fresh = [
            entry
            for entry in update.presence
            if self._pushes.get(entry.user, 0) == pushes_before.get(entry.user, 0)
        ]
        self._publish(PresenceUpdate(presence=fresh))

    def on_push(self, update: PresenceUpdate) -> None:
        """A presence change the relay pushed (counted, so older answers never override it)."""
        for entry in update.presence:
            self._pushes[entry.user] = self._pushes.get(entry.user, 0) + 1
        self._publish(update)

    def _publish(self, update: PresenceUpdate) -> None:
        for entry in update.presence:
            self._context.events.publish(
                PresenceChanged(peer=entry.user, online=entry.online, last_seen=entry.last_seen)
            )

    async def show_online(self) -> bool:
        """Whether contacts may see when we are online (on unless the user turned it off)."""
        settings = self._context.worker.store.settings
        return bool(await self._context.worker.run(settings.get, SHOW_ONLINE_SETTING, True))

    async def set_show_online(self, visible: bool) -> None:
        """Turns "show when I'm online" on or off; the relay enforces it for every contact.

        Kept in the encrypted settings and told to the relay now and at every connect.
        """
        store = self._context.worker.store

        def write() -> None:
            with store.transaction():
                store.settings.set(SHOW_ONLINE_SETTING, visible)

        await self._context.worker.run(write)
        await self.send_visibility()

    async def send_visibility(self) -> None:
        """Tells the relay whether we show as online (at connect, and when it changed)."""
        connection = self._context.connection
        if connection is None or not connection.connected:
            return  # sent at the next connect
        visible = await self.show_online()
        with contextlib.suppress(ConnectionFailure, ProtocolError):
            await connection.request(
                wire_events.PRESENCE_VISIBILITY, PresenceVisibility(visible=visible), EmptyAck
            )

    async def set_typing(self, peer: str, typing: bool) -> None:
        """Tells ``peer`` we started or stopped typing (best effort, never queued).

        Nothing is sent while the user turned typing indicators off (:class:`Preferences`).
        """
        check_peer(peer)
        connection = self._context.connection
        if connection is None or not connection.connected or peer == self._context.username:
            return  # (nobody types to a Note to Self)
        message_id = new_message_id()
        content = TypingContent(
            id=message_id, sent_at=now_ms(), typing="started" if typing else "stopped"
        )
        bodies = await self._context.worker.run(self._encrypt_now, peer, encode_content(content))
        if not bodies:
            return
        request = MessageSend(
            id=message_id,
            to=peer,
            payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
            expires_at=now_ms() + TYPING_TTL_MS,
        )
        with contextlib.suppress(ConnectionFailure, ProtocolError):
            await connection.request(wire_events.MESSAGE_SEND, request, MessageSendAck)

    def _encrypt_now(self, peer: str, plaintext: bytes) -> list[tuple[int, bytes]]:
        """Encrypts a typing notice now; nothing for a paused peer, a message request or with
        typing turned off."""
        store = self._context.worker.store
        if not typing_indicators_enabled(store) or peer in paused_peers(store):
            return []
        if store.conversations.is_request(peer):
            return []  # a message request sends nothing back (services/requests.py)
        try:
            with store.transaction():
                return encrypt_to_peer(self._context, store, peer, plaintext)
        except BaseException:
            self._context.sessions.forget()
            raise
