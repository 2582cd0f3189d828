"""History transfer at link time: the conversations' messages as one encrypted archive.

The existing device exports every conversation's messages (not sessions, not keys; no
expired, undecryptable or deleted message; a disappearing message keeps its ``expires_at``)
into ``msgpack(HistoryArchive)``, encrypted like an attachment (docs/protocol.md §5) into a
blob that the new device downloads once it is registered, checks (digest and HMAC) and
imports. The archive is bounded like everything a peer sends: it comes from our own device,
but through the relay and a file.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

from chat_desktop.protocol.message_content import (
    MAX_ATTACHMENT_SIZE,
    MAX_FILE_NAME_LENGTH,
    MAX_MIME_TYPE_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_THUMBNAIL_SIZE,
    MAX_TIMER_SECONDS,
    MessageId,
    TimestampMs,
    Username,
)
from chat_desktop.services.context import now_ms
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore

ARCHIVE_VERSION: Final = 1
#: Most conversations and messages in one archive (a blob's 100 MiB is the real bound).
MAX_CONVERSATIONS: Final = 100_000
MAX_MESSAGES_PER_CONVERSATION: Final = 2_000_000
_PAGE: Final = 2000
_KINDS: Final = ("text", "attachment", "timer")


class ArchivedAttachment(msgspec.Struct, frozen=True, array_like=True):
    """An attachment's metadata (the file itself is fetched from the relay while it lasts)."""

    blob_id: Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{32}\Z")]
    key: Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]
    digest: Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
    size: Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTACHMENT_SIZE)]
    mime: Annotated[str, msgspec.Meta(max_length=MAX_MIME_TYPE_LENGTH)]
    file_name: Annotated[str, msgspec.Meta(max_length=MAX_FILE_NAME_LENGTH)] | None
    width: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    height: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    thumbnail: Annotated[bytes, msgspec.Meta(max_length=MAX_THUMBNAIL_SIZE)] | None


class ArchivedMessage(msgspec.Struct, frozen=True, array_like=True):
    """One message as the new device stores it."""

    id: MessageId
    outgoing: bool
    kind: Annotated[str, msgspec.Meta(max_length=16)]
    body: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)] | None
    sent_at: TimestampMs | None
    received_at: TimestampMs | None
    read_at: TimestampMs | None
    expire_timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
    expires_at: TimestampMs | None
    status: Annotated[str, msgspec.Meta(max_length=16)]
    attachment: ArchivedAttachment | None = None


class ArchivedConversation(msgspec.Struct, frozen=True, array_like=True):
    """One conversation and its messages, oldest first."""

    peer: Username
    timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
    messages: Annotated[
        list[ArchivedMessage], msgspec.Meta(max_length=MAX_MESSAGES_PER_CONVERSATION)
    ]


class HistoryArchive(msgspec.Struct, frozen=True, array_like=True):
    """The whole history a linked device starts with."""

    v: int
    conversations: Annotated[list[ArchivedConversation], msgspec.Meta(max_length=MAX_CONVERSATIONS)]


class ArchiveRejected(ValueError):
    """The archive is not one we can import (malformed, another version, out of bounds)."""


def export_history(store: MessageStore) -> bytes:
    """Returns the archive of every conversation (store thread)."""
    now = now_ms()
    conversations = []
    for conversation in store.conversations.list_recent(MAX_CONVERSATIONS):
        peer = conversation.id
        messages: list[ArchivedMessage] = []
        # Forward in the store's own order (sort key, then insertion), page by page.
        page = store.messages.oldest(peer, _PAGE)
        while page:
            for message in page:
                archived = _archived(message, now)
                if archived is not None:
                    messages.append(archived)
            page = store.messages.after(peer, page[-1].cursor, _PAGE)
        conversations.append(
            ArchivedConversation(peer=peer, timer=conversation.expire_timer, messages=messages)
        )
    return msgspec.msgpack.encode(HistoryArchive(v=ARCHIVE_VERSION, conversations=conversations))


