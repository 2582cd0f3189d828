"""History transfer at link time: the conversations as one encrypted archive.

The existing device exports every conversation (not sessions, not keys; no expired,
undecryptable or deleted message; a disappearing message keeps its ``expires_at``) into
``msgpack(HistoryArchive)``, encrypted like an attachment (docs/protocol.md §5) into a blob
that the new device downloads once it is registered, checks (digest and HMAC) and imports.

Version 2 carries everything a conversation shows, not only its text: attachments (metadata,
thumbnail and the blob pointer: id, key, digest), reply quotes, edits (the "edited" mark and
the texts each edit replaced), reactions, and the conversation's flags (pinned, muted,
archived, marked unread, disappearing timer).

Attachments: a file this device holds (downloaded or sent) of at most
:data:`INLINE_FILE_MAX` bytes travels inside the archive, while the archive's files stay
within :data:`INLINE_TOTAL_MAX`: the new device stores it at once, whether or not the relay
still has its blob (blobs expire with the relay's retention, 30 days by default). Every other
attachment is re-pointed: the new device fetches it from the relay like a received one,
while the relay keeps it (our own files too: the sender records the blob it uploaded). A
file too large to travel inline whose blob expired comes as its message, metadata and
thumbnail, its file marked failed (a received one may be downloaded while the relay keeps it).

The archive is bounded like everything a peer sends: it comes from our own device, but
through the relay's storage. Every count, size, time and string has a bound checked when it
is decoded; an inline file must have the size its message declares. Another version is
refused with :class:`ArchiveRejected` (said to the user, nothing imported).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated, Final

import msgspec

from chat_desktop.protocol.message_content import (
    MAX_ATTACHMENT_SIZE,
    MAX_FILE_NAME_LENGTH,
    MAX_MIME_TYPE_LENGTH,
    MAX_QUOTE_EXCERPT,
    MAX_TEXT_LENGTH,
    MAX_THUMBNAIL_SIZE,
    MAX_TIMER_SECONDS,
    Emoji,
    MessageId,
    TimestampMs,
    Username,
)
from chat_desktop.services.context import now_ms
from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.errors import StorageError
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import (
    AttachmentInfo,
    Conversation,
    Direction,
    Message,
    MessageKey,
    MessageStatus,
    NewMessage,
    Quote,
)
from chat_desktop.storage.store import MessageStore

ARCHIVE_VERSION: Final = 2
#: Most conversations and messages in one archive (a blob's 100 MiB is the real bound).
MAX_CONVERSATIONS: Final = 100_000
MAX_MESSAGES_PER_CONVERSATION: Final = 2_000_000
#: Most reactions one message carries (one per person; a one-to-one chat has two).
MAX_REACTIONS_PER_MESSAGE: Final = 64
#: Largest file that travels inside the archive, and most file bytes the archive carries.
INLINE_FILE_MAX: Final = 4 * 1024 * 1024
INLINE_TOTAL_MAX: Final = 48 * 1024 * 1024
_PAGE: Final = 2000
_KINDS: Final = ("text", "attachment", "timer", "key_change")  # the notes go along
#: A reaction's or edit's content id in the archive's store rows (the original is not kept).
_TRANSFERRED: Final = "transferred"

#: ``progress(done, total)``: conversations exported or imported so far (any thread).
Progress = Callable[[int, int], None]

BlobId = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{32}\Z")]
ShortText = Annotated[str, msgspec.Meta(max_length=16)]


class ArchivedAttachment(msgspec.Struct, frozen=True, array_like=True):
    """An attachment: its metadata, its blob pointer and, for a small file, its bytes.

    The pointer (``blob_id``, ``key``, ``digest``) is None when this device had no blob id
    (a file it sent); ``data``, when present, is exactly ``size`` bytes.
    """

    blob_id: BlobId | None
    key: Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)] | None
    digest: Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)] | None
    size: Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTACHMENT_SIZE)]
    mime: Annotated[str, msgspec.Meta(max_length=MAX_MIME_TYPE_LENGTH)]
    file_name: Annotated[str, msgspec.Meta(max_length=MAX_FILE_NAME_LENGTH)] | None
    width: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    height: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    thumbnail: Annotated[bytes, msgspec.Meta(max_length=MAX_THUMBNAIL_SIZE)] | None
    data: Annotated[bytes, msgspec.Meta(max_length=INLINE_FILE_MAX)] | None = None


class ArchivedQuote(msgspec.Struct, frozen=True, array_like=True):
    """What a reply quotes, as the exporting device showed it."""

    target_id: MessageId
    author: Username
    excerpt: Annotated[str, msgspec.Meta(max_length=MAX_QUOTE_EXCERPT)]
    kind: ShortText
    found: bool
    deleted: bool


class ArchivedEdit(msgspec.Struct, frozen=True, array_like=True):
    """A text an edit replaced, and when (oldest first)."""

    edited_at: TimestampMs
    previous_body: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)]


class ArchivedReaction(msgspec.Struct, frozen=True, array_like=True):
    """One person's reaction to the message."""

    reactor: Username
    emoji: Emoji


