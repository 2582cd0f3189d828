"""Receiving: decrypt, store message and session together, then ack.

Envelopes from the relay are queued and handled in arrival order by one task, in batches: the
store thread decrypts each one and writes the message and the advanced session in one
transaction (a savepoint per envelope inside the batch's transaction), and only after that
commit are the envelopes acked to the relay. A duplicate (redelivered after a lost ack) is
dropped silently; a message that cannot be decrypted is recorded as such, acked, and never
blocks the queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from chat_desktop.crypto.errors import CryptoError, DuplicateMessage, InvalidMessage
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.wire import PREKEY_MESSAGE_TYPE, message_type, parse_prekey_message
from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import (
    AttachmentContent,
    CallContent,
    Content,
    ContentError,
    DeleteContent,
    EditContent,
    GroupReadSyncContent,
    GroupReceiptContent,
    GroupUpdateContent,
    ProfileContent,
    ReactionContent,
    ReceiptContent,
    RetryContent,
    SenderKeyContent,
    SyncContent,
    TextContent,
    TimerContent,
    TypingContent,
    content_kind,
    decode_content,
)
from chat_desktop.protocol.schemas import EmptyAck, MessageAck, MessageDelivery
from chat_desktop.services import own_keys
from chat_desktop.services.blocking import is_blocked
from chat_desktop.services.call_signaling import CallInbox, CallSignal
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import (
    apply_delete,
    apply_edit,
    apply_reaction,
    incoming_quote,
)
from chat_desktop.services.events import (
    ClientEvent,
    IdentityKeyChanged,
    MessageChanged,
    MessageReceived,
    MessageRecovered,
    MessageUndecryptable,
    StatusChanged,
    TimerChanged,
    TypingChanged,
)
from chat_desktop.services.groups_receiving import GroupReceiver, is_group_body
from chat_desktop.services.link_preview_checks import received_preview
from chat_desktop.services.message_rows import attachment_info_of, insert_timer_note
from chat_desktop.services.preferences import typing_indicators_enabled
from chat_desktop.services.profiles import ProfileSync
from chat_desktop.services.resending import queue_resends
from chat_desktop.services.sync import apply_sync
from chat_desktop.services.trust import key_change_events, record_identity, trusted_identity_key
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

BATCH = 256


class ForeignOwnDevice(InvalidMessage):
    """A PreKey message "from our own account" made with another identity key than ours."""


class NoSession(InvalidMessage):
    """A normal (0x02) message from a device we have no session with.

    Typically we reinstalled, restored a snapshot or lost the session: the sender still uses
    the old one. The message cannot be read; we ask the sender to resend it, on a fresh
    session (so they also learn a new identity key, if ours changed).
    """


DeliveredCallback = Callable[[dict[str, list[str]]], None]
AttachmentCallback = Callable[[MessageKey], None]
RetryCallback = Callable[[str, list[str]], None]


@dataclass
class BatchResult:
    """What one batch of envelopes produced, for the loop side."""

    acks: list[str] = field(default_factory=list)
    events: list[ClientEvent] = field(default_factory=list)
    delivered: dict[str, list[str]] = field(default_factory=dict)
    attachments: list[MessageKey] = field(default_factory=list)
    #: Peer -> ids of their envelopes we could not decrypt (we ask them to resend).
    retry: dict[str, list[str]] = field(default_factory=dict)
    #: Messages were queued to send (resends asked for by a peer).
    queued: bool = False
    #: A ``profile`` content with a key was taken: profiles may wait to be fetched.
    profiles: bool = False
    #: Call contents that passed screening, for the call service (after the commit).
    calls: list[CallSignal] = field(default_factory=list)

    def mark(self) -> tuple[int, int, dict[str, int]]:
        """Where the per-envelope lists stand, to undo one envelope's additions."""
        return (
            len(self.events),
            len(self.attachments),
            {peer: len(ids) for peer, ids in self.delivered.items()},
        )

    def rewind(self, mark: tuple[int, int, dict[str, int]]) -> None:
        """Drops what an envelope added after ``mark`` (its savepoint was rolled back)."""
        events, attachments, delivered = mark
        del self.events[events:]
        del self.attachments[attachments:]
        for peer in list(self.delivered):
            if peer in delivered:
                del self.delivered[peer][delivered[peer] :]
            else:
                del self.delivered[peer]


