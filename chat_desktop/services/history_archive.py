"""The link-time history archive's shape: ``msgpack(HistoryArchive)``, version 2.

Every count, size, time and string a device puts in it has a bound here, checked when the
new device decodes it (``services/history_transfer.py`` exports, checks and imports it;
``services/history_groups.py`` fills and reads its groups). docs/protocol.md §6.11.
"""

from __future__ import annotations

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
    GroupId,
    MessageId,
    TimestampMs,
    Username,
)
from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.migrations.v007_groups import MAX_HELD_BYTES

ARCHIVE_VERSION: Final = 2
#: Most conversations and messages in one archive (a blob's 100 MiB is the real bound).
MAX_CONVERSATIONS: Final = 100_000
MAX_MESSAGES_PER_CONVERSATION: Final = 2_000_000
#: Most groups in one archive.
MAX_GROUPS: Final = 10_000
#: Most reactions one message carries (one per person; a one-to-one chat has two).
MAX_REACTIONS_PER_MESSAGE: Final = 64
#: Largest file that travels inside the archive, and most file bytes the archive carries.
INLINE_FILE_MAX: Final = 4 * 1024 * 1024
INLINE_TOTAL_MAX: Final = 48 * 1024 * 1024


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


class ArchivedGroupMessage(msgspec.Struct, frozen=True, array_like=True):
    """One message of a group, with the member who sent it (ours: ``outgoing``)."""

    sender: Username
    message: ArchivedMessage


class ArchivedGroup(msgspec.Struct, frozen=True, array_like=True):
    """A group held: its state as the engine keeps it, its flags and its messages.

    ``held`` is the engine's encoded state (``services/groups_held.py``), checked like a
    received ``group_update`` when imported; no sender key travels (the new device makes
    its own, and members hand it theirs when they find it, docs/protocol.md §11.6).
    """

    group_id: GroupId
    held: Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_HELD_BYTES)]
    timer: Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
    pinned: bool
    muted: bool
    archived: bool
    marked_unread: bool
    messages: Annotated[
        list[ArchivedGroupMessage], msgspec.Meta(max_length=MAX_MESSAGES_PER_CONVERSATION)
    ]


class HistoryArchive(msgspec.Struct, frozen=True, array_like=True):
    """The whole history a linked device starts with.

    ``groups`` comes last and may be absent (an archive made before groups): version 2
    either way.
    """

    v: int
    conversations: Annotated[list[ArchivedConversation], msgspec.Meta(max_length=MAX_CONVERSATIONS)]
    groups: Annotated[list[ArchivedGroup], msgspec.Meta(max_length=MAX_GROUPS)] = []


class _Version(msgspec.Struct, frozen=True, array_like=True):
    """The first field of any archive version: read before the rest is decoded."""

    v: int


class ArchiveRejected(ValueError):
    """The archive is not one we can import (malformed, another version, out of bounds)."""