class ArchivedMessage(msgspec.Struct, frozen=True, array_like=True):
    """One message as the new device stores it."""

    id: MessageId
    outgoing: bool
    kind: ShortText
    body: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)] | None
    sent_at: TimestampMs | None
    received_at: TimestampMs | None
    read_at: TimestampMs | None
    expire_timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
    expires_at: TimestampMs | None
    status: ShortText
    attachment: ArchivedAttachment | None
    sort_key: TimestampMs
    quote: ArchivedQuote | None
    edited_at: TimestampMs | None
    edits: Annotated[list[ArchivedEdit], msgspec.Meta(max_length=MAX_EDITS)]
    reactions: Annotated[list[ArchivedReaction], msgspec.Meta(max_length=MAX_REACTIONS_PER_MESSAGE)]
    delivered_at: TimestampMs | None
    read_by_peer_at: TimestampMs | None


class ArchivedConversation(msgspec.Struct, frozen=True, array_like=True):
    """One conversation, its flags and its messages, oldest first."""

    peer: Username
    timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
    pinned: bool
    muted: bool
    archived: bool
    marked_unread: bool
    messages: Annotated[
        list[ArchivedMessage], msgspec.Meta(max_length=MAX_MESSAGES_PER_CONVERSATION)
    ]


class HistoryArchive(msgspec.Struct, frozen=True, array_like=True):
    """The whole history a linked device starts with."""

    v: int
    conversations: Annotated[list[ArchivedConversation], msgspec.Meta(max_length=MAX_CONVERSATIONS)]


class _Version(msgspec.Struct, frozen=True, array_like=True):
    """The first field of any archive version: read before the rest is decoded."""

    v: int


class ArchiveRejected(ValueError):
    """The archive is not one we can import (malformed, another version, out of bounds)."""


class _InlineBudget:
    """How many more file bytes the archive may carry (:data:`INLINE_TOTAL_MAX`)."""

    def __init__(self) -> None:
        self.left = INLINE_TOTAL_MAX

    def take(self, size: int) -> bool:
        if size > INLINE_FILE_MAX or size > self.left:
            return False
        self.left -= size
        return True


def export_history(store: MessageStore, progress: Progress | None = None) -> bytes:
    """Returns the archive of every conversation (store thread).

    ``progress(done, total)`` is called after each conversation (from this thread).
    """
    now = now_ms()
    budget = _InlineBudget()
    # Group conversations are not in the archive yet (their entry comes with the engine's
    # groups); one named by its "g:" id where a username belongs would void the whole archive.
    listed = [
        conversation
        for conversation in store.conversations.list_recent(MAX_CONVERSATIONS)
        if group_id_of(conversation.id) is None
    ]
    conversations = []
    for done, conversation in enumerate(listed, start=1):
        conversations.append(_archived_conversation(store, conversation, now, budget))
        if progress is not None:
            progress(done, len(listed))
    return msgspec.msgpack.encode(HistoryArchive(v=ARCHIVE_VERSION, conversations=conversations))


