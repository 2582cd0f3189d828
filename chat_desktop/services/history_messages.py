"""One conversation's messages in the history archive, both ways: what the linked-device
transfer and the groups' part of it share (``history_transfer`` for one-to-one chats,
``history_groups`` for groups).

Out: a stored message as an :class:`ArchivedMessage` (its file carried inside while the
archive's budget allows, else pointed at by its blob). In: an archived message stored here
as it was (reactions and edits included; a carried file written encrypted at rest, a pointed
one fetched later).
"""

from __future__ import annotations

import io
from typing import Final

from chat_desktop.services.history_archive import (
    INLINE_FILE_MAX,
    INLINE_TOTAL_MAX,
    MAX_REACTIONS_PER_MESSAGE,
    ArchivedAttachment,
    ArchivedEdit,
    ArchivedMessage,
    ArchivedQuote,
    ArchivedReaction,
)
from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.errors import StorageError
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    Message,
    MessageStatus,
    NewMessage,
    Quote,
)
from chat_desktop.storage.store import MessageStore

PAGE: Final = 2000


ARCHIVED_KINDS: Final = ("text", "attachment", "timer", "key_change")  # the notes go along
#: A reaction's or edit's content id in the archive's store rows (the original is not kept).


#: A reaction's or edit's content id in the archive's store rows (the original is not kept).
TRANSFERRED: Final = "transferred"
#: ``progress(done, total)``: conversations exported or imported so far (any thread).


class InlineBudget:
    """How many more file bytes the archive may carry (:data:`INLINE_TOTAL_MAX`)."""

    def __init__(self) -> None:
        self.left = INLINE_TOTAL_MAX

    def take(self, size: int) -> bool:
        if size > INLINE_FILE_MAX or size > self.left:
            return False
        self.left -= size
        return True


def archived_message(
    store: MessageStore, message: Message, now: int, budget: InlineBudget
) -> ArchivedMessage | None:
    if message.kind not in ARCHIVED_KINDS or message.undecryptable or message.deleted:
        return None
    if message.expires_at is not None and message.expires_at <= now:
        return None
    attachment = None
    if message.kind == "attachment":
        attachment = _archived_attachment(store, message.attachment, budget)
        if attachment is None:
            return None
    status = message.status.value
    if message.direction is Direction.OUTGOING and message.status in (
        MessageStatus.PENDING,
        MessageStatus.FAILED,
    ):
        status = MessageStatus.FAILED.value  # this device's outbox does not move over
    quote = message.quote
    edits = store.messages.edits.history(message.conversation_id, message.id)
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
        sort_key=message.sort_key,
        quote=None
        if quote is None
        else ArchivedQuote(
            target_id=quote.target_id,
            author=quote.author,
            excerpt=quote.excerpt,
            kind=quote.kind,
            found=quote.found,
            deleted=quote.deleted,
        ),
        edited_at=message.edited_at,
        edits=[ArchivedEdit(at, body) for at, body in edits[-MAX_EDITS:]],
        reactions=[
            ArchivedReaction(reactor=r.reactor, emoji=r.emoji)
            for r in message.reactions[:MAX_REACTIONS_PER_MESSAGE]
        ],
        delivered_at=message.delivered_at,
        read_by_peer_at=message.read_by_peer_at,
    )


def _archived_attachment(
    store: MessageStore, info: AttachmentInfo | None, budget: InlineBudget
) -> ArchivedAttachment | None:
    """The attachment with its pointer and, when it is here and small, its bytes."""
    if info is None:
        return None
    pointer = bool(info.blob_id) and info.key is not None and info.digest is not None
    data = None
    if info.local_file_id and info.local_status == "done":
        size = store.attachments.size_of(info.local_file_id)
        if size is not None and budget.take(size):
            data = _read_file(store, info.local_file_id, size)
            if data is None:
                budget.left += size
    return ArchivedAttachment(
        blob_id=info.blob_id if pointer else None,
        key=info.key if pointer else None,
        digest=info.digest if pointer else None,
        size=len(data) if data is not None else info.size or 0,
        mime=info.mime or "application/octet-stream",
        file_name=info.file_name,
        width=info.width,
        height=info.height,
        thumbnail=info.thumbnail,
        data=data,
    )


