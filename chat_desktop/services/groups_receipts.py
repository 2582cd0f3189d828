"""Receipts in groups: each member's delivery and read state of our group messages.

A member that stores a group message sends its sender a ``group_receipt`` "delivered"
(pairwise, docs/protocol.md §4), batched per sender for each batch of envelopes; reading the
group sends the senders of what was read a "read" one (unless read receipts are turned off)
and our other devices a ``group_read`` sync. The sender keeps, per message and member, when
each came (``store.groups.record_member_receipt``); the message's own status becomes
"delivered" once every current member delivered it and "read" once every one read it.

Refused: a receipt from someone who is not a member of the group as held (recorded as
:class:`GroupMessageRefused` ``not_a_member``), for a group not held (``unknown_group``), or
naming a message that is not ours in that group (skipped); per message never more rows than
the group has members. Every function runs on the store thread inside the caller's
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chat_desktop.protocol.message_content import (
    MAX_IDS_PER_CONTENT,
    GroupReadSyncContent,
    GroupReceiptContent,
    encode_content,
)
from chat_desktop.services import sync
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.events import (
    ClientEvent,
    GroupMessageRefused,
    MessageChanged,
    ReadElsewhere,
    StatusChanged,
)
from chat_desktop.services.group_state import GroupState
from chat_desktop.services.groups_held import load_held
from chat_desktop.services.preferences import read_receipts_enabled
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.models import Direction, Message, MessageKey, MessageStatus
from chat_desktop.storage.store import MessageStore

ReceiptKind = Literal["delivered", "read"]
#: The kinds a receipt or read sync names: what members send (notes are written locally).
_RECEIPTED_KINDS = ("text", "attachment")


@dataclass(frozen=True)
class MemberReceipt:
    """One member's state of one of our group messages.

    Attributes:
        member: The member's username.
        status: ``"sent"`` (no receipt yet), ``"delivered"`` or ``"read"``.
        delivered_at: When their delivery receipt came (ms), or None.
        read_at: When their read receipt came (ms), or None.
    """

    member: str
    status: Literal["sent", "delivered", "read"]
    delivered_at: int | None
    read_at: int | None


@dataclass(frozen=True)
class GroupMessageDetails:
    """Who received and read one of our group messages (for the message info page).

    Attributes:
        sent_at: When we sent it (ms), or None while it is still queued.
        members: Every current member but us, in the group's order, then any former member
            whose receipt came before they left.
    """

    sent_at: int | None
    members: tuple[MemberReceipt, ...]


def queue_group_receipt(
    context: EngineContext,
    store: MessageStore,
    group_id: bytes,
    sender: str,
    receipt: ReceiptKind,
    message_ids: list[str],
) -> bool:
    """Queues ``group_receipt`` contents for ``message_ids`` to ``sender`` (pairwise).

    Split into lists of at most :data:`MAX_IDS_PER_CONTENT` (the receiver's bound). The
    entry is keyed by the sender as a 1:1 receipt is, so it never holds the group's own
    messages back (services/groups_sending.py waits for the group's pairwise entries).

    Returns:
        Whether anything was queued.
    """
    if sender == context.username or not message_ids:
        return False
    for start in range(0, len(message_ids), MAX_IDS_PER_CONTENT):
        content = GroupReceiptContent(
            id=new_message_id(),
            sent_at=now_ms(),
            group_id=group_id,
            receipt=receipt,
            message_ids=message_ids[start : start + MAX_IDS_PER_CONTENT],
        )
        payload = OutboxPayload(
            content=encode_content(content), bodies=None, expires_at=None, track_status=False
        )
        store.outbox.enqueue(sender, content.id, sender, encode_payload(payload))
    return True


def queue_read_marks(
    context: EngineContext, store: MessageStore, conversation_id: str, read: list[Message]
) -> bool:
    """After marking ``read`` read here: the read sync and (if allowed) the read receipts.

    Receipts go only to senders who are members still (a former member's client refuses
    them). Returns whether anything was queued.
    """
    # Only messages a member sent (never a note this device wrote, whose id is its own).
    read = [m for m in read if not m.undecryptable and m.kind in _RECEIPTED_KINDS]
    ids = [message.id for message in read]
    held = load_held(store, conversation_id)
    if not ids or held is None:
        return False
    group_id = held.state.group_id
    queued = sync.queue_sync(
        context,
        store,
        context.username,
        GroupReadSyncContent(
            id=new_message_id(),
            sent_at=now_ms(),
            group_id=group_id,
            message_ids=ids[-MAX_IDS_PER_CONTENT:],
        ),
    )
    if not read_receipts_enabled(store):
        return queued
    by_sender: dict[str, list[str]] = {}
    for message in read:
        if message.sender in held.state.members:
            by_sender.setdefault(message.sender, []).append(message.id)
    for sender, sender_ids in by_sender.items():
        queued = queue_group_receipt(context, store, group_id, sender, "read", sender_ids) or queued
    return queued


def record_receipts(
    context: EngineContext,
    store: MessageStore,
    sender: str,
    device_id: int,
    content: GroupReceiptContent,
) -> list[ClientEvent]:
    """Takes a member's ``group_receipt`` for our messages of the group (see the module
    docstring for what is refused)."""
    stored = store.groups.by_group_id(content.group_id)
    held = None if stored is None else load_held(store, stored.conversation_id)
    if stored is None or held is None:
        return [GroupMessageRefused(sender=sender, device_id=device_id, reason="unknown_group")]
    state = held.state
    if sender not in state.members or sender == context.username:
        return [GroupMessageRefused(sender=sender, device_id=device_id, reason="not_a_member")]
    conversation_id = stored.conversation_id
    others = [member for member in state.members if member != context.username]
    read = content.receipt == "read"
    at = now_ms()
    events: list[ClientEvent] = []
    for message_id in dict.fromkeys(content.message_ids):
        key = MessageKey(conversation_id, message_id)
        message = store.messages.get(key, reactions=False)
        if message is None or message.direction is not Direction.OUTGOING:
            continue  # not ours, or not of this group: nothing to record
        if not store.groups.record_member_receipt(
            conversation_id, message_id, sender, read=read, at=at, limit=max(len(others), 1)
        ):
            continue
        events.append(MessageChanged(conversation_id, message_id, "details"))
        status = _everyone_status(store, key, others)
        if status is not None and store.messages.update_status(key, status):
            store.messages.record_receipt(key, read=status is MessageStatus.READ, at=at)
            events.append(
                StatusChanged(peer=conversation_id, message_id=message_id, status=status.value)
            )
    return events


def _everyone_status(
    store: MessageStore, key: MessageKey, others: list[str]
) -> MessageStatus | None:
    """READ once every member read the message, DELIVERED once every one has it, else None."""
    receipts = store.groups.member_receipts(key.conversation_id, key.message_id)
    if not others or any(member not in receipts for member in others):
        return None
    if all(receipts[member][1] is not None for member in others):
        return MessageStatus.READ
    return MessageStatus.DELIVERED


def apply_read_sync(
    context: EngineContext,
    store: MessageStore,
    sender: str,
    content: GroupReadSyncContent,
) -> list[ClientEvent]:
    """Another device of ours read these messages of the group: marked read here too (no
    receipt goes from here). Taken only from our own account."""
    if sender != context.username:
        return []
    stored = store.groups.by_group_id(content.group_id)
    if stored is None:
        return []
    conversation_id = stored.conversation_id
    read_at = now_ms()
    read = store.messages.mark_read_ids(conversation_id, list(content.message_ids), read_at)
    for message in read:
        if message.expire_timer:
            store.messages.set_expiry(
                MessageKey(conversation_id, message.id), read_at + message.expire_timer * 1000
            )
    if not read:
        return []
    return [ReadElsewhere(peer=conversation_id, message_ids=tuple(m.id for m in read))]


def message_details(
    context: EngineContext, store: MessageStore, conversation_id: str, message_id: str
) -> GroupMessageDetails | None:
    """Per member, sent / delivered / read of one of our messages of the group.

    Returns None when the message is not here, or is not ours.
    """
    message = store.messages.get(MessageKey(conversation_id, message_id), reactions=False)
    if message is None or message.direction is not Direction.OUTGOING:
        return None
    held = load_held(store, conversation_id)
    state: GroupState | None = None if held is None else held.state
    receipts = store.groups.member_receipts(conversation_id, message_id)
    members = [] if state is None else [m for m in state.members if m != context.username]
    members += sorted(member for member in receipts if member not in members)
    found = []
    for member in members:
        delivered_at, read_at = receipts.get(member, (None, None))
        status: Literal["sent", "delivered", "read"] = (
            "read" if read_at is not None else "delivered" if delivered_at is not None else "sent"
        )
        found.append(MemberReceipt(member, status, delivered_at, read_at))
    return GroupMessageDetails(sent_at=message.sent_at, members=tuple(found))