def _archived_conversation(
    store: MessageStore, conversation: Conversation, now: int, budget: _InlineBudget
) -> ArchivedConversation:
    peer = conversation.id
    messages: list[ArchivedMessage] = []
    # Forward in the store's own order (sort key, then insertion), page by page.
    page = store.messages.oldest(peer, _PAGE)
    while page:
        for message in page:
            archived = _archived(store, message, now, budget)
            if archived is not None:
                messages.append(archived)
        page = store.messages.after(peer, page[-1].cursor, _PAGE)
    return ArchivedConversation(
        peer=peer,
        timer=conversation.expire_timer,
        pinned=conversation.pinned,
        muted=conversation.muted,
        archived=conversation.archived,
        marked_unread=conversation.marked_unread,
        messages=messages,
    )


def _archived(
    store: MessageStore, message: Message, now: int, budget: _InlineBudget
) -> ArchivedMessage | None:
    if message.kind not in _KINDS or message.undecryptable or message.deleted:
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
    store: MessageStore, info: AttachmentInfo | None, budget: _InlineBudget
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


def decode_archive(data: bytes) -> HistoryArchive:
    """Parses an archive.

    Raises:
        ArchiveRejected: Malformed, out of bounds, or another version (said as such).
    """
    try:
        version = msgspec.msgpack.decode(data, type=_Version).v
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ArchiveRejected("the history archive is malformed") from None
    if version != ARCHIVE_VERSION:
        raise ArchiveRejected(
            f"the history archive has version {version}; this app reads version "
            f"{ARCHIVE_VERSION} (update the app on both devices)"
        )
    try:
        archive = msgspec.msgpack.decode(data, type=HistoryArchive)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ArchiveRejected("the history archive is malformed") from None
    for conversation in archive.conversations:
        for message in conversation.messages:
            _check_attachment(message.attachment)
    return archive


def _check_attachment(attachment: ArchivedAttachment | None) -> None:
    if attachment is None:
        return
    if attachment.data is not None and len(attachment.data) != attachment.size:
        raise ArchiveRejected("a file in the history archive has another size than it says")


def count_messages(archive: HistoryArchive) -> int:
    """How many messages the archive holds (what the import's progress counts)."""
    return sum(len(conversation.messages) for conversation in archive.conversations)


def import_history(
    store: MessageStore,
    username: str,
    archive: HistoryArchive,
    progress: Progress | None = None,
) -> list[MessageKey]:
    """Stores the archive (what we don't have yet); returns attachments to fetch.

    Runs on the store thread, in one transaction. A message already here (it also arrived as
    a sync copy or from the peer) is left as it is. The conversation flags are set after its
    messages (an incoming message would take a conversation out of the archive).
    ``progress(done, total)`` counts conversations (from this thread).
    """
    now = now_ms()
    attachments: list[MessageKey] = []
    total = len(archive.conversations)
    with store.transaction():
        for done, conversation in enumerate(archive.conversations, start=1):
            # Our own username is the Note to Self (what we wrote there comes along).
            attachments.extend(_import_conversation(store, username, conversation, now))
            if progress is not None:
                progress(done, total)
    return attachments


def _import_conversation(
    store: MessageStore, username: str, conversation: ArchivedConversation, now: int
) -> list[MessageKey]:
    peer = conversation.peer
    conversations = store.conversations
    conversations.ensure(peer, peer_address=peer)
    conversations.set_expire_timer(peer, conversation.timer)
    to_fetch: list[MessageKey] = []
    for message in conversation.messages:
        if message.expires_at is not None and message.expires_at <= now:
            continue
        if message.kind not in _KINDS:
            continue
        if _import_message(store, username, peer, message, now):
            to_fetch.append(MessageKey(peer, message.id))
    conversations.set_pinned(peer, conversation.pinned)
    conversations.set_muted(peer, conversation.muted)
    conversations.set_archived(peer, conversation.archived)
    conversations.set_marked_unread(peer, conversation.marked_unread)
    return to_fetch


def _import_message(
    store: MessageStore, username: str, peer: str, message: ArchivedMessage, now: int
) -> bool:
    """Stores one message with its edits and reactions; True if its file is to be fetched."""
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
            sender=username if message.outgoing else peer,
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
            content_id=f"{_TRANSFERRED}-{index}",
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
            content_id=_TRANSFERRED,
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
