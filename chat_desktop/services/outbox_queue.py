"""Queueing what we send: a message row and its outbox entry in one durable transaction.

Every capability that sends (a text, a file, a reaction, a receipt, a timer change, a sync copy
to our other devices) goes through :class:`OutboxQueue`. It returns once the row and the
outbox entry are committed, so nothing the user wrote is lost to a crash after the call
returned, and wakes the :class:`~chat_desktop.services.sending.OutboxSender`, which encrypts
and delivers. Calls made while a commit runs are committed together in the next one (group
commit, each in its own savepoint): a burst of receipts costs one fsync, not one each.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import msgspec

from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.protocol.message_content import (
    MAX_IDS_PER_CONTENT,
    ContactSyncContent,
    Content,
    ReceiptContent,
    RetryContent,
    encode_content,
)
from chat_desktop.services import sync
from chat_desktop.services.background import BackgroundTasks
from chat_desktop.services.blocking import refuse_if_blocked
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.conversation_actions import ApplyHook
from chat_desktop.services.sending import OutboxPayload, OutboxSender, encode_payload
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    Direction,
    MessageStatus,
    NewMessage,
    Quote,
)
from chat_desktop.storage.store import MessageStore

#: Builds a content from (message id, sent_at, the conversation's disappearing timer).
ContentFactory = Callable[[str, int, int], Content]


class _QueueRequest(msgspec.Struct):
    """One message waiting for the next group commit of the outbox."""

    peer: str
    message_id: str
    make: ContentFactory
    kind: str | None
    body: str | None
    attachment: Any
    blob_path: str | None
    done: asyncio.Future[None]
    quote: Quote | None = None
    apply: ApplyHook | None = None
    link_preview: LinkPreview | None = None


class OutboxQueue:
    """Commits what we send to the store, then wakes the sender."""

    def __init__(
        self, context: EngineContext, sender: OutboxSender, background: BackgroundTasks
    ) -> None:
        """Queues through ``context``'s store thread and wakes ``sender`` after each commit."""
        self._context = context
        self._sender = sender
        self._background = background
        self._last_sent_at = 0
        self._requests: list[_QueueRequest] = []
        self._committer: asyncio.Task[None] | None = None

    def next_sent_at(self) -> int:
        """A sent_at strictly after the last one, so our messages never tie on their sort key."""
        self._last_sent_at = max(now_ms(), self._last_sent_at + 1)
        return self._last_sent_at

    async def queue_content(
        self,
        peer: str,
        make: ContentFactory,
        *,
        kind: str | None,
        body: str | None = None,
        attachment: Any = None,
        blob_path: str | None = None,
        quote: Quote | None = None,
        apply: ApplyHook | None = None,
        link_preview: LinkPreview | None = None,
    ) -> str:
        """Stores a message row (if ``kind``) and its outbox entry in one transaction.

        Returns the message id once both are durably committed.

        Args:
            peer: The recipient.
            make: Builds the content from (message id, sent_at, disappearing timer).
            kind: The message row's kind, or None for a content without one (receipts,
                reactions, edits, deletes).
            body: The row's text.
            attachment: The row's attachment metadata.
            blob_path: An encrypted blob to upload before sending.
            quote: The row's quote (a reply).
            apply: Called in the same transaction, before the content is made, with
                (store, message id, sent_at): applies the action to our own copy. What it
                raises refuses the whole request (nothing is stored or sent) and is raised
                here.
            link_preview: The row's link preview (a text whose content carries it).
        """
        message_id = new_message_id()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._requests.append(
            _QueueRequest(
                peer,
                message_id,
                make,
                kind,
                body,
                attachment,
                blob_path,
                done,
                quote,
                apply,
                link_preview,
            )
        )
        if self._committer is None or self._committer.done():
            # A task of its own, so a caller that gives up (cancelled) never strands the
            # requests queued behind it.
            self._committer = asyncio.create_task(self._commit(), name="queue-commit")
        await done
        self._sender.wake()
        return message_id

    async def close(self) -> None:
        """Waits for the commit under way: what callers were told is queued, is committed."""
        if self._committer is not None:
            await asyncio.gather(self._committer, return_exceptions=True)

    async def _commit(self) -> None:
        while self._requests:
            batch, self._requests = self._requests, []
            await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[_QueueRequest]) -> None:
        try:
            errors = await self._context.worker.run(self._batch_in_store, batch)
        except Exception as error:
            for request in batch:
                if not request.done.done():
                    request.done.set_exception(error)
            return
        for request, item_error in zip(batch, errors, strict=True):
            if request.done.done():
                continue  # the caller gave up waiting; the message is queued all the same
            if item_error is None:
                request.done.set_result(None)
            else:
                request.done.set_exception(item_error)

    def _batch_in_store(self, batch: list[_QueueRequest]) -> list[Exception | None]:
        store = self._context.worker.store
        errors: list[Exception | None] = []
        with store.transaction():
            for request in batch:
                try:
                    self._queue_in_store(request)
                except Exception as error:  # this one rolled back to its savepoint
                    errors.append(error)
                else:
                    errors.append(None)
        return errors

    def _queue_in_store(self, request: _QueueRequest) -> None:
        store = self._context.worker.store
        peer, message_id, kind = request.peer, request.message_id, request.kind
        sent_at = self.next_sent_at()
        group = group_id_of(peer) is not None  # a group message: one entry, no transcript
        # Note to Self (our own account): nobody to send to; our other devices get it as the
        # transcript of a sent message, nothing else (docs/protocol.md §8).
        note_to_self = peer == self._context.username
        if kind is None and not group and _holds_back(store, peer, request.make(message_id, 0, 0)):
            return  # a message request (or a chat deleted since) sends nothing back
        with store.transaction():
            conversation = store.conversations.ensure(peer, peer_address=None if group else peer)
            timer = conversation.expire_timer
            if kind is not None and not note_to_self and not group:
                refuse_if_blocked(store, peer)  # nothing is written to a blocked contact
                store.conversations.set_accepted(peer)  # writing accepts a message request
            if request.apply is not None:
                request.apply(store, message_id, sent_at)
            content = request.make(message_id, sent_at, timer)
            if kind is not None:
                store.messages.insert(
                    NewMessage(
                        id=message_id,
                        conversation_id=peer,
                        sender=self._context.username,
                        sender_device=self._context.device_id,
                        direction=Direction.OUTGOING,
                        sort_key=sent_at,
                        kind=kind,
                        body=request.body,
                        status=MessageStatus.SENT if note_to_self else MessageStatus.PENDING,
                        sent_at=sent_at,
                        # A note that the timer changed stays; the messages after it go.
                        expire_timer=0 if kind == TIMER_NOTE_KIND else timer,
                        attachment=request.attachment,
                        quote=request.quote,
                        link_preview=request.link_preview,
                    )
                )
            payload = OutboxPayload(
                content=encode_content(content),
                bodies=None,
                # The relay's copy goes at sent_at + timer (docs/protocol.md §6).
                expires_at=sent_at + timer * 1000 if timer else None,
                track_status=kind is not None,
                blob_path=request.blob_path,
            )
            if note_to_self:
                if request.blob_path is not None:
                    # A file to oneself stays on this device (it is already stored at rest):
                    # its blob is not uploaded, and the sweep at unlock removes it.
                    return
                sync.queue_transcript(self._context, store, peer, content, payload.expires_at)
                return
            store.outbox.enqueue(peer, message_id, peer, encode_payload(payload))
            if request.blob_path is None and not group:
                # An attachment's transcript waits for its blob id (after the upload); our
                # other devices get a group message itself (docs/protocol.md §4).
                sync.queue_transcript(self._context, store, peer, content, payload.expires_at)

    # ---- contents without a message row ------------------------------------------------

    async def queue_sync(self, conversation_id: str, make: Callable[..., Content]) -> None:
        """Queues a sync content (read marks, verified state) to our other devices."""

        def queue() -> bool:
            store = self._context.worker.store
            content = make(id=new_message_id(), sent_at=self.next_sent_at())
            with store.transaction():
                return sync.queue_sync(self._context, store, conversation_id, content)

        if await self._context.worker.run(queue):
            self._sender.wake()

    async def sync_contact(self, peer: str) -> None:
        """Tells our other devices about ``peer`` (a new conversation, an accepted key)."""
        store = self._context.worker.store
        contact = await self._context.worker.run(store.contacts.get, peer)
        key = None if contact is None else contact.identity_key
        await self.queue_sync(
            peer, functools.partial(ContactSyncContent, peer=peer, identity_key=key)
        )

    async def queue_receipt(self, peer: str, receipt: str, ids: list[str]) -> None:
        """Queues "delivered" or "read" receipts for ``ids`` to ``peer``."""
        # A peer refuses longer id lists (the content schema's bound): split them.
        for start in range(0, len(ids), MAX_IDS_PER_CONTENT):
            chunk = ids[start : start + MAX_IDS_PER_CONTENT]

            def make(
                message_id: str, sent_at: int, timer: int, chunk: list[str] = chunk
            ) -> Content:
                return ReceiptContent(
                    id=message_id,
                    sent_at=sent_at,
                    receipt="read" if receipt == "read" else "delivered",
                    message_ids=chunk,
                )

            await self.queue_content(peer, make, kind=None)

    def send_delivery_receipts(self, delivered: dict[str, list[str]]) -> None:
        """Queues delivery receipts for what the receiver stored (per peer), in the background."""
        for peer, ids in delivered.items():
            self._background.spawn(self.queue_receipt(peer, "delivered", ids))

    def request_retry(self, peer: str, envelope_ids: list[str]) -> None:
        """Asks ``peer`` to resend messages we could not decrypt (on a fresh session)."""
        if peer == self._context.username:
            return  # a sync copy from our other device: it is not resent, the next one heals
        for start in range(0, len(envelope_ids), MAX_IDS_PER_CONTENT):
            ids = envelope_ids[start : start + MAX_IDS_PER_CONTENT]

            def make(message_id: str, sent_at: int, timer: int, ids: list[str] = ids) -> Content:
                return RetryContent(id=message_id, sent_at=sent_at, message_ids=ids)

            self._background.spawn(self.queue_content(peer, make, kind=None))


def _holds_back(store: MessageStore, peer: str, content: Content) -> bool:
    """Whether ``content`` must not go to ``peer``: a receipt for a chat that is a message
    request, or is gone (services/requests.py)."""
    if not isinstance(content, ReceiptContent):
        return False
    conversation = store.conversations.get(peer)
    return conversation is None or not conversation.accepted
