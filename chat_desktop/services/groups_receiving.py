"""Receiving in groups: group message bodies (``0x03``), sender keys and group updates.

The receiver (``services/receiving.py``) hands over a body whose first byte is ``0x03``
before any pairwise decryption, and the ``sender_key`` and ``group_update`` contents that
came pairwise. A group message names no group: the sender key it names, held for its
sender's device, finds the group; with several candidates the signature decides. Then:

- its plaintext must start with the id of the group the key is held for (a key can't be
  replayed into another group), and its sender must be a member of the group as held;
- it is stored in the group's conversation with its sender (our own other device's: as our
  own sent message) and told with the same events as a 1:1 message.

Anything refused is recorded as :class:`GroupMessageRefused` (no plaintext), changes nothing
(the held key stays as it was), and is acked like any envelope. Runs on the store thread.
"""

from __future__ import annotations

import logging

from chat_desktop.crypto.errors import (
    CryptoError,
    DuplicateMessage,
    InvalidMessage,
    InvalidSignature,
)
from chat_desktop.crypto.sender_key_wire import parse_sender_key_message
from chat_desktop.protocol.message_content import (
    GROUP_ID_SIZE,
    AttachmentContent,
    Content,
    ContentError,
    DeleteContent,
    EditContent,
    GroupReadSyncContent,
    GroupReceiptContent,
    GroupUpdateContent,
    ReactionContent,
    SenderKeyContent,
    TextContent,
    TypingContent,
    content_kind,
    decode_content,
)
from chat_desktop.protocol.schemas import MessageDelivery
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.conversation_actions import (
    apply_delete,
    apply_edit,
    apply_reaction,
    incoming_quote,
)
from chat_desktop.services.events import (
    ClientEvent,
    GroupChanged,
    GroupMessageRefused,
    MessageReceived,
    TypingChanged,
)
from chat_desktop.services.groups_held import load_held
from chat_desktop.services.groups_keys import HeldKey, accept_distribution, held_keys
from chat_desktop.services.groups_receipts import (
    apply_read_sync,
    queue_group_receipt,
    record_receipts,
)
from chat_desktop.services.groups_sending import GROUP_MESSAGE_TYPE
from chat_desktop.services.groups_updates import receive_update
from chat_desktop.services.link_preview_checks import received_preview
from chat_desktop.services.message_rows import attachment_info_of
from chat_desktop.services.preferences import typing_indicators_enabled
from chat_desktop.storage.models import Direction, MessageKey, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Most sender keys kept in memory that came before their sender's membership was known.
MAX_EARLY_KEYS = 256


def is_group_body(body: bytes) -> bool:
    """Whether a relay body is a group message (docs/protocol.md §2.3, type ``0x03``)."""
    return body[:1] == bytes([GROUP_MESSAGE_TYPE])


