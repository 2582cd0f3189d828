"""Typing in groups: one sender-key message to every member device, best effort.

A typing notice is a ``typing`` content inside a group message body (docs/protocol.md §2.3,
§4): encrypted once with our sender key, sent once with ``message:send_multi``, never
queued (a notice that can't go now is worth nothing later) and kept at the relay for a
minute at most. It goes only when the sender key already reached every recipient device and
nothing pairwise of the group is still queued: the first group message hands the key out;
a typing notice never does. Nothing goes while the user turned typing indicators off
(the receiver shows nothing then either), and a repeated "started" within
:data:`REPEAT_S` seconds is not sent again (a bound on what a busy keyboard sends).
"""

from __future__ import annotations

import time
from typing import Final

from chat_desktop.crypto.sender_keys import OwnSenderKey
from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import TypingContent, encode_content
from chat_desktop.protocol.schemas import MessageSendAck, MessageSendMulti, RecipientDevices
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.groups_held import member_state, recipient_devices
from chat_desktop.services.groups_sending import GROUP_MESSAGE_TYPE
from chat_desktop.services.preferences import typing_indicators_enabled
from chat_desktop.services.sending import PENDING_BATCH
from chat_desktop.storage.store import MessageStore

#: How long the relay keeps a typing notice (ms), as for 1:1 ones.
TYPING_TTL_MS: Final = 60_000
#: A "started" sent again within this many seconds is dropped.
REPEAT_S: Final = 3.0


class GroupTyping:
    """Sends our typing notices to groups; see the module docstring."""

    def __init__(self, context: EngineContext) -> None:
        """Sends through ``context``'s connection, encrypts on its store thread."""
        self._context = context
        #: Conversation id -> (typing, when it was last sent, monotonic s).
        self._last: dict[str, tuple[bool, float]] = {}

    async def set_typing(self, conversation_id: str, typing: bool) -> bool:
        """Tells the group's members we started or stopped typing; returns whether it went.

        Raises:
            NotAGroupMember: The group is not held or we are not a member of it.
        """
        connection = self._context.connection
        if connection is None or not connection.connected:
            return False
        now = time.monotonic()
        last = self._last.get(conversation_id)
        if typing and last is not None and last[0] and now - last[1] < REPEAT_S:
            return False
        message_id = new_message_id()
        content = TypingContent(
            id=message_id, sent_at=now_ms(), typing="started" if typing else "stopped"
        )
        ready = await self._context.worker.run(
            self._encrypt, self._context.worker.store, conversation_id, encode_content(content)
        )
        if ready is None:
            return False
        body, recipients = ready
        request = MessageSendMulti(
            id=message_id,
            recipients=recipients,
            body=body,
            expires_at=now_ms() + TYPING_TTL_MS,
        )
        try:
            await connection.request(wire_events.MESSAGE_SEND_MULTI, request, MessageSendAck)
        except (ConnectionFailure, ProtocolError):
            return False  # best effort: the next message sorts out any device change
        self._last[conversation_id] = (typing, now)
        while len(self._last) > 256:
            del self._last[next(iter(self._last))]
        return True

    def _encrypt(
        self, store: MessageStore, conversation_id: str, content: bytes
    ) -> tuple[bytes, list[RecipientDevices]] | None:
        """The typing notice's body and recipients, or None when it must not go now."""
        context = self._context
        with store.transaction():
            state = member_state(context, store, conversation_id)
            if not typing_indicators_enabled(store):
                return None
            stored = store.groups.own_sender_key(conversation_id)
            if stored is None:
                return None  # no key handed out yet: the first message does that
            key = OwnSenderKey.from_bytes(stored)
            devices = recipient_devices(context, store, state)
            holders = store.groups.key_holders(conversation_id, key.key_id)
            if any(
                (user, device) not in holders
                for user, device_ids in devices.items()
                for device in device_ids
            ):
                return None  # a device lacks our key: the next message hands it out
            if any(
                entry.conversation_id == conversation_id and entry.recipient != conversation_id
                for entry in store.outbox.pending(PENDING_BATCH)
            ):
                return None  # our key may still be on its way
            if not any(devices.values()):
                return None  # nobody to tell
            body = bytes([GROUP_MESSAGE_TYPE]) + key.encrypt(state.group_id + content)
            store.groups.set_own_sender_key(conversation_id, key.to_bytes())
        recipients = [
            RecipientDevices(user=user, device_ids=device_ids)
            for user, device_ids in devices.items()
        ]
        return body, recipients
