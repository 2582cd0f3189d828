"""Resending a message the peer could not decrypt (their E2EE retry request).

When a message cannot be decrypted, the receiver records a "could not be decrypted"
placeholder under the message's id and sends a ``retry`` content on a fresh session, naming
the ids it lost (as Signal's decryption-error message does). The sender answers from its send
log (``storage/send_log.py``, Signal's message send log): a named message is re-sent only if
it has a row for the device that asked, bound to the identity key that device asks with,
not confirmed delivered by it, less than 24 h old, resent fewer than
:data:`MAX_RESENDS_PER_MESSAGE` times (the count is stored, so a restart does not reset it)
and with no resend of it still queued. The message is rebuilt from its stored copy and
queued for that device only, under a new envelope id (the relay stores each ``(sender, id)``
once); the content keeps the original message id, so the receiver replaces the placeholder.

A retry that came in the envelope that changed the peer's identity key, or on a session of a
key other than the row's (the key changed since), re-sends nothing to that device: a
delivered message (no row) never goes again, and an undelivered one (its row is still
there) is queued once more as ordinary sending to the peer, once per message
(:func:`queue_for_new_key`): a fresh encryption to their current devices under the trusted
key, which for a verified contact waits until the user accepts the new key.

The same rebuilding queues again, after a snapshot restore, the messages whose ciphertexts
were made on sessions that no longer exist.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec

from chat_desktop.protocol.link_preview import encode_preview
from chat_desktop.protocol.message_content import (
    AttachmentContent,
    Content,
    RetryContent,
    TextContent,
    encode_content,
)
from chat_desktop.services.context import new_message_id
from chat_desktop.services.conversation_actions import wire_quote
from chat_desktop.services.resend_log import ResendPart
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.services.voice_notes import voice_note_of
from chat_desktop.storage.models import Direction, Message, MessageKey, MessageStatus
from chat_desktop.storage.send_log import SendLogEntry
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Most resends of one message to one device, whatever a peer asks.
MAX_RESENDS_PER_MESSAGE = 3


def content_from_message(message: Message) -> Content | None:
    """Rebuilds the content of one of our own text or attachment messages, or None."""
    if message.direction is not Direction.OUTGOING or message.sent_at is None:
        return None
    if message.deleted:
        return None  # deleted for everyone: never sent again
    quote = wire_quote(message.quote)
    if message.kind == "text" and message.body:
        return TextContent(
            id=message.id,
            sent_at=message.sent_at,
            expire_timer=message.expire_timer,
            text=message.body,
            quote=quote,
            preview=msgspec.UNSET
            if message.link_preview is None
            else encode_preview(message.link_preview),
        )
    attachment = message.attachment
    if (
        message.kind == "attachment"
        and attachment is not None
        and attachment.blob_id
        and attachment.key is not None
        and attachment.digest is not None
    ):
        return AttachmentContent(
            id=message.id,
            sent_at=message.sent_at,
            expire_timer=message.expire_timer,
            blob_id=attachment.blob_id,
            key=attachment.key,
            digest=attachment.digest,
            size=attachment.size or 0,
            mime_type=attachment.mime or "application/octet-stream",
            file_name=attachment.file_name or "",
            caption=message.body or "",
            width=attachment.width,
            height=attachment.height,
            thumbnail=attachment.thumbnail,
            quote=quote,
            voice=voice_note_of(attachment),
        )
    return None


def _outbox_payload(content: Content, message: Message) -> OutboxPayload:
    expires_at = None
    if message.expire_timer and message.sent_at is not None:
        expires_at = message.sent_at + message.expire_timer * 1000
    return OutboxPayload(
        content=encode_content(content), bodies=None, expires_at=expires_at, track_status=False
    )


def queue_resends(
    store: MessageStore,
    peer: str,
    device_id: int,
    identity_key: bytes | None,
    message_ids: Sequence[str],
    now_ms: int,
    *,
    key_changed: bool = False,
) -> int:
    """Queues again our messages that ``peer``'s device asked for; returns how many.

    Args:
        store: The store; runs inside the receiver's transaction.
        peer: Who asked.
        device_id: The device that asked (the envelope's sender device).
        identity_key: The identity key of the session the request came on, if it is the
            peer's trusted key (else None: nothing at all is queued).
        message_ids: The ids named by the request.
        now_ms: Now (the filler content's ``sent_at``).
        key_changed: The envelope carrying the request changed the peer's identity key.
    """
    if identity_key is None:
        logger.info("a retry request came on an untrusted session; nothing is re-sent")
        return 0
    queued = 0
    for message_id in dict.fromkeys(message_ids):
        row = store.send_log.entry(peer, message_id, device_id)
        if row is None:
            continue  # never sent to that device, delivered, deleted or too old
        if key_changed or row.identity_key != identity_key:
            queued += queue_for_new_key(store, row)
            continue
        if row.resend_count >= MAX_RESENDS_PER_MESSAGE or store.send_log.resend_queued(row):
            continue
        message = store.messages.get(MessageKey(peer, message_id), reactions=False)
        content = None if message is None else content_from_message(message)
        if message is None or content is None:
            continue
        envelope_id = new_message_id()
        # What the peer's other devices get (the relay wants one payload per device).
        filler = RetryContent(id=envelope_id, sent_at=now_ms, message_ids=[])
        payload = msgspec.structs.replace(
            _outbox_payload(content, message),
            content=encode_content(filler),
            resend=ResendPart(message_id, device_id, encode_content(content)),
        )
        store.outbox.enqueue(peer, envelope_id, peer, encode_payload(payload))
        store.send_log.note_resend(row, envelope_id)
        queued += 1
    if queued:
        logger.info("queued %d message(s) again after a retry request", queued)
    return queued


def queue_for_new_key(store: MessageStore, row: SendLogEntry) -> int:
    """Queues ``row``'s message once more as ordinary sending to the peer; returns 1 if so.

    For a device that asked with another identity key than the message was encrypted to:
    the message is encrypted afresh to the peer's current devices with the trusted key, as
    any message to them is (for a verified contact once the user accepted the key). Under a
    new envelope id with the original content id; once per message (stored, so a restart
    does not reset it). Runs inside the receiver's transaction.
    """
    if row.requeued:
        return 0
    message = store.messages.get(MessageKey(row.conversation_id, row.message_id), reactions=False)
    content = None if message is None else content_from_message(message)
    if message is None or content is None:
        return 0
    envelope_id = new_message_id()
    payload = _outbox_payload(content, message)
    store.outbox.enqueue(
        row.conversation_id, envelope_id, row.conversation_id, encode_payload(payload)
    )
    store.send_log.note_requeue(row, envelope_id)
    logger.info("an undelivered message is queued again for the peer's new identity key")
    return 1


def requeue_after_restore(store: MessageStore, keys: Sequence[MessageKey]) -> int:
    """Queues again the messages whose ciphertexts a snapshot restore had to drop.

    A restored snapshot keeps no ratchet session (sending on its chains again would reuse
    message keys), so the restore removed outbox entries already encrypted on them and
    marked their messages failed. Each is rebuilt from its message row and queued to be
    encrypted on a fresh session, with its original id (the relay stores each id once, so
    a copy that did reach it before the damage is not delivered twice). Returns how many
    were queued. Runs on the store thread.
    """
    queued = 0
    with store.transaction():
        for key in keys:
            message = store.messages.get(key)
            content = None if message is None else content_from_message(message)
            if message is None or content is None:
                continue
            payload = _outbox_payload(content, message)
            store.outbox.enqueue(
                key.conversation_id,
                key.message_id,
                key.conversation_id,
                encode_payload(
                    OutboxPayload(
                        content=payload.content, bodies=None, expires_at=payload.expires_at
                    )
                ),
            )
            store.messages.update_status(key, MessageStatus.PENDING)
            queued += 1
    return queued