class GroupReceiver:
    """What the receiver does with group bodies and group contents; see the module docstring."""

    def __init__(self, context: EngineContext) -> None:
        """Works in ``context``'s store, as our account."""
        self._context = context
        #: (sender, device, group id) -> a sender key that came before its sender's membership.
        self._early_keys: dict[tuple[str, int, bytes], SenderKeyContent] = {}
        #: (conversation id, group id, sender) -> ids stored in this batch, to receipt.
        self._delivered: dict[tuple[str, bytes, str], list[str]] = {}
        #: Attachment messages stored by the last body handled (for the download hook).
        self._attachments: list[MessageKey] = []

    def receive_body(self, store: MessageStore, delivery: MessageDelivery) -> list[ClientEvent]:
        """Decrypts, checks and stores one group message body.

        Raises:
            DuplicateMessage: Its message key was used already (a redelivery or replay).
        """
        self._attachments = []
        sender, device_id = delivery.from_, delivery.from_device
        data = delivery.body[1:]
        try:
            key_id = parse_sender_key_message(data).key_id
        except InvalidMessage:
            return [_refused(delivery, "invalid")]
        candidates = held_keys(store, sender, device_id, key_id)
        if not candidates:
            return [_refused(delivery, "unknown_sender_key")]
        reason = "undecryptable"
        for held in candidates:
            try:
                plaintext = held.key.decrypt(data)
            except DuplicateMessage:
                raise
            except InvalidSignature:
                reason = "forged"
                continue
            except CryptoError:
                continue
            return self._take(store, delivery, held, plaintext)
        logger.info("refused a group message (%s)", reason)
        return [_refused(delivery, reason)]

    def _take(
        self, store: MessageStore, delivery: MessageDelivery, held: HeldKey, plaintext: bytes
    ) -> list[ClientEvent]:
        """A decrypted group message: checked, then stored with the advanced key."""
        if plaintext[:GROUP_ID_SIZE] != held.group_id:
            return [_refused(delivery, "wrong_group")]
        try:
            content = decode_content(plaintext[GROUP_ID_SIZE:])
        except ContentError:
            return [_refused(delivery, "invalid")]
        group = load_held(store, held.conversation_id)
        if group is None or delivery.from_ not in group.state.members:
            return [_refused(delivery, "not_a_member")]
        store.groups.set_received_sender_key(
            held.conversation_id, delivery.from_, delivery.from_device, held.key.to_bytes()
        )
        return self._apply(store, delivery, held.conversation_id, held.group_id, content)

    def _apply(
        self,
        store: MessageStore,
        delivery: MessageDelivery,
        conversation_id: str,
        group_id: bytes,
        content: Content,
    ) -> list[ClientEvent]:
        sender = delivery.from_
        if isinstance(content, TextContent | AttachmentContent):
            return self._store_message(store, delivery, conversation_id, group_id, content)
        if isinstance(content, ReactionContent):
            return apply_reaction(store, conversation_id, content, author=sender)
        if isinstance(content, EditContent):
            return apply_edit(store, conversation_id, content, author=sender)
        if isinstance(content, DeleteContent):
            return apply_delete(store, conversation_id, content, author=sender)
        if isinstance(content, TypingContent):
            # As in 1:1 chats: a user who sends no typing indicators is shown none.
            if sender == self._context.username or not typing_indicators_enabled(store):
                return []
            typing = content.typing == "started"
            return [TypingChanged(peer=conversation_id, typing=typing, sender=sender)]
        return []  # receipts travel pairwise (groups_receipts.py); the rest is not for groups

    def _store_message(
        self,
        store: MessageStore,
        delivery: MessageDelivery,
        conversation_id: str,
        group_id: bytes,
        content: TextContent | AttachmentContent,
    ) -> list[ClientEvent]:
        sender = delivery.from_
        own = sender == self._context.username
        if isinstance(content, TextContent):
            body: str | None = content.text
            attachment = None
        else:
            body = content.caption or None
            attachment = attachment_info_of(content)
        inserted = store.messages.insert(
            NewMessage(
                id=content.id,
                conversation_id=conversation_id,
                sender=sender,
                sender_device=delivery.from_device,
                direction=Direction.OUTGOING if own else Direction.INCOMING,
                sort_key=content.sent_at,
                kind=content_kind(content),
                body=body,
                status=MessageStatus.SENT if own else MessageStatus.DELIVERED,
                sent_at=content.sent_at,
                received_at=now_ms(),
                server_ts=delivery.server_ts,
                expire_timer=content.expire_timer,
                attachment=attachment,
                quote=incoming_quote(store, conversation_id, content.quote),
                link_preview=received_preview(content),
            )
        )
        if not inserted:
            return []
        if not own:
            group = (conversation_id, group_id, sender)
            self._delivered.setdefault(group, []).append(content.id)
        if attachment is not None:
            self._attachments.append(MessageKey(conversation_id, content.id))
        return [
            MessageReceived(
                peer=conversation_id,
                message_id=content.id,
                kind=content_kind(content),
                text=body or "",
                sent_at=content.sent_at,
                sender=sender,
            )
        ]

    def receive_pairwise(
        self, store: MessageStore, delivery: MessageDelivery, content: Content
    ) -> list[ClientEvent]:
        """A ``sender_key`` or ``group_update`` that came over a pairwise session.

        A sender key from someone not (yet) a member of a group held is refused, and kept in
        memory (at most :data:`MAX_EARLY_KEYS`): a member's key can come before the update
        that adds us, from another sender. It is offered again after each update taken.
        """
        sender, device_id = delivery.from_, delivery.from_device
        if isinstance(content, SenderKeyContent):
            events = accept_distribution(self._context, store, sender, device_id, content)
            if events:
                self._early_keys[(sender, device_id, content.group_id)] = content
                while len(self._early_keys) > MAX_EARLY_KEYS:
                    del self._early_keys[next(iter(self._early_keys))]
            return events
        if isinstance(content, GroupUpdateContent):
            events = receive_update(self._context, store, sender, content)
            if any(isinstance(event, GroupChanged) for event in events):
                self._offer_early_keys(store, content.group_id)
            return events
        if isinstance(content, GroupReceiptContent):
            return record_receipts(self._context, store, sender, device_id, content)
        if isinstance(content, GroupReadSyncContent):
            return apply_read_sync(self._context, store, sender, content)
        return []

    def take_attachments(self) -> list[MessageKey]:
        """The attachment messages the last :meth:`receive_body` stored (downloaded as a 1:1
        chat's are, once the batch is committed)."""
        found, self._attachments = self._attachments, []
        return found

    def flush_receipts(self, store: MessageStore) -> bool:
        """Queues the delivery receipts of the group messages stored in this batch (one
        ``group_receipt`` per sender and group), in the batch's transaction.

        A message whose envelope was rolled back is not in the store: it gets none.
        Returns whether anything was queued (the sender is woken then).
        """
        delivered, self._delivered = self._delivered, {}
        queued = False
        for (conversation_id, group_id, sender), ids in delivered.items():
            kept = [
                message_id
                for message_id in dict.fromkeys(ids)
                if store.messages.get(MessageKey(conversation_id, message_id), reactions=False)
                is not None
            ]
            if kept and queue_group_receipt(
                self._context, store, group_id, sender, "delivered", kept
            ):
                queued = True
        return queued

    def _offer_early_keys(self, store: MessageStore, group_id: bytes) -> None:
        """Takes the kept sender keys of the group whose senders are members now."""
        for key, content in list(self._early_keys.items()):
            sender, device_id, kept_group = key
            if kept_group != group_id:
                continue
            if not accept_distribution(self._context, store, sender, device_id, content):
                del self._early_keys[key]


def _refused(delivery: MessageDelivery, reason: str) -> GroupMessageRefused:
    return GroupMessageRefused(sender=delivery.from_, device_id=delivery.from_device, reason=reason)
