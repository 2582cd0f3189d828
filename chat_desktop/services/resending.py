"""Resending a message the peer could not decrypt (their E2EE retry request).

When a message cannot be decrypted, the receiver records a "could not be decrypted"
placeholder under the message's id and sends a ``retry`` content on a fresh session, naming
the ids it lost (as Signal's decryption-error message does). The sender rebuilds each named
message from its own stored copy, encrypts it again on the current session (the fresh one the
request arrived on) and sends it under a new envelope id (the relay stores each ``(sender,
id)`` once); the content keeps the original message id, so the receiver replaces the
placeholder with the message.

A hostile peer could ask again and again; each message is resent at most
:data:`MAX_RESENDS_PER_MESSAGE` times and only within :data:`RESEND_WINDOW_MS` of sending.
The same rebuilding queues again, after a snapshot restore, the messages whose ciphertexts
were made on sessions that no longer exist.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chat_desktop.protocol.message_content import (
    AttachmentContent,
    Content,
    TextContent,
    encode_content,
)
from chat_desktop.services.context import new_message_id
from chat_desktop.services.conversation_actions import wire_quote
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.models import Direction, Message, MessageKey, MessageStatus
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: Most resends of one message, whatever a peer asks.
MAX_RESENDS_PER_MESSAGE = 3
#: Only messages sent this recently are resent (ms), like Signal's 24-hour send log.
RESEND_WINDOW_MS = 24 * 60 * 60 * 1000


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
        )
    return None


def _outbox_payload(content: Content, message: Message) -> OutboxPayload:
    expires_at = None
    if message.expire_timer and message.sent_at is not None:
        expires_at = message.sent_at + message.expire_timer * 1000
    return OutboxPayload(
        content=encode_content(content), bodies=None, expires_at=expires_at, track_status=False
    )


class Resender:
    """Answers retry requests; use on the store thread only."""

    def __init__(self) -> None:
        self._resends: dict[tuple[str, str], int] = {}

    def queue_resends(
        self, store: MessageStore, peer: str, message_ids: list[str], now_ms: int
    ) -> int:
        """Queues our messages named by ``peer``'s retry request again; returns how many.

        Runs inside the receiver's transaction. Ids that are not ours, not in this
        conversation, too old, deleted, or resent too often already are ignored.
        """
        queued = 0
        for message_id in dict.fromkeys(message_ids):
            key = (peer, message_id)
            if self._resends.get(key, 0) >= MAX_RESENDS_PER_MESSAGE:
                continue
            message = store.messages.get(MessageKey(peer, message_id))
            if message is None or message.sent_at is None:
                continue
            if now_ms - message.sent_at > RESEND_WINDOW_MS:
                continue
            content = content_from_message(message)
            if content is None:
                continue
            envelope_id = new_message_id()
            store.outbox.enqueue(
                peer, envelope_id, peer, encode_payload(_outbox_payload(content, message))
            )
            self._resends[key] = self._resends.get(key, 0) + 1
            queued += 1
        if queued:
            logger.info("queued %d message(s) again after a retry request", queued)
        return queued


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
