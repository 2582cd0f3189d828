"""Sender keys of groups: ours (made, rotated, handed out) and the members' (taken, found).

Our sender key of a group is made on the first group message (and again after a removal,
:func:`rotate_own_key`) with a key id none of our other groups' keys uses, since a group
message names no group (docs/protocol.md §2.3, §11). It is handed to each member device that
lacks it as a ``sender_key`` content over the pairwise sessions: an ordinary outbox entry to
that member, queued before the group message goes; who got it is kept in the store
(``group_key_holders``), so a restart does not hand it out again and a member's new device is
the one that lacks it. A received ``sender_key`` is taken only from a current member of a
group we hold, and only as the key of the device that sent it. Every function runs on the
store thread inside the caller's transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chat_desktop.crypto.errors import CryptoError, InvalidMessage
from chat_desktop.crypto.sender_key_wire import SenderKeyDistribution
from chat_desktop.crypto.sender_keys import OwnSenderKey, ReceivedSenderKey
from chat_desktop.protocol.message_content import SenderKeyContent, encode_content
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.events import ClientEvent, GroupMessageRefused
from chat_desktop.services.groups_held import load_held
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)


def own_key(store: MessageStore, conversation_id: str) -> OwnSenderKey:
    """Our sender key of the group, made (and stored) if we have none or it is used up.

    A new key's id differs from our other groups' keys' ids (a receiver finds the key by
    sender, device and key id), so it is drawn again on a clash.
    """
    stored = store.groups.own_sender_key(conversation_id)
    if stored is not None:
        key = OwnSenderKey.from_bytes(stored)
        try:
            key.distribution()
        except CryptoError:
            pass  # used up: a new one below
        else:
            return key
    taken = _other_key_ids(store, conversation_id)
    while True:
        fresh = OwnSenderKey.generate()
        if fresh.key_id not in taken:
            break
    store.groups.drop_own_sender_key(conversation_id)
    store.groups.set_own_sender_key(conversation_id, fresh.to_bytes())
    return fresh


def _other_key_ids(store: MessageStore, conversation_id: str) -> set[int]:
    ids = set()
    for group in store.groups.list():
        if group.conversation_id == conversation_id:
            continue
        stored = store.groups.own_sender_key(group.conversation_id)
        if stored is not None:
            ids.add(OwnSenderKey.from_bytes(stored).key_id)
    return ids


def rotate_own_key(store: MessageStore, conversation_id: str) -> None:
    """A member left or was removed (or a device unlinked): our next group message uses a new
    sender key, handed only to the members then (docs/protocol.md §11.1)."""
    store.groups.drop_own_sender_key(conversation_id)


def queue_distributions(
    context: EngineContext,
    store: MessageStore,
    conversation_id: str,
    key: OwnSenderKey,
    devices: dict[str, list[int]],
) -> bool:
    """Queues our sender key to every recipient device in ``devices`` that lacks it.

    One ``sender_key`` outbox entry per user with such a device (a pairwise send goes to all
    of that user's devices; one that has the key already ignores it). The devices are
    recorded as holders now: the entry stays queued until the relay has it.

    Returns:
        Whether anything was queued.
    """
    holders = store.groups.key_holders(conversation_id, key.key_id)
    stored = store.groups.get(conversation_id)
    assert stored is not None
    queued = False
    for user, user_devices in devices.items():
        lacking = [device for device in user_devices if (user, device) not in holders]
        if not lacking:
            continue
        content = SenderKeyContent(
            id=new_message_id(),
            sent_at=now_ms(),
            group_id=stored.group_id,
            distribution=key.distribution().to_bytes(),
        )
        payload = OutboxPayload(
            content=encode_content(content), bodies=None, expires_at=None, track_status=False
        )
        store.outbox.enqueue(conversation_id, content.id, user, encode_payload(payload))
        store.groups.add_key_holders(
            conversation_id, key.key_id, [(user, device) for device in user_devices]
        )
        queued = True
    return queued


@dataclass(frozen=True)
class HeldKey:
    """A member device's sender key we hold, and the group it is held for."""

    conversation_id: str
    group_id: bytes
    key: ReceivedSenderKey


def accept_distribution(
    context: EngineContext,
    store: MessageStore,
    sender: str,
    device_id: int,
    content: SenderKeyContent,
) -> list[ClientEvent]:
    """Takes a member device's sender key, if the group is held and the sender a member.

    From our own account it is one of our other devices' keys (it sends as we do). Returns
    the refusal to record, if refused; nothing is stored then.
    """
    conversation_id = group_conversation_id(content.group_id)
    held = load_held(store, conversation_id)
    if held is None or sender not in held.state.members:
        return [GroupMessageRefused(sender=sender, device_id=device_id, reason="not_a_member")]
    try:
        distribution = SenderKeyDistribution.from_bytes(content.distribution)
    except InvalidMessage:
        return [GroupMessageRefused(sender=sender, device_id=device_id, reason="invalid")]
    existing = store.groups.received_sender_key(conversation_id, sender, device_id)
    if existing is None:
        key = ReceivedSenderKey(distribution)
    else:
        key = ReceivedSenderKey.from_bytes(existing)
        if not key.process_distribution(distribution):
            return []  # the same key again: nothing changes
    store.groups.set_received_sender_key(conversation_id, sender, device_id, key.to_bytes())
    return []


def held_keys(store: MessageStore, sender: str, device_id: int, key_id: int) -> list[HeldKey]:
    """Every sender key we hold of ``sender``'s device with ``key_id``, over all our groups.

    A group message names no group: the key it names finds it (usually exactly one; with
    several, the signature decides).
    """
    found = []
    for group in store.groups.list():
        stored = store.groups.received_sender_key(group.conversation_id, sender, device_id)
        if stored is None:
            continue
        key = ReceivedSenderKey.from_bytes(stored)
        if key.key_id == key_id:
            found.append(HeldKey(group.conversation_id, group.group_id, key))
    return found
