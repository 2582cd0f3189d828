"""Attachment files encrypted at rest, each with its own key kept (sealed) in the database.

A downloaded photo is never a plain file. The file is a short header then AES-256-GCM chunks
in the STREAM construction (nonce = chunk counter ‖ last-chunk flag), so chunks can't be
reordered, dropped or truncated unnoticed, and neither writing nor reading ever holds the whole
file in memory.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chat_desktop.crypto.vault import length_prefixed, open_row, seal_row
from chat_desktop.storage.atomic import fsync_directory
from chat_desktop.storage.db import Database
from chat_desktop.storage.errors import AttachmentCorrupt, NotFound

Clock = Callable[[], int]
KeySource = Callable[[], bytes]

CHUNK_BYTES = 64 * 1024
_TAG_BYTES = 16
_MAGIC = b"CDAF\x01"
_HEADER = struct.Struct(">5sI")
_TABLE = "attachment_files"
_SUFFIX = ".enc"


@dataclass(frozen=True, slots=True)
class OrphanCleanup:
    """What :meth:`AttachmentFiles.remove_orphans` removed.

    Attributes:
        files: Files removed (no key row, or a temporary file left by a crash).
        rows: Key rows removed (no message refers to them any more).
    """

    files: int
    rows: int


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attachment file written at rest.

    Attributes:
        file_id: Its id (stored in the message row's ``local_file_id``).
        size: Plaintext size in bytes.
    """

    file_id: str
    size: int


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _associated_data(file_id: str, header: bytes) -> bytes:
    return length_prefixed(b"chat_desktop attachment v1", file_id.encode(), header)