def _archived(message: NewMessage, now: int) -> ArchivedMessage | None:
    if message.kind not in _KINDS or message.undecryptable or message.deleted:
        return None
    if message.expires_at is not None and message.expires_at <= now:
        return None
    attachment = None
    info = message.attachment
    if message.kind == "attachment":
        if info is None or not info.blob_id or info.key is None or info.digest is None:
            return None
        attachment = ArchivedAttachment(
            blob_id=info.blob_id,
            key=info.key,
            digest=info.digest,
            size=info.size or 0,
            mime=info.mime or "application/octet-stream",
            file_name=info.file_name,
            width=info.width,
            height=info.height,
            thumbnail=info.thumbnail,
        )
    status = message.status.value
    if message.direction is Direction.OUTGOING and message.status in (
        MessageStatus.PENDING,
        MessageStatus.FAILED,
    ):
        status = MessageStatus.FAILED.value  # this device's outbox does not move over
    return ArchivedMessage(
        id=message.id,
        outgoing=message.direction is Direction.OUTGOING,
        kind=message.kind,
        body=message.body,
        sent_at=message.sent_at,
        received_at=message.received_at,
        read_at=message.read_at,
        expire_timer=message.expire_timer,
        expires_at=message.expires_at,
        status=status,
        attachment=attachment,
    )


def decode_archive(data: bytes) -> HistoryArchive:
    """Parses an archive.

    Raises:
        ArchiveRejected: Malformed, out of bounds, or another version.
    """
    try:
        archive = msgspec.msgpack.decode(data, type=HistoryArchive)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ArchiveRejected("the history archive is malformed") from None
    if archive.v != ARCHIVE_VERSION:
        raise ArchiveRejected("the history archive has another version")
    return archive


def import_history(store: MessageStore, username: str, archive: HistoryArchive) -> list[MessageKey]:
    """Stores the archive's messages (those we don't have yet); returns attachment messages.

    Runs on the store thread, in one transaction. A message already here (it also arrived as
    a sync copy or from the peer) is left as it is.
    """
    now = now_ms()
    attachments: list[MessageKey] = []
    with store.transaction():
        for conversation in archive.conversations:
            if conversation.peer == username:
                continue
            store.conversations.ensure(conversation.peer, peer_address=conversation.peer)
            store.conversations.set_expire_timer(conversation.peer, conversation.timer)
            for message in conversation.messages:
                if message.expires_at is not None and message.expires_at <= now:
                    continue
                if message.kind not in _KINDS:
                    continue
                try:
                    status = MessageStatus(message.status)
                except ValueError:
                    status = MessageStatus.SENT if message.outgoing else MessageStatus.DELIVERED
                attachment = None
                if message.attachment is not None:
                    a = message.attachment
                    attachment = AttachmentInfo(
                        blob_id=a.blob_id,
                        key=a.key,
                        digest=a.digest,
                        size=a.size,
                        mime=a.mime,
                        file_name=a.file_name,
                        width=a.width,
                        height=a.height,
                        thumbnail=a.thumbnail,
                        local_status="none",
                    )
                inserted = store.messages.insert(
                    NewMessage(
                        id=message.id,
                        conversation_id=conversation.peer,
                        sender=username if message.outgoing else conversation.peer,
                        direction=Direction.OUTGOING if message.outgoing else Direction.INCOMING,
                        sort_key=message.sent_at or message.received_at or now,
                        kind=message.kind,
                        body=message.body,
                        status=status,
                        sent_at=message.sent_at,
                        received_at=message.received_at,
                        read_at=message.read_at,
                        expire_timer=message.expire_timer,
                        expires_at=message.expires_at,
                        attachment=attachment,
                    )
                )
                if inserted and attachment is not None:
                    attachments.append(MessageKey(conversation.peer, message.id))
    return attachments
