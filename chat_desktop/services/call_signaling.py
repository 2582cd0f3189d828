"""Call signaling on the wire: sending call contents now, screening the ones received, and
asking the relay for ICE servers.

Call contents (docs/protocol.md §14) are end-to-end encrypted like messages, to every device
of the peer (the relay wants a payload for each), but never queued in the outbox: an offer
that cannot go within the ring time means nothing later, so each send expires on the relay
at the end of the ring time and a failed send is just reported. A content meant for some of
the peer's devices only names them (``devices``); the others drop it.

Received call contents are screened on the store thread, inside the receiver's transaction
(:meth:`CallInbox.screen`): an offer rings only from an accepted contact who is not paused;
a paused contact's offer is refused and leaves a "refused" note here, and nothing is sent
back (a message request or a blocked sender learns nothing either). What passes is handed
to the call service on the loop, after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.call_content import CALL_ICE_SERVERS, IceServersAck
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import (
    CallContent,
    CallOfferContent,
    encode_content,
)
from chat_desktop.protocol.schemas import (
    DevicePayload,
    EmptyRequest,
    MessageDelivery,
    MessageSend,
    MessageSendAck,
)
from chat_desktop.services.blocking import is_blocked
from chat_desktop.services.call_history import write_call_note
from chat_desktop.services.call_media import IceServer
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.device_sets import UnknownRecipient
from chat_desktop.services.events import ClientEvent
from chat_desktop.services.sending import OutboxSender, encrypt_to_peer
from chat_desktop.services.trust import paused_peers
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: How often one send follows a ``mismatched_devices`` answer.
_MAX_DEVICE_SET_FIXES = 3


@dataclass(frozen=True)
class CallSignal:
    """A call content that passed screening: who sent it, from which device."""

    peer: str
    device_id: int
    content: CallContent


def call_peer_standing(store: MessageStore, peer: str) -> Literal["trusted", "paused", "none"]:
    """Whether ``peer`` may call us or be called (store thread).

    ``trusted``: an accepted 1:1 contact, not blocked, not paused. ``paused``: their safety
    number changed after verification. ``none``: no conversation, a message request, or
    blocked.
    """
    if is_blocked(store, peer):
        return "none"
    conversation = store.conversations.get(peer)
    if conversation is None or store.conversations.is_request(peer):
        return "none"
    if peer in paused_peers(store):
        return "paused"
    return "trusted"


class CallInbox:
    """Screens received call contents (store thread) and hands them on (loop).

    Attributes:
        handler: The call service's entry for signals that passed (set by it).
    """

    def __init__(self, context: EngineContext) -> None:
        self._context = context
        self.handler: Callable[[CallSignal], None] | None = None

    def screen(
        self, store: MessageStore, delivery: MessageDelivery, content: CallContent
    ) -> tuple[list[ClientEvent], CallSignal | None]:
        """Checks one received call content (store thread, in the receiver's transaction).

        Returns the events to publish (a refused call's note) and the signal to hand on, if
        any.
        """
        peer = delivery.from_
        if peer == self._context.username:
            return [], None  # our own devices do not call each other
        if content.devices is not None and self._context.device_id not in content.devices:
            return [], None  # meant for another device of ours
        if isinstance(content, CallOfferContent) and not content.restart:
            standing = call_peer_standing(store, peer)
            if standing == "paused":
                note = write_call_note(
                    store,
                    peer,
                    content.call_id,
                    me=self._context.username,
                    outgoing=False,
                    video=content.video,
                    outcome="refused",
                    duration_s=0,
                )
                return ([note] if note is not None else []), None
            if standing != "trusted":
                return [], None
        return [], CallSignal(peer, delivery.from_device, content)

    def deliver(self, signals: list[CallSignal]) -> None:
        """Hands screened signals to the call service (loop, after the commit)."""
        if self.handler is None:
            return
        for signal in signals:
            self.handler(signal)


class CallSender:
    """Encrypts a call content to a peer's devices and sends it now (never queued)."""

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        self._context = context
        self._sender = sender

    async def send(self, peer: str, content: CallContent, ttl_ms: int) -> list[int]:
        """Sends ``content`` to every device of ``peer`` we can reach, expiring in ``ttl_ms``.

        Returns:
            The devices it went to; empty when it could not go (offline, no device, the
            relay refused): the caller decides what that means for the call.
        """
        connection = self._context.connection
        if connection is None or not connection.connected:
            return []
        plaintext = encode_content(content)
        bodies = await self._encrypt(peer, plaintext)
        if not bodies and await self._establish(peer, None):
            bodies = await self._encrypt(peer, plaintext)
        for _attempt in range(_MAX_DEVICE_SET_FIXES + 1):
            if not bodies:
                return []
            request = MessageSend(
                id=content.id,
                to=peer,
                payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
                expires_at=now_ms() + ttl_ms,
            )
            try:
                await connection.request(wire_events.MESSAGE_SEND, request, MessageSendAck)
            except ConnectionFailure:
                return []
            except ProtocolError as error:
                if error.code is not ErrorCode.MISMATCHED_DEVICES:
                    logger.info("relay refused a call signal: %s", error.code.value)
                    return []
                if error.extra:
                    await self._context.worker.run(
                        self._sender.device_sets.drop_devices, peer, error.extra
                    )
                if error.missing:
                    await self._establish(peer, list(error.missing))
                bodies = await self._encrypt(peer, plaintext)
                continue
            return [device for device, _ in bodies]
        return []

    async def _establish(self, peer: str, devices: list[int] | None) -> bool:
        try:
            return await self._sender.establish_sessions(peer, devices)
        except (ConnectionFailure, ProtocolError, UnknownRecipient):
            return False

    async def _encrypt(self, peer: str, plaintext: bytes) -> list[tuple[int, bytes]]:
        return await self._context.worker.run(self._encrypt_now, peer, plaintext)

    def _encrypt_now(self, peer: str, plaintext: bytes) -> list[tuple[int, bytes]]:
        store = self._context.worker.store
        try:
            with store.transaction():
                return encrypt_to_peer(self._context, store, peer, plaintext)
        except BaseException:
            self._context.sessions.forget()
            raise


async def ice_servers(context: EngineContext) -> list[IceServer]:
    """The relay's TURN servers for a call, or none (host candidates only)."""
    connection = context.connection
    if connection is None or not connection.connected:
        return []
    try:
        ack = await connection.request(CALL_ICE_SERVERS, EmptyRequest(), IceServersAck, timeout=5.0)
    except (ConnectionFailure, ProtocolError):
        return []  # an older relay, or none configured: host candidates only
    if not ack.urls:
        return []
    return [(list(ack.urls), ack.username, ack.credential)]
