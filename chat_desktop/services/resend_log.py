"""The outbox side of the send log: what is logged when a message is encrypted, and how a
queued resend is encrypted (docs/protocol.md §8, "Retry requests").

Every time the outbox encrypts one of our text or attachment messages to a peer's devices,
the devices and the identity key are logged (``storage/send_log.py``), in the same
transaction. A resend entry (queued by ``services/resending.py`` for one device that asked)
carries the message for that device only, as :class:`ResendPart`; the relay wants a payload
for every device of the peer, so the others get the entry's own content, an empty ``retry``
that changes nothing. The message is encrypted only while its log row still names this
resend and only on a session with the identity key the row is bound to: a resend never
reaches another key, nor a message deleted, delivered or forgotten meanwhile.

This module imports nothing from ``services/sending.py`` (which imports it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import msgspec

from chat_desktop.services.context import EngineContext
from chat_desktop.storage.models import Direction, MessageKey, OutboxEntry
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Message kinds a retry request may have re-sent (what ``content_from_message`` rebuilds).
RESENDABLE_KINDS = ("text", "attachment")

#: ``sending.encrypt_to_peer``: (context, store, peer, plaintext, only these devices).
EncryptToPeer = Callable[
    [EngineContext, MessageStore, str, bytes, "set[int] | None"], list[tuple[int, bytes]]
]


class ResendPart(msgspec.Struct, array_like=True, frozen=True):
    """The message a resend entry re-sends, for the one device that asked for it.

    Attributes:
        message_id: Our message's id (its send-log row's).
        device_id: The device that asked.
        content: The message's padded content.
    """

    message_id: str
    device_id: int
    content: bytes


def log_encrypted(
    store: MessageStore, entry: OutboxEntry, device_ids: Iterable[int], identity_key: bytes | None
) -> None:
    """Logs that ``entry`` was encrypted to these devices, if it may be re-sent.

    Only a message of ours to the peer (not a sync copy, a receipt or any other content)
    that is text or an attachment and not deleted. Runs in the encrypting transaction.
    """
    devices = list(device_ids)
    if not devices or identity_key is None or entry.recipient != entry.conversation_id:
        return
    message = store.messages.get(
        MessageKey(entry.conversation_id, entry.message_id), reactions=False
    )
    if (
        message is None
        or message.direction is not Direction.OUTGOING
        or message.kind not in RESENDABLE_KINDS
        or message.deleted
    ):
        return
    store.send_log.record(entry.conversation_id, entry.message_id, devices, identity_key)


def encrypt_resend(
    context: EngineContext,
    store: MessageStore,
    entry: OutboxEntry,
    resend: ResendPart,
    trusted_key: bytes | None,
    filler: bytes,
    encrypt: EncryptToPeer,
) -> list[tuple[int, bytes]] | None:
    """The bodies of a resend entry, or None if it is cancelled (drop the entry).

    The asking device gets the message, on its session only if that session and the
    contact's trusted key are the key the log row is bound to; every other device with a
    session gets ``filler``. Runs in the encrypting transaction.
    """
    peer = entry.recipient
    row = store.send_log.entry(peer, resend.message_id, resend.device_id)
    if row is None or row.resend_envelope_id != entry.message_id:
        return None  # delivered, deleted, too old, or superseded meanwhile
    session = context.sessions.get(store, peer, resend.device_id)
    if (
        session is None
        or trusted_key != row.identity_key
        or session.remote_identity_key != row.identity_key
    ):
        logger.info("a queued resend was dropped: the device's key is not the one it had")
        return None
    body = session.encrypt(resend.content)
    context.sessions.put(store, peer, resend.device_id, session)
    others = set(context.sessions.devices(store, peer)) - {resend.device_id}
    return sorted([(resend.device_id, body), *encrypt(context, store, peer, filler, others)])
