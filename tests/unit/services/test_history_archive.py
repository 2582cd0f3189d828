"""The link-time history archive (v2): versions other than ours and files out of bounds are
refused with a clear :class:`ArchiveRejected`, before anything is imported."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.services.history_transfer import (
    ARCHIVE_VERSION,
    INLINE_FILE_MAX,
    ArchivedAttachment,
    ArchivedConversation,
    ArchivedMessage,
    ArchiveRejected,
    HistoryArchive,
    decode_archive,
)

pytestmark = pytest.mark.unit

MESSAGE_ID = "01a24f41-3903-7b07-ab63-3bae48ad4aa8"


def _archive(attachment: ArchivedAttachment | None, version: int = ARCHIVE_VERSION) -> bytes:
    message = ArchivedMessage(
        id=MESSAGE_ID,
        outgoing=False,
        kind="attachment" if attachment is not None else "text",
        body=None,
        sent_at=1_700_000_000_000,
        received_at=None,
        read_at=None,
        expire_timer=0,
        expires_at=None,
        status="delivered",
        attachment=attachment,
        sort_key=1_700_000_000_000,
        quote=None,
        edited_at=None,
        edits=[],
        reactions=[],
        delivered_at=None,
        read_by_peer_at=None,
    )
    conversation = ArchivedConversation(
        peer="bob",
        timer=0,
        pinned=True,
        muted=False,
        archived=False,
        marked_unread=False,
        messages=[message],
    )
    return msgspec.msgpack.encode(HistoryArchive(v=version, conversations=[conversation]))


def _file(data: bytes, size: int) -> ArchivedAttachment:
    return ArchivedAttachment(
        blob_id=None,
        key=None,
        digest=None,
        size=size,
        mime="text/plain",
        file_name="notes.txt",
        width=None,
        height=None,
        thumbnail=None,
        data=data,
    )


def test_our_version_with_an_inline_file_decodes() -> None:
    archive = decode_archive(_archive(_file(b"kiwi", 4)))
    attachment = archive.conversations[0].messages[0].attachment
    assert attachment is not None and attachment.data == b"kiwi"
    assert archive.conversations[0].pinned


@pytest.mark.parametrize("version", [1, 3, 0, -1])
def test_another_version_is_refused_and_named(version: int) -> None:
    with pytest.raises(ArchiveRejected, match=f"version {version}"):
        decode_archive(_archive(None, version=version))


def test_a_v1_archive_is_refused_as_another_version_not_as_garbage() -> None:
    # What a device of the previous release sends: [1, [[peer, timer, [messages]]]].
    old = msgspec.msgpack.encode([1, [["bob", 0, []]]])
    with pytest.raises(ArchiveRejected, match="version 1"):
        decode_archive(old)


def test_an_inline_file_of_another_size_than_declared_is_refused() -> None:
    with pytest.raises(ArchiveRejected, match="size"):
        decode_archive(_archive(_file(b"kiwi", 5)))


def test_an_inline_file_over_the_bound_is_refused() -> None:
    big = b"\0" * (INLINE_FILE_MAX + 1)
    with pytest.raises(ArchiveRejected, match="malformed"):
        decode_archive(_archive(_file(big, len(big))))


def test_garbage_is_refused() -> None:
    with pytest.raises(ArchiveRejected, match="malformed"):
        decode_archive(b"\xc1not msgpack")
