"""The records a backup's plaintext stream holds, each bounded, and their framing.

The stream (inside the sealed chunks of :mod:`chat_desktop.services.backup_format`) is a
sequence of ``u32be(n) ‖ msgpack(record)``, ``n`` ≤ :data:`MAX_RECORD_BYTES`, each record a
msgspec array tagged with its kind (docs/protocol.md §12.3), in this order::

    Manifest, Account, Setting*, Appearance?, Contact*,
    (Chat, (Entry, FileData* if the entry has a file)*)*, End

Every count, size, time and string has a bound checked when it is decoded; the importer
checks the order and that the counts match the manifest's.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from typing import Annotated, Final

import msgspec

from chat_desktop.protocol.message_content import (
    MAX_ATTACHMENT_SIZE,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_FILE_NAME_LENGTH,
    MAX_MIME_TYPE_LENGTH,
    MAX_QUOTE_EXCERPT,
    MAX_TEXT_LENGTH,
    MAX_THUMBNAIL_SIZE,
    MAX_TIMER_SECONDS,
)
from chat_desktop.services.backup_format import BackupDamaged
from chat_desktop.storage.drafts import MAX_DRAFT_LENGTH
from chat_desktop.storage.edits import MAX_EDITS

RECORDS_VERSION: Final = 1
#: Largest record: a message of 64 Ki characters with 20 edits, in UTF-8, fits well within.
MAX_RECORD_BYTES: Final = 8 * 1024 * 1024
#: Bytes of a file per FileData record.
FILE_PIECE_BYTES: Final = 1024 * 1024
MAX_CONVERSATIONS: Final = 100_000
MAX_MESSAGES: Final = 50_000_000
MAX_FILES: Final = 10_000_000
MAX_SETTINGS: Final = 10_000
MAX_CONTACTS: Final = 100_000
MAX_REACTIONS: Final = 256
MAX_KEY_KINDS: Final = 16
MAX_SETTING_VALUE: Final = 1024 * 1024
MAX_APPEARANCE: Final = 64 * 1024
#: Largest link preview map: its URL, title, description and 64 KiB image, with room.
MAX_PREVIEW_RECORD: Final = 80 * 1024
_LENGTH = struct.Struct(">I")

Time = Annotated[int, msgspec.Meta(ge=0, le=2**53)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Ident = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Short = Annotated[str, msgspec.Meta(max_length=32)]
DeviceId = Annotated[int, msgspec.Meta(ge=1, le=2**32 - 1)]
Seed = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_MESSAGES)]
Timer = Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)]


class Manifest(msgspec.Struct, frozen=True, array_like=True, tag=0):
    """Who the backup is of, and about how much it holds (for progress only: messages may
    arrive while it is written; :class:`End` has the exact counts)."""

    version: int
    created_at: Time
    username: Name
    device_id: DeviceId
    conversations: Annotated[int, msgspec.Meta(ge=0, le=MAX_CONVERSATIONS)]
    messages: Count


class KeyCounter(msgspec.Struct, frozen=True, array_like=True):
    """The next key id of one kind, so keys made after the restore never reuse an id."""

    kind: Short
    next_id: Annotated[int, msgspec.Meta(ge=1, le=2**32 - 1)]


class Account(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """The account: the same identity and device, so contacts see no key change.

    Not the prekeys' private halves and not the sessions: the restored device makes new
    prekeys at its first connect and new sessions as a normal new session.
    """

    relay_url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    identity_seed: Seed
    device_key_seed: Seed | None
    device_key_registered: bool
    key_counters: Annotated[list[KeyCounter], msgspec.Meta(max_length=MAX_KEY_KINDS)]


class Setting(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """One stored setting, its value as the store's JSON text."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    value_json: Annotated[str, msgspec.Meta(max_length=MAX_SETTING_VALUE)]


class Appearance(msgspec.Struct, frozen=True, array_like=True, tag=3):
    """The profile's theme, text size and language (``appearance.json``, readable locked)."""

    json: Annotated[str, msgspec.Meta(max_length=MAX_APPEARANCE)]


class ContactRecord(msgspec.Struct, frozen=True, array_like=True, tag=4):
    """A contact, the identity key we trust for them, and whether it was verified."""

    address: Name
    display_name: Annotated[str, msgspec.Meta(max_length=MAX_DISPLAY_NAME_LENGTH)] | None
    identity_key: Annotated[bytes, msgspec.Meta(min_length=32, max_length=33)] | None
    verified: bool


class Chat(msgspec.Struct, frozen=True, array_like=True, tag=5):
    """A conversation's settings; its messages (``Entry``) follow, oldest first."""

    id: Name
    peer_address: Name | None
    title: Annotated[str, msgspec.Meta(max_length=MAX_DISPLAY_NAME_LENGTH)] | None
    timer: Timer
    pinned: bool
    muted: bool
    archived: bool
    marked_unread: bool
    draft: Annotated[str, msgspec.Meta(max_length=MAX_DRAFT_LENGTH)]


