"""``client.trust``: safety numbers, verifying a contact, accepting a contact's new key.

A contact's identity key is pinned on first use; a change is told, and for a verified
contact sending pauses until the user accepts the new key (docs/protocol.md §8). The rules
themselves live in :mod:`chat_desktop.services.trust`; this is what the user does with them.
"""

from __future__ import annotations

import functools

from chat_desktop.crypto.fingerprint import format_safety_number, safety_number
from chat_desktop.protocol.message_content import VerifiedSyncContent
from chat_desktop.services.client_errors import UnknownPeer, check_peer
from chat_desktop.services.context import EngineContext
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.sending import OutboxSender
from chat_desktop.services.trust import messages_waiting, set_paused
from chat_desktop.storage.models import VerifiedState


class TrustService:
    """What the user knows of each contact's identity key."""

    def __init__(self, context: EngineContext, queue: OutboxQueue, sender: OutboxSender) -> None:
        """Built by the client; tells our other devices through ``queue``."""
        self._context = context
        self._queue = queue
        self._sender = sender

    async def safety_number(self, peer: str) -> str:
        """The 60-digit safety number with ``peer``, in groups of five.

        Raises:
            UnknownPeer: We do not know ``peer``'s identity key yet.
        """
        check_peer(peer)
        contact = await self._context.worker.run(self._context.worker.store.contacts.get, peer)
        if contact is None or contact.identity_key is None:
            raise UnknownPeer("no identity key known for this contact yet")
        digits = safety_number(
            self._context.identity.public_key, self._context.username, contact.identity_key, peer
        )
        return format_safety_number(digits)

    async def mark_verified(self, peer: str, verified: bool = True) -> None:
        """Records that the user compared the safety number with ``peer``."""
        check_peer(peer)
        store = self._context.worker.store
        await self._context.worker.run(store.contacts.set_verified, peer, verified)
        contact = await self._context.worker.run(store.contacts.get, peer)
        if contact is not None and contact.identity_key is not None:
            await self._queue.queue_sync(
                peer,
                functools.partial(
                    VerifiedSyncContent,
                    peer=peer,
                    identity_key=contact.identity_key,
                    verified=verified,
                ),
            )

    async def is_verified(self, peer: str) -> bool:
        """Whether the user verified ``peer``'s current identity key."""
        contact = await self._context.worker.run(self._context.worker.store.contacts.get, peer)
        return contact is not None and contact.verified_state is VerifiedState.VERIFIED

    async def messages_waiting(self, peer: str) -> int:
        """How many of our messages to ``peer`` go once the user accepts their new key
        (0 unless sending to them is paused); :class:`MessagesWaiting` tells changes."""
        check_peer(peer)
        return await self._context.worker.run(messages_waiting, self._context.worker.store, peer)

    async def accept_identity(self, peer: str) -> None:
        """Accepts ``peer``'s new identity key: paused messages to them go out now."""
        check_peer(peer)
        await self._context.worker.run(set_paused, self._context.worker.store, peer, False)
        self._sender.wake()
        await self._queue.sync_contact(peer)