def _read_file(store: MessageStore, file_id: str, size: int) -> bytes | None:
    """The decrypted bytes of a stored attachment (into memory only), or None if unreadable."""
    try:
        with store.attachments.open(file_id) as source:
            data = source.read(size + 1)
    except (StorageError, OSError):
        return None
    return data if len(data) == size else None


def import_message(
    store: MessageStore,
    username: str,
    peer: str,
    message: ArchivedMessage,
    now: int,
    sender: str | None = None,
) -> bool:
    """Stores one message with its edits and reactions; True if its file is to be fetched.

    ``peer`` is the conversation; ``sender`` the member who sent an incoming group message
    (a 1:1 chat's incoming messages are the peer's).
    """
    try:
        status = MessageStatus(message.status)
    except ValueError:
        status = MessageStatus.SENT if message.outgoing else MessageStatus.DELIVERED
    attachment, fetch = _stored_attachment(store, message.attachment)
    quote = message.quote
    inserted = store.messages.insert(
        NewMessage(
            id=message.id,
            conversation_id=peer,
            sender=username if message.outgoing else sender or peer,
            direction=Direction.OUTGOING if message.outgoing else Direction.INCOMING,
            sort_key=message.sort_key or message.sent_at or message.received_at or now,
            kind=message.kind,
            body=message.body,
            status=status,
            sent_at=message.sent_at,
            received_at=message.received_at,
            read_at=message.read_at,
            expire_timer=message.expire_timer,
            expires_at=message.expires_at,
            attachment=attachment,
            quote=None
            if quote is None
            else Quote(
                target_id=quote.target_id,
                author=quote.author,
                excerpt=quote.excerpt,
                kind=quote.kind,
                found=quote.found,
                deleted=quote.deleted,
            ),
            edited_at=message.edited_at,
            delivered_at=message.delivered_at,
            read_by_peer_at=message.read_by_peer_at,
        )
    )
    if not inserted:
        if attachment is not None and attachment.local_file_id is not None:
            store.attachments.delete(attachment.local_file_id)  # we had it already
        return False
    for index, edit in enumerate(message.edits):
        store.messages.edits.add(
            peer,
            message.id,
            content_id=f"{TRANSFERRED}-{index}",
            edited_at=edit.edited_at,
            previous_body=edit.previous_body,
        )
    # The original reactions' times are not carried: the message's time stands in, so any
    # reaction made after the link (which is later) replaces a transferred one.
    reacted_at = message.sent_at or message.sort_key
    for reaction in message.reactions:
        store.messages.reactions.set(
            peer,
            message.id,
            reaction.reactor,
            reaction.emoji,
            sent_at=reacted_at,
            content_id=TRANSFERRED,
        )
    return fetch


def _stored_attachment(
    store: MessageStore, archived: ArchivedAttachment | None
) -> tuple[AttachmentInfo | None, bool]:
    """The attachment as stored here (a carried file is written encrypted at rest now) and
    whether its file is still to be fetched from the relay."""
    if archived is None:
        return None, False
    local_file_id = None
    pointer = archived.blob_id is not None and None not in (archived.key, archived.digest)
    local_status = "none" if pointer else "failed"  # without a pointer nothing can fetch it
    if archived.data is not None:
        local_file_id = store.attachments.write(io.BytesIO(archived.data)).file_id
        local_status = "done"
    info = AttachmentInfo(
        blob_id=archived.blob_id,
        key=archived.key,
        digest=archived.digest,
        size=archived.size,
        mime=archived.mime,
        file_name=archived.file_name,
        width=archived.width,
        height=archived.height,
        thumbnail=archived.thumbnail,
        local_file_id=local_file_id,
        local_status=local_status,
    )
    return info, local_file_id is None and pointer
