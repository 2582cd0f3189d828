"""``client.conversations``: the list, starting a chat, its flags, drafts, timer, read marks.

Message requests (a stranger's chat, kept apart until accepted) are handled by
:class:`~chat_desktop.services.requests.MessageRequests`.

The list itself (summaries, mute / pin / archive / mark unread, unread totals) is read and
changed by :class:`~chat_desktop.services.conversation_list.ConversationList`; drafts by
:class:`~chat_desktop.services.drafts.Drafts` (reachable as :attr:`ConversationService.drafts`).
This module adds what touches the peer: checking a new contact with the relay, the
disappearing timer (a note here, a content there) and read marks (a receipt, unless turned
off, and a sync copy to our other devices).
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import (
    MAX_IDS_PER_CONTENT,
    MAX_TIMER_SECONDS,
    Content,
    ReadSyncContent,
    TimerContent,
)
from chat_desktop.services.blocking import blocked_contacts, set_blocked
from chat_desktop.services.client_errors import ClientError, InvalidPeer, UnknownUser, check_peer
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import ConversationActions
from chat_desktop.services.conversation_list import ConversationList
from chat_desktop.services.drafts import Drafts
from chat_desktop.services.events import ConversationChanged, MessageChanged, TimerChanged
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.preferences import read_receipts_enabled
from chat_desktop.services.requests import MessageRequests
from chat_desktop.services.sending import OutboxSender, UnknownRecipient
from chat_desktop.storage.models import TIMER_NOTE_KIND, Conversation, MessageKey
from chat_desktop.storage.store import MessageStore


class ConversationService:
    """The conversations of this account.

    Attributes:
        drafts: One unsent text per conversation, kept in the encrypted store.
    """

    def __init__(
        self,
        context: EngineContext,
        queue: OutboxQueue,
        actions: ConversationActions,
        sender: OutboxSender,
        fetch_attachment: Callable[[MessageKey], None] | None = None,
    ) -> None:
        """Built by the client; sends through ``queue``; ``fetch_attachment`` starts fetching
        a message request's held attachment once it is accepted."""
        self._context = context
        self._queue = queue
        self._actions = actions
        self._sender = sender
        self._list = ConversationList(context)
        self._requests = MessageRequests(context, queue, actions)
        self._requests.fetch_attachment = fetch_attachment
        self.drafts = Drafts(context)

    # ---- the list ----------------------------------------------------------------------

    async def list(self, limit: int = 500, *, include_archived: bool = False) -> list[Conversation]:
        """The conversation list: pinned first, then newest activity first.

        Each entry has the preview of its newest shown message (``last_message``), its unread
        count and its muted / pinned / archived flags; archived conversations only with
        ``include_archived`` (the archive view). Message requests are apart (:meth:`requests`).
        """
        return await self._list.conversations(limit, include_archived=include_archived)

    async def note_to_self(self) -> str:
        """Opens the Note to Self conversation (our own username): what is written there is
        kept here and goes to our other devices only, as our own sent messages do. Returns its
        id (our username)."""
        me = self._context.username

        def ensure() -> None:
            store = self._context.worker.store
            with store.transaction():
                store.conversations.ensure(me, peer_address=me)

        await self._context.worker.run(ensure)
        return me

    async def requests(self, limit: int = 500) -> builtins.list[Conversation]:
        """The message requests: chats someone not in our conversations opened by writing
        to us, newest first. They are not in :meth:`list`; nothing goes back to their peers
        (no receipt, no typing) and their attachments wait, until :meth:`accept`
        (services/requests.py).
        """
        return await self._requests.list(limit)

    async def is_request(self, peer: str) -> bool:
        """Whether the conversation ``peer`` (a username or a group's id) is a message
        request (a group never is)."""
        return await self._requests.is_request(peer)

    async def accept(self, peer: str) -> bool:
        """Accepts ``peer``'s message request: it joins the list, the receipts held back go
        once (read for what was read, delivered for the rest), held attachments are fetched
        and our other devices accept it too. False if it was no request (nothing changes).

        Raises:
            InvalidPeer: Not a valid username, or our own.
        """
        return await self._requests.accept(peer)

    async def delete_request(self, peer: str) -> None:
        """Deletes ``peer``'s message request and its messages here; nothing is sent.

        Raises:
            InvalidPeer: Not a valid username, or our own.
            NotARequest: That conversation is not a message request (nothing changes).
        """
        await self._requests.delete(peer)

    async def block(self, peer: str) -> None:
        """Blocks ``peer``: everything their devices send is dropped unread (acked, nothing
        stored, no receipt back) and nothing can be written to them until unblocked. They are
        not told. Publishes ConversationChanged.

        Raises:
            InvalidPeer: Not a valid username, or our own.
            ClientError: Too many contacts blocked already.
        """
        await self._set_blocked(peer, True)

    async def unblock(self, peer: str) -> None:
        """Takes ``peer`` off the blocked list (what they sent meanwhile is gone)."""
        await self._set_blocked(peer, False)

    async def blocked(self) -> builtins.list[str]:
        """The blocked contacts, in the order blocked."""
        worker = self._context.worker
        users: builtins.list[str] = await worker.run(blocked_contacts, worker.store)
        return users

    async def _set_blocked(self, peer: str, blocked: bool) -> None:
        check_peer(peer)
        if peer == self._context.username:
            raise InvalidPeer("that is your own username")
        worker = self._context.worker
        if await worker.run(set_blocked, worker.store, peer, blocked):
            self._context.events.publish(ConversationChanged(peer))

    async def set_muted(self, peer: str, muted: bool) -> None:
        """Mutes or unmutes the conversation with ``peer`` (publishes ConversationChanged)."""
        await self._list.set_muted(check_peer(peer), muted)

    async def set_pinned(self, peer: str, pinned: bool) -> None:
        """Pins the conversation with ``peer`` to the top of the list, or unpins it."""
        await self._list.set_pinned(check_peer(peer), pinned)

    async def set_archived(self, peer: str, archived: bool) -> None:
        """Archives the conversation with ``peer``, or brings it back to the main list.

        A new incoming message brings it back by itself unless the conversation is muted.
        """
        await self._list.set_archived(check_peer(peer), archived)

    async def set_marked_unread(self, peer: str, marked: bool) -> None:
        """Marks the conversation unread (until it is opened), or clears that mark."""
        await self._list.set_marked_unread(check_peer(peer), marked)

    async def unread_total(self, *, include_muted: bool = True) -> int:
        """Unread messages over every conversation not archived (muted ones unless told)."""
        return await self._list.unread_total(include_muted=include_muted)

    # ---- one conversation --------------------------------------------------------------

    async def start(self, peer: str) -> bool:
        """Opens a conversation with ``peer``, checking with the relay that they exist.

        A message request from ``peer`` is accepted (as :meth:`accept` does).

        Returns:
            True if the relay confirmed the user (and sessions are ready), False if we are
            offline and could not check yet (the conversation exists all the same).

        Raises:
            InvalidPeer: Not a valid username, or our own.
            UnknownUser: The relay has no such user ("no such user").
        """
        check_peer(peer)
        if peer == self._context.username:
            raise InvalidPeer("that is your own username")
        worker = self._context.worker
        connection = self._context.connection
        confirmed = False
        if connection is not None and connection.connected:
            has_session = await worker.run(self._context.sessions.devices, worker.store, peer)
            if not has_session:
                try:
                    await self._sender.establish_sessions(peer)
                except UnknownRecipient:
                    raise UnknownUser("no such user") from None
                except (ConnectionFailure, ProtocolError):
                    await worker.run(_ensure_conversation, worker.store, peer)
                    return False
            confirmed = True
        await worker.run(_ensure_conversation, worker.store, peer)
        if not await self._requests.accept(peer):  # starting a request's chat accepts it
            await self._queue.sync_contact(peer)
        return confirmed

    async def delete(self, peer: str) -> None:
        """Removes the conversation and everything in it from this device only."""
        check_peer(peer)
        await self._actions.delete_conversation(peer)

    async def set_disappearing_timer(self, peer: str, seconds: int) -> str | None:
        """Sets the conversation's disappearing timer (0 = off) and tells ``peer``.

        Returns the id of the note it leaves in the conversation (to show it at once), or
        None when the timer already was ``seconds``: then nothing changes and nothing is sent.

        Raises:
            ClientError: ``seconds`` is outside 0 … one year (docs/protocol.md §4).
        """
        check_peer(peer)
        if not 0 <= seconds <= MAX_TIMER_SECONDS:
            raise ClientError("the timer must be between 0 (off) and one year")
        worker = self._context.worker
        if not await worker.run(_set_timer_in_store, worker.store, peer, seconds):
            return None

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TimerContent(id=message_id, sent_at=sent_at, seconds=seconds)

        # Our copy is a note in the chat too (the peer's app shows the same note).
        note_id = await self._queue.queue_content(
            peer, make, kind=TIMER_NOTE_KIND, body=str(seconds)
        )
        self._context.events.publish(TimerChanged(peer=peer, seconds=seconds))
        return note_id

    async def mark_read(self, peer: str, up_to_id: str) -> int:
        """Marks received messages up to ``up_to_id`` read; the sender gets a read receipt.

        No read receipt goes out while the user turned them off (:class:`Preferences`).

        Disappearing messages start their timer now (each told as a ``MessageChanged`` of
        change ``"expiry"``, so a window showing it shows its time left). Returns how many
        became read.
        """
        check_peer(peer)
        worker = self._context.worker
        read_ids, send_receipt, started = await worker.run(
            _mark_read_in_store, worker.store, peer, up_to_id
        )
        for message_id in started:
            self._context.events.publish(MessageChanged(peer, message_id, "expiry"))
        if read_ids:
            await self._queue.queue_sync(
                peer,
                functools.partial(
                    ReadSyncContent, peer=peer, message_ids=read_ids[-MAX_IDS_PER_CONTENT:]
                ),
            )
        if read_ids and send_receipt:
            await self._queue.queue_receipt(peer, "read", read_ids)
        return len(read_ids)


