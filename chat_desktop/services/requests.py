"""Message requests (issue 23, item 1): a chat someone not in our conversations opened.

A one-to-one conversation that an incoming message creates is a *request*
(``conversations.accepted = 0``, schema v13). A conversation is accepted once we started it
(``client.conversations.start``), wrote in it (any message of ours, from this device or
another of ours), accepted it here or on another device of ours, or it is a Note to Self or
a group; every conversation that existed before v13 is accepted.

While a chat is a request nothing goes back to its peer (docs/protocol.md §8): no delivery
or read receipt (the outbox drops them:
:class:`~chat_desktop.services.outbox_queue.OutboxQueue`), no typing notice, and
its attachments are not fetched (not even images; what the message itself carries, such as
a thumbnail, is shown). The user accepts it, deletes it, or blocks its peer
(:mod:`chat_desktop.services.blocking`).

Accepting sends what was held back, once: a read receipt for the messages already read
(a delivery receipt instead while read receipts are turned off) and a delivery receipt for
the others, for at most the newest :data:`MAX_HELD_RECEIPTS` messages; the held attachments
are fetched as if they had just arrived; and our other devices are told with a ``contact``
sync content (which accepts the chat there too). Writing in a request (which accepts it too)
sends nothing retroactively: the receipts flow from then on, a read receipt on reading (as
Signal). Starting the chat (``start``) is accepting it.

Not covered: a group someone not in our conversations adds us to is no request (it shows
at once, as before); linking a device, a history transfer and a backup carry no request
state: every chat the new device or the restored profile is given is accepted there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from chat_desktop.protocol.message_content import MAX_IDS_PER_CONTENT
from chat_desktop.services.blocking import blocked_contacts
from chat_desktop.services.client_errors import (
    ClientError,
    InvalidPeer,
    check_conversation,
    check_peer,
)
from chat_desktop.services.context import EngineContext
from chat_desktop.services.conversation_actions import ConversationActions
from chat_desktop.services.events import ConversationChanged
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.preferences import read_receipts_enabled
from chat_desktop.storage.models import Conversation, Direction, MessageKey
from chat_desktop.storage.store import MessageStore

#: Most held-back messages a receipt is sent for when a request is accepted (one content).
MAX_HELD_RECEIPTS: Final = MAX_IDS_PER_CONTENT
#: The kinds of messages a receipt is sent for (not notes).
_RECEIPTED_KINDS: Final = frozenset({"text", "attachment"})


class NotARequest(ClientError):
    """The conversation is not a message request (it may be deleted from the list instead)."""


@dataclass
class _Accepted:
    """What accepting a request holds for the loop side."""

    delivered: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    attachments: list[MessageKey] = field(default_factory=list)


def _accept_in_store(store: MessageStore, peer: str) -> _Accepted | None:
    """Accepts ``peer``'s request; None if the conversation was no request."""
    with store.transaction():
        if not store.conversations.set_accepted(peer):
            return None
        send_read = read_receipts_enabled(store)
        accepted = _Accepted()
        for message in store.messages.newest(peer, MAX_HELD_RECEIPTS):
            if (
                message.direction is not Direction.INCOMING
                or message.kind not in _RECEIPTED_KINDS
                or message.undecryptable
            ):
                continue
            read = send_read and message.read_at is not None
            (accepted.read if read else accepted.delivered).append(message.id)
            info = message.attachment
            if info is not None and not info.local_file_id and not message.deleted:
                accepted.attachments.append(MessageKey(peer, message.id))
    return accepted


def _requests_in_store(store: MessageStore, limit: int) -> list[Conversation]:
    """The requests whose peer is not blocked (a blocked one shows only in its chat)."""
    blocked = set(blocked_contacts(store))
    return [c for c in store.conversations.requests(limit) if c.id not in blocked]


def _check_request_peer(context: EngineContext, peer: str) -> None:
    check_peer(peer)
    if peer == context.username:
        raise InvalidPeer("that is your own username")


class MessageRequests:
    """Lists, accepts and deletes message requests (``client.conversations`` delegates here).

    Args:
        context: The engine's shared state.
        queue: Sends the held receipts and the sync content on accepting.
        actions: Deletes a request's conversation.

    Attributes:
        fetch_attachment: Starts fetching a held attachment once its request is accepted
            (set by the client to the attachment transfers; None fetches nothing).
    """

    def __init__(
        self, context: EngineContext, queue: OutboxQueue, actions: ConversationActions
    ) -> None:
        self._context = context
        self._queue = queue
        self._actions = actions
        self.fetch_attachment: Callable[[MessageKey], None] | None = None

    async def list(self, limit: int = 500) -> list[Conversation]:
        """The message requests, newest activity first, each with its preview (those of
        blocked contacts left out).

        Raises:
            ValueError: ``limit`` is not positive.
        """
        requests: list[Conversation] = await self._context.worker.run(
            _requests_in_store, self._context.worker.store, limit
        )
        return requests

    async def is_request(self, peer: str) -> bool:
        """Whether the conversation ``peer`` (a username or a group's id) is a message
        request (a group never is)."""
        check_conversation(peer)
        store = self._context.worker.store
        request: bool = await self._context.worker.run(store.conversations.is_request, peer)
        return request

    async def accept(self, peer: str) -> bool:
        """Accepts ``peer``'s request: receipts held back go, held attachments are fetched,
        our other devices accept it too. Returns False (nothing done) if it was no request.

        Raises:
            InvalidPeer: Not a valid username, or our own.
        """
        _check_request_peer(self._context, peer)
        worker = self._context.worker
        accepted = await worker.run(_accept_in_store, worker.store, peer)
        if accepted is None:
            return False
        self._context.events.publish(ConversationChanged(peer))
        if accepted.read:
            await self._queue.queue_receipt(peer, "read", accepted.read)
        if accepted.delivered:
            await self._queue.queue_receipt(peer, "delivered", accepted.delivered)
        await self._queue.sync_contact(peer)
        if self.fetch_attachment is not None:
            for key in accepted.attachments:
                self.fetch_attachment(key)
        return True

    async def delete(self, peer: str) -> None:
        """Deletes ``peer``'s request and its messages from this device; nothing is sent (a
        new message from them opens a new request).

        Raises:
            InvalidPeer: Not a valid username, or our own.
            NotARequest: The conversation with ``peer`` is not a request (nothing changes).
        """
        _check_request_peer(self._context, peer)
        if not await self.is_request(peer):
            raise NotARequest("that conversation is not a message request")
        await self._actions.delete_conversation(peer)
