"""The streaming at-rest writer: same format as ``write``, any chunking, nothing left on discard."""

from __future__ import annotations

import io
import os

import pytest

from chat_desktop.storage.attachment_files import CHUNK_BYTES
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES]
)
@pytest.mark.parametrize("piece", [1000, CHUNK_BYTES, 5 * CHUNK_BYTES])
def test_streamed_writes_read_back_whatever_the_piece_size(
    store: MessageStore, size: int, piece: int
) -> None:
    data = os.urandom(size)
    writer = store.attachments.begin()
    for start in range(0, size, piece):
        writer.write(data[start : start + piece])
    stored = store.attachments.commit(writer.finish())
    assert stored.size == size
    with store.attachments.open(stored.file_id) as stream:
        assert stream.read() == data
    # The same file as the one-shot ``write`` makes (it is built on the writer).
    same = store.attachments.write(io.BytesIO(data))
    assert (
        store.attachments.path_of(same.file_id).stat().st_size
        == store.attachments.path_of(stored.file_id).stat().st_size
    )


def test_a_discarded_or_uncommitted_file_leaves_nothing(store: MessageStore) -> None:
    folder = store.paths.attachments
    writer = store.attachments.begin()
    writer.write(os.urandom(3 * CHUNK_BYTES))
    writer.discard()
    finished_writer = store.attachments.begin()
    finished_writer.write(b"kept only until discarded")
    finished = finished_writer.finish()
    store.attachments.discard(finished.file_id)
    closed = store.attachments.begin()
    closed.write(b"closing without finish is no commit")
    closed.close()
    assert [path for path in folder.glob("*") if path.is_file()] == []
    assert "key" not in repr(finished).replace("file_id", "")