def _ensure_conversation(store: MessageStore, peer: str) -> None:
    with store.transaction():
        store.conversations.ensure(peer, peer_address=peer)


def _set_timer_in_store(store: MessageStore, peer: str, seconds: int) -> bool:
    """Sets the timer; False (nothing written) if it already was ``seconds``."""
    with store.transaction():
        conversation = store.conversations.ensure(peer, peer_address=peer)
        if conversation.expire_timer == seconds:
            return False
        store.conversations.set_expire_timer(peer, seconds)
    return True


def _mark_read_in_store(
    store: MessageStore, peer: str, up_to_id: str
) -> tuple[list[str], bool, list[str]]:
    """Marks read; returns the ids for a receipt, whether the user sends read receipts
    and the ids whose disappearing countdown started."""
    read_at = now_ms()
    started: list[str] = []
    with store.transaction():
        cursor = store.messages.cursor_of(MessageKey(peer, up_to_id))
        if cursor is None:
            return [], False, []
        read = store.messages.mark_read(peer, cursor, read_at)
        for message in read:
            if message.expire_timer:
                # The receiver's copy disappears `timer` after reading (docs/protocol.md §6).
                store.messages.set_expiry(
                    MessageKey(peer, message.id), read_at + message.expire_timer * 1000
                )
                started.append(message.id)
        send_receipt = read_receipts_enabled(store)
    ids = [message.id for message in read if not message.undecryptable]
    return ids, send_receipt, started