class MessageReceiver:
    """Handles envelopes in order; see the module docstring.

    Args:
        context: The engine's shared state.
        on_delivered: Called on the loop with ``peer -> message ids`` to send delivery
            receipts for (after the messages were committed).
        on_attachment: Called on the loop for each received attachment message.
        on_retry: Called on the loop with a peer and the ids of their messages we could
            not decrypt; the engine asks them to resend, on a fresh session.
        wake_sender: Called on the loop when messages were queued (resends a peer asked
            for).
    """

    def __init__(
        self,
        context: EngineContext,
        on_delivered: DeliveredCallback,
        on_attachment: AttachmentCallback,
        on_retry: RetryCallback,
        wake_sender: Callable[[], None],
    ) -> None:
        self._context = context
        self._on_retry = on_retry
        self._wake_sender = wake_sender
        self._queue: asyncio.Queue[MessageDelivery] = asyncio.Queue()
        #: The batch being handled, kept so a restarted loop handles it again (not lost).
        self._current: list[MessageDelivery] = []
        self._on_delivered = on_delivered
        self._on_attachment = on_attachment
        #: Group bodies and group contents go here (set by the client).
        self.groups: GroupReceiver | None = None
        #: ``profile`` contents with a key go here (set by the client).
        self.profiles: ProfileSync | None = None
        #: Call contents go here (set by the client).
        self.calls: CallInbox | None = None

    def enqueue(self, delivery: MessageDelivery) -> None:
        """Called by the connection for every envelope (on the loop, must not block)."""
        self._queue.put_nowait(delivery)

    def start(self) -> None:
        """Starts handling envelopes under the engine's supervisor (idempotent)."""
        self._context.supervisor.start("receiver", self._run)

    async def _run(self) -> None:
        while True:
            if self._current:
                batch = self._current  # the loop was restarted in the middle of this batch
            else:
                batch = [await self._queue.get()]
                while len(batch) < BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                self._current = batch
            try:
                result = await self._context.worker.run(self._handle_batch, batch)
            except Exception:
                # Nothing was committed: the relay redelivers these on the next connect.
                logger.error("handling received messages failed; retrying them")
                self._context.sessions.forget()
                await asyncio.sleep(1.0)
                continue
            self._current = []
            for event in result.events:
                self._context.events.publish(event)
            if result.calls and self.calls is not None:
                self.calls.deliver(result.calls)
            await self._ack(result.acks)
            if result.delivered:
                self._on_delivered(result.delivered)
            for key in result.attachments:
                self._on_attachment(key)
            for peer, ids in result.retry.items():
                self._on_retry(peer, ids)
            if result.queued:
                self._wake_sender()
            if result.profiles and self.profiles is not None:
                self.profiles.wake()

    async def _ack(self, ids: list[str]) -> None:
        connection = self._context.connection
        if connection is None or not ids:
            return
        for start in range(0, len(ids), 1000):
            try:
                await connection.request(
                    wire_events.MESSAGE_ACK, MessageAck(ids=ids[start : start + 1000]), EmptyAck
                )
            except (ConnectionFailure, ProtocolError):
                # Committed but not acked: the relay redelivers; we drop it as a duplicate.
                return

    # ---- on the store thread -------------------------------------------------------------

    def _handle_batch(self, batch: list[MessageDelivery]) -> BatchResult:
        store = self._context.worker.store
        result = BatchResult()
        with store.transaction():
            for delivery in batch:
                mark = result.mark()
                try:
                    with store.transaction():
                        self._handle_one(store, delivery, result)
                except DuplicateMessage:
                    result.rewind(mark)
                except Exception as error:
                    # Whatever goes wrong with one envelope stays with it: it is recorded,
                    # acked, and never fails the batch (nor holds back other senders).
                    result.rewind(mark)
                    self._context.sessions.forget()
                    if not isinstance(error, CryptoError | ContentError):
                        logger.warning(
                            "a received message could not be handled: %s", type(error).__name__
                        )
                    self._record_undecryptable(store, delivery, result)
                    if isinstance(error, CryptoError):
                        # Ask the sender to send it again, on a fresh session of ours.
                        self._context.sessions.archive_current(
                            store, delivery.from_, delivery.from_device
                        )
                        result.retry.setdefault(delivery.from_, []).append(delivery.id)
                result.acks.append(delivery.id)
            if self.groups is not None and self.groups.flush_receipts(store):
                result.queued = True  # the group messages' delivery receipts
        return result

    def _decrypt(
        self, store: MessageStore, delivery: MessageDelivery
    ) -> tuple[bytes, IdentityKeyChanged | None]:
        sessions = self._context.sessions
        peer, device_id = delivery.from_, delivery.from_device
        if message_type(delivery.body) != PREKEY_MESSAGE_TYPE:
            if not sessions.has_record(store, peer, device_id):
                raise NoSession("no session with the sender's device")
            return sessions.decrypt(store, peer, device_id, delivery.body), None
        message = parse_prekey_message(delivery.body)
        if sessions.session_of(store, peer, device_id, message) is not None:
            # A resent (or replayed) first message of a session we have: a replay is a
            # duplicate there and changes nothing.
            return sessions.decrypt(store, peer, device_id, delivery.body), None
        own_account = peer == self._context.username
        if own_account and message.identity_key != self._context.identity.public_key:
            # Our own devices share our identity key: another one is not ours, whatever the
            # relay says; no session starts (docs/protocol.md §6.11).
            raise ForeignOwnDevice("a device of our own account with another identity key")
        used = own_keys.prekeys_for(store, message)
        new_session, plaintext = Session.respond(
            self._context.identity, delivery.body, used.signed, used.one_time, used.pq
        )
        change = (
            None
            if own_account
            else record_identity(self._context, store, peer, message.identity_key)
        )
        sessions.start(store, peer, device_id, new_session)
        own_keys.consume_one_time_prekeys(store, used)
        return plaintext, change

    def _handle_one(
        self, store: MessageStore, delivery: MessageDelivery, result: BatchResult
    ) -> None:
        if is_blocked(store, delivery.from_):
            return  # a blocked contact: dropped unread and acked (services/blocking.py)
        groups = self.groups
        if groups is not None and is_group_body(delivery.body):
            result.events.extend(groups.receive_body(store, delivery))
            result.attachments.extend(groups.take_attachments())
            return
        plaintext, change = self._decrypt(store, delivery)
        content = decode_content(plaintext)
        if change is not None:
            result.events.extend(key_change_events(change))
        if groups is not None and isinstance(
            content,
            GroupUpdateContent | SenderKeyContent | GroupReceiptContent | GroupReadSyncContent,
        ):
            # From a member, or from our own other device (it follows our groups too).
            result.events.extend(groups.receive_pairwise(store, delivery, content))
            return
        if isinstance(content, CallContent):
            # Signaling of a call (docs/protocol.md §14): screened here, handled on the loop.
            if self.calls is not None:
                events, signal = self.calls.screen(store, delivery, content)
                result.events.extend(events)
                if signal is not None:
                    result.calls.append(signal)
            return
        if (
            isinstance(content, ProfileContent)
            and self.profiles is not None
            and self.profiles.receive(store, delivery.from_, delivery.from_device, content)
        ):
            result.profiles = True  # fetched after the commit (services/profiles.py)
            return
        if delivery.from_ == self._context.username:
            # From another device of ours: only sync contents are taken from it.
            events, attachments = apply_sync(
                self._context, store, content, delivery.from_device, delivery.server_ts
            )
            result.events.extend(events)
            result.attachments.extend(attachments)
            return
        if isinstance(content, SyncContent):
            return  # sync contents are accepted only from our own account
        if isinstance(content, RetryContent):
            self._answer_retry(store, delivery, content, result, key_changed=change is not None)
            return
        self._apply(store, delivery, content, result)

    def _apply(
        self,
        store: MessageStore,
        delivery: MessageDelivery,
        content: Content,
        result: BatchResult,
    ) -> None:
        peer = delivery.from_
        if isinstance(content, TextContent | AttachmentContent):
            attachment = None
            body: str | None = None
            if isinstance(content, TextContent):
                body = content.text
            else:
                body = content.caption or None
                attachment = attachment_info_of(content)
            request = store.conversations.open_incoming(peer)  # a stranger's: a request
            key = MessageKey(peer, content.id)
            recovered = _drop_placeholder(store, key, peer)
            inserted = store.messages.insert(
                NewMessage(
                    id=content.id,
                    conversation_id=peer,
                    sender=peer,
                    sender_device=delivery.from_device,
                    direction=Direction.INCOMING,
                    sort_key=content.sent_at,
                    kind=content_kind(content),
                    body=body,
                    status=MessageStatus.DELIVERED,
                    sent_at=content.sent_at,
                    received_at=now_ms(),
                    server_ts=delivery.server_ts,
                    expire_timer=content.expire_timer,
                    attachment=attachment,
                    quote=incoming_quote(store, peer, content.quote),
                    link_preview=received_preview(content),
                )
            )
            if not inserted:
                return  # the same message id again: a duplicate
            result.delivered.setdefault(peer, []).append(content.id)
            if recovered:
                result.events.append(MessageRecovered(peer=peer, message_id=content.id))
            else:
                result.events.append(
                    MessageReceived(
                        peer=peer,
                        message_id=content.id,
                        kind=content_kind(content),
                        text=body or "",
                        sent_at=content.sent_at,
                    )
                )
            if attachment is not None and not request:  # a request's wait for accepting
                result.attachments.append(MessageKey(peer, content.id))
        elif isinstance(content, ReceiptContent):
            read = content.receipt == "read"
            status = MessageStatus.READ if read else MessageStatus.DELIVERED
            received_at = now_ms()
            # That device has them: nothing of them is re-sent to it any more.
            store.send_log.forget_delivered(
                peer, dict.fromkeys(content.message_ids), delivery.from_device
            )
            for message_id in dict.fromkeys(content.message_ids):
                key = MessageKey(peer, message_id)
                message = store.messages.get(key, reactions=False)
                if message is None or message.direction is not Direction.OUTGOING:
                    continue
                if store.messages.update_status(key, status):
                    result.events.append(
                        StatusChanged(peer=peer, message_id=message_id, status=status.value)
                    )
                if store.messages.record_receipt(key, read=read, at=received_at):
                    result.events.append(MessageChanged(peer, message_id, "details"))
        elif isinstance(content, TypingContent):
            # Typing indicators are symmetric: a user who sends none is shown none.
            if typing_indicators_enabled(store):
                result.events.append(TypingChanged(peer=peer, typing=content.typing == "started"))
        elif isinstance(content, TimerContent):
            store.conversations.open_incoming(peer)
            inserted = insert_timer_note(
                store,
                peer,
                content,
                sender=peer,
                sender_device=delivery.from_device,
                server_ts=delivery.server_ts,
            )
            if inserted:
                result.events.append(
                    MessageReceived(
                        peer=peer,
                        message_id=content.id,
                        kind=TIMER_NOTE_KIND,
                        text="",
                        sent_at=content.sent_at,
                    )
                )
            result.events.append(TimerChanged(peer=peer, seconds=content.seconds))
        elif isinstance(content, DeleteContent):
            # Only the peer's own messages, within 24 h: anything else is ignored.
            result.events.extend(apply_delete(store, peer, content))
        elif isinstance(content, ReactionContent):
            result.events.extend(apply_reaction(store, peer, content))
        elif isinstance(content, EditContent):
            result.events.extend(apply_edit(store, peer, content))
        elif isinstance(content, ProfileContent):
            store.contacts.ensure(peer, display_name=content.display_name)

    def _answer_retry(
        self,
        store: MessageStore,
        delivery: MessageDelivery,
        content: RetryContent,
        result: BatchResult,
        *,
        key_changed: bool,
    ) -> None:
        """Queues what the retry request may have re-sent (docs/protocol.md §8).

        When the same envelope changed the peer's identity key (a PreKey message under a
        new key is exactly what a relay would make to ask for history), or the key changed
        since the message went, nothing delivered goes again and nothing is re-sent to that
        device alone: the undelivered messages are queued once more as ordinary sending.
        """
        queued = queue_resends(
            store,
            delivery.from_,
            delivery.from_device,
            self._requester_key(store, delivery),
            content.message_ids,
            now_ms(),
            key_changed=key_changed,
        )
        result.queued = result.queued or queued > 0

    def _requester_key(self, store: MessageStore, delivery: MessageDelivery) -> bytes | None:
        """The identity key a retry request came with: its session's, if that is the key we
        trust for the peer (else None: nothing is re-sent)."""
        peer = delivery.from_
        session = self._context.sessions.get(store, peer, delivery.from_device)
        trusted = trusted_identity_key(self._context, store, peer)
        if session is None or session.remote_identity_key != trusted:
            return None
        return trusted

    def _record_undecryptable(
        self, store: MessageStore, delivery: MessageDelivery, result: BatchResult
    ) -> None:
        store.conversations.open_incoming(delivery.from_)
        inserted = store.messages.insert(
            NewMessage(
                id=delivery.id,
                conversation_id=delivery.from_,
                sender=delivery.from_,
                sender_device=delivery.from_device,
                direction=Direction.INCOMING,
                sort_key=delivery.server_ts,
                kind="undecryptable",
                status=MessageStatus.DELIVERED,
                received_at=now_ms(),
                server_ts=delivery.server_ts,
                undecryptable=True,
            )
        )
        if inserted:
            result.events.append(MessageUndecryptable(peer=delivery.from_, message_id=delivery.id))


def _drop_placeholder(store: MessageStore, key: MessageKey, peer: str) -> bool:
    """Removes the "could not be decrypted" placeholder a resent message replaces.

    Only a placeholder of an envelope from the same peer in the same conversation: a
    message never replaces anything else.
    """
    existing = store.messages.get(key)
    if existing is None or not existing.undecryptable or existing.sender != peer:
        return False
    return store.messages.delete([key]) == 1