class FileInfo(msgspec.Struct, frozen=True, array_like=True):
    """A message's attachment; ``stored_size`` bytes of FileData follow when not None."""

    blob_id: Annotated[str, msgspec.Meta(max_length=128)] | None
    key: Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)] | None
    digest: Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)] | None
    size: Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTACHMENT_SIZE)] | None
    mime: Annotated[str, msgspec.Meta(max_length=MAX_MIME_TYPE_LENGTH)] | None
    file_name: Annotated[str, msgspec.Meta(max_length=MAX_FILE_NAME_LENGTH)] | None
    width: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    height: Annotated[int, msgspec.Meta(ge=1, le=65_535)] | None
    thumbnail: Annotated[bytes, msgspec.Meta(max_length=MAX_THUMBNAIL_SIZE)] | None
    local_status: Short | None
    stored_size: Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTACHMENT_SIZE)] | None


class QuoteRecord(msgspec.Struct, frozen=True, array_like=True):
    """What a reply quotes, as the backed-up device showed it."""

    target_id: Ident
    author: Name
    excerpt: Annotated[str, msgspec.Meta(max_length=MAX_QUOTE_EXCERPT)]
    kind: Short
    found: bool
    deleted: bool


class EditRecord(msgspec.Struct, frozen=True, array_like=True):
    """A text an edit replaced, and when (oldest first)."""

    edited_at: Time
    previous_body: Text


class ReactionRecord(msgspec.Struct, frozen=True, array_like=True):
    """One person's reaction (in the order the message shows them)."""

    reactor: Name
    emoji: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class Entry(msgspec.Struct, frozen=True, array_like=True, tag=6):
    """One message of the conversation before it, with its edits and reactions."""

    id: Ident
    sender: Name
    sender_device: DeviceId | None
    outgoing: bool
    sort_key: Time
    kind: Short
    body: Text | None
    status: Short
    sent_at: Time | None
    received_at: Time | None
    read_at: Time | None
    server_ts: Time | None
    expire_timer: Timer
    expires_at: Time | None
    undecryptable: bool
    deleted: bool
    attachment: FileInfo | None
    quote: QuoteRecord | None
    edited_at: Time | None
    delivered_at: Time | None
    read_by_peer_at: Time | None
    edits: Annotated[list[EditRecord], msgspec.Meta(max_length=MAX_EDITS)]
    reactions: Annotated[list[ReactionRecord], msgspec.Meta(max_length=MAX_REACTIONS)]
    #: The link preview's msgpack map (docs/protocol.md §4), checked again when restored;
    #: absent in backups made before previews (a trailing field: they still restore).
    preview: Annotated[bytes, msgspec.Meta(max_length=MAX_PREVIEW_RECORD)] | None = None


class FileData(msgspec.Struct, frozen=True, array_like=True, tag=7):
    """A piece of the file of the entry before it."""

    data: Annotated[bytes, msgspec.Meta(min_length=1, max_length=FILE_PIECE_BYTES)]


class End(msgspec.Struct, frozen=True, array_like=True, tag=8):
    """The last record: the counts again (a stream that ends early has no End)."""

    conversations: Annotated[int, msgspec.Meta(ge=0, le=MAX_CONVERSATIONS)]
    messages: Count
    files: Annotated[int, msgspec.Meta(ge=0, le=MAX_FILES)]


Record = Manifest | Account | Setting | Appearance | ContactRecord | Chat | Entry | FileData | End

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Record)


def frame(record: Record) -> bytes:
    """One record as it goes into the stream: its length, then its msgpack."""
    body = _encoder.encode(record)
    if len(body) > MAX_RECORD_BYTES:
        raise ValueError("a backup record is too large")
    return _LENGTH.pack(len(body)) + body


def records(chunks: Iterable[bytes]) -> Iterator[Record]:
    """The records of a plaintext stream given as pieces (bounded buffering).

    Raises:
        BackupDamaged: A record is malformed, out of bounds or too long, or the stream ends
            inside one.
    """
    buffer = bytearray()
    start = 0
    for chunk in chunks:
        buffer += chunk
        while True:
            if len(buffer) - start < _LENGTH.size:
                break
            (length,) = _LENGTH.unpack_from(buffer, start)
            if length > MAX_RECORD_BYTES:
                raise BackupDamaged("the backup is damaged (a record is too long)")
            end = start + _LENGTH.size + length
            if len(buffer) < end:
                break
            try:
                record = _decoder.decode(bytes(buffer[start + _LENGTH.size : end]))
            except (msgspec.ValidationError, msgspec.DecodeError):
                raise BackupDamaged("the backup is damaged (a record is malformed)") from None
            yield record
            start = end
        if start:
            del buffer[:start]
            start = 0
    if buffer:
        raise BackupDamaged("the backup is cut short")