class AttachmentReader(io.RawIOBase):
    """A readable stream of a decrypted attachment, chunk by chunk.

    Raises :class:`AttachmentCorrupt` from ``read`` if the file was altered or truncated.
    """

    def __init__(self, path: Path, file_id: str, key: bytes) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._size = os.fstat(self._file.fileno()).st_size
        header = self._file.read(_HEADER.size)
        try:
            magic, self._chunk_bytes = _HEADER.unpack(header)
        except struct.error as error:
            self._file.close()
            raise AttachmentCorrupt("the attachment file is truncated") from error
        if magic != _MAGIC or not 0 < self._chunk_bytes <= 16 * CHUNK_BYTES:
            self._file.close()
            raise AttachmentCorrupt("the attachment file has an unknown format")
        self._cipher: AESGCM | None = AESGCM(key)
        self._ad = _associated_data(file_id, header)
        self._index = 0
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        """Always True."""
        return True

    def _next_chunk(self) -> None:
        if self._cipher is None:
            raise ValueError("the attachment stream is closed")
        sealed = self._file.read(self._chunk_bytes + _TAG_BYTES)
        last = self._file.tell() >= self._size
        try:
            self._buffer = self._cipher.decrypt(_nonce(self._index, last), sealed, self._ad)
        except (InvalidTag, ValueError) as error:
            raise AttachmentCorrupt("the attachment file was altered or truncated") from error
        self._index += 1
        self._done = last

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` with decrypted bytes; 0 at the end of the file."""
        while not self._buffer and not self._done:
            self._next_chunk()
        count = min(len(buffer), len(self._buffer))
        buffer[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def close(self) -> None:
        """Close the file and drop the key."""
        self._cipher = None
        self._buffer = b""
        self._file.close()
        super().close()


@dataclass(frozen=True, slots=True)
class FinishedAttachment:
    """A file written and fsynced by :class:`AttachmentWriter`, not yet recorded.

    Attributes:
        file_id: Its id.
        key: Its 32-byte at-rest key (secret; sealed into the database by ``commit``).
        size: Plaintext size in bytes.
    """

    file_id: str
    key: bytes = field(repr=False)
    size: int


class AttachmentWriter(io.RawIOBase):
    """A writable stream that encrypts at rest as it goes, one chunk in memory at most.

    Create it with :meth:`AttachmentFiles.begin`; call :meth:`finish` once everything is
    written (then :meth:`AttachmentFiles.commit`), or :meth:`discard` to drop it. Until
    ``finish`` the data lives in a ``.tmp`` file that orphan cleanup removes after a crash.
    """

    def __init__(self, directory: Path, file_id: str) -> None:
        super().__init__()
        self.file_id = file_id
        self._directory = directory
        self._key = secrets.token_bytes(32)
        self._cipher = AESGCM(self._key)
        header = _HEADER.pack(_MAGIC, CHUNK_BYTES)
        self._ad = _associated_data(file_id, header)
        self._target = directory / f"{file_id}{_SUFFIX}"
        self._temporary = self._target.with_name(self._target.name + ".tmp")
        descriptor = os.open(self._temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: BinaryIO | None = os.fdopen(descriptor, "wb")
        self._file.write(header)
        self._pending = bytearray()
        self._index = 0
        self._size = 0

    def writable(self) -> bool:
        """Always True."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Encrypt ``data`` (buffered up to one chunk); returns its length."""
        if self._file is None:
            raise ValueError("the attachment writer is closed")
        self._pending += data
        self._size += len(data)
        # A full chunk is sealed only once more data follows: the last chunk is flagged.
        while len(self._pending) > CHUNK_BYTES:
            self._seal(bytes(self._pending[:CHUNK_BYTES]), last=False)
            del self._pending[:CHUNK_BYTES]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        assert self._file is not None
        self._file.write(self._cipher.encrypt(_nonce(self._index, last), chunk, self._ad))
        self._index += 1

    def finish(self) -> FinishedAttachment:
        """Seal the last chunk, fsync and move the file into place."""
        if self._file is None:
            raise ValueError("the attachment writer is closed")
        self._seal(bytes(self._pending), last=True)
        self._pending = bytearray()
        file, self._file = self._file, None
        with file:
            file.flush()
            os.fsync(file.fileno())
        os.replace(self._temporary, self._target)
        fsync_directory(self._directory)
        super().close()
        return FinishedAttachment(self.file_id, self._key, self._size)

    def discard(self) -> None:
        """Drop everything written so far (nothing is kept)."""
        if self._file is not None:
            file, self._file = self._file, None
            file.close()
        self._pending = bytearray()
        self._temporary.unlink(missing_ok=True)
        super().close()

    def close(self) -> None:
        """Discard unless :meth:`finish` ran (closing is never a silent commit)."""
        if self._file is not None:
            self.discard()
        super().close()


class AttachmentFiles:
    """Write, read and delete encrypted-at-rest attachment files.

    Args:
        database: The open database (holds each file's sealed key).
        directory: The profile's attachments folder.
        clock: Current time in ms.
        row_key: Returns the row-wrap key (raises once the store is closed).
    """

    def __init__(
        self, database: Database, directory: Path, clock: Clock, row_key: KeySource
    ) -> None:
        self._db = database
        self._directory = directory
        self._clock = clock
        self._row_key = row_key
        self._readers: weakref.WeakSet[AttachmentReader] = weakref.WeakSet()
        # Files written since the store opened: the engine links them to a message in a later
        # call, so orphan cleanup leaves them alone until the next session.
        self._written: set[str] = set()
        self._written_lock = threading.Lock()

    def path_of(self, file_id: str) -> Path:
        """Where a file id is stored."""
        return self._directory / f"{file_id}{_SUFFIX}"

    def begin(self) -> AttachmentWriter:
        """Start a new file; write to it from any thread, then :meth:`commit` it.

        Only :meth:`commit` touches the database, so a long file can be encrypted outside the
        store's thread and the store stays responsive meanwhile.
        """
        file_id = uuid.uuid4().hex
        with self._written_lock:
            self._written.add(file_id)
        self._directory.mkdir(parents=True, exist_ok=True)
        return AttachmentWriter(self._directory, file_id)

    def commit(self, finished: FinishedAttachment) -> StoredAttachment:
        """Record a finished file's key (sealed) so it can be opened; store thread only."""
        sealed_key = seal_row(self._row_key(), _TABLE, finished.file_id, finished.key)
        self._db.execute(
            "INSERT INTO attachment_files(id, sealed_key, size, created_at) VALUES (?, ?, ?, ?)",
            (finished.file_id, sealed_key, finished.size, self._clock()),
        )
        return StoredAttachment(file_id=finished.file_id, size=finished.size)

    def discard(self, file_id: str) -> None:
        """Remove a file that was finished but never committed (any thread)."""
        self.path_of(file_id).unlink(missing_ok=True)

    def write(self, source: BinaryIO) -> StoredAttachment:
        """Encrypt everything ``source`` yields into a new file; return its id and size.

        The file is complete and fsynced before its key is committed to the database, so a
        crash can leave an unused file (harmless, unreadable) but never a row without its file.
        """
        writer = self.begin()
        try:
            while chunk := source.read(CHUNK_BYTES):
                writer.write(chunk)
            finished = writer.finish()
        except BaseException:
            writer.discard()
            raise
        try:
            return self.commit(finished)
        except BaseException:
            self.discard(finished.file_id)
            raise

    def open(self, file_id: str) -> BinaryIO:
        """A buffered readable stream of the decrypted file.

        Raises:
            NotFound: No such attachment (deleted, or never stored).
            AttachmentCorrupt: The key row or the file was altered.
        """
        sealed_key = self._db.query_value(
            "SELECT sealed_key FROM attachment_files WHERE id = ?", (file_id,)
        )
        if sealed_key is None:
            raise NotFound("no such attachment")
        try:
            key = open_row(self._row_key(), _TABLE, file_id, sealed_key)
        except Exception as error:
            raise AttachmentCorrupt("the attachment's key row is damaged") from error
        try:
            reader = AttachmentReader(self.path_of(file_id), file_id, key)
        except FileNotFoundError as error:
            raise NotFound("the attachment file is missing") from error
        self._readers.add(reader)
        return io.BufferedReader(reader, buffer_size=CHUNK_BYTES)

    def size_of(self, file_id: str) -> int | None:
        """Plaintext size of a stored attachment, or None."""
        value = self._db.query_value("SELECT size FROM attachment_files WHERE id = ?", (file_id,))
        return None if value is None else int(value)

    def delete(self, file_id: str) -> None:
        """Forget the key and remove the file (after the surrounding transaction commits)."""
        path = self.path_of(file_id)
        with self._db.transaction():
            self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
            self._db.after_commit(lambda: path.unlink(missing_ok=True))

    def remove_orphans(self) -> OrphanCleanup:
        """Remove attachment files and key rows that no message refers to any more.

        They are left by a crash between writing a file and recording it, by a conversation
        deleted before this version cleaned up its files, or by a crash after a delete
        committed but before its files were unlinked. Files and rows written since the store
        opened are kept (the engine links them to their message in a later step). Runs under
        the connection lock, so no write of another thread is half done meanwhile; files are
        unlinked after the row deletions commit.
        """
        with self._written_lock:
            recent = set(self._written)
        with self._db.hold(), self._db.transaction():
            unreferenced = [
                str(row[0])
                for row in self._db.query_all(
                    "SELECT id FROM attachment_files AS f WHERE NOT EXISTS "
                    "(SELECT 1 FROM messages WHERE att_file_id = f.id)"
                )
                if row[0] not in recent
            ]
            for file_id in unreferenced:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
            kept = {str(row[0]) for row in self._db.query_all("SELECT id FROM attachment_files")}
            doomed = []
            if self._directory.is_dir():
                for path in self._directory.iterdir():
                    name = path.name
                    if name.endswith(_SUFFIX + ".tmp"):
                        file_id = name[: -len(_SUFFIX + ".tmp")]
                    elif name.endswith(_SUFFIX):
                        file_id = name[: -len(_SUFFIX)]
                    else:
                        continue  # not ours
                    if file_id in recent or (file_id in kept and name.endswith(_SUFFIX)):
                        continue
                    doomed.append(path)
            self._db.after_commit(lambda: _unlink_all(doomed))
        return OrphanCleanup(files=len(doomed), rows=len(unreferenced))

    def close_readers(self) -> None:
        """Close every open reader (drops their keys); used when the store locks."""
        for reader in list(self._readers):
            reader.close()


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
