"""The backup file's bytes: header, passphrase key, and the stream of sealed chunks.

A backup is one file (docs/protocol.md §12)::

    header (58 bytes) ‖ chunk 0 ‖ chunk 1 ‖ … ‖ chunk n (the final one)
    chunk = u32be(L) ‖ AES-256-GCM(K, nonce = u88be(index) ‖ u8(final), AD = header,
                                   u8(encoding) ‖ payload)

The header holds the Argon2id salt and parameters (bounded: a file can't make reading it
exhaust the machine) and a 16-byte check of the key, so a wrong passphrase is told apart from
a damaged file before anything is read. The key comes from the passphrase through Argon2id
(the vault's helper, which holds the process's one Argon2id lock) and HKDF.

Each chunk's nonce binds its index and whether it is the last one, and every chunk
authenticates the header, so a flipped byte, a chunk moved or dropped, a file cut short or
extended, or a header changed is refused (:class:`BackupDamaged`). The payloads, joined, are
the plaintext stream of records (:mod:`chat_desktop.services.backup_records`); a payload is
at most the header's chunk size once inflated (zlib raw deflate, inflating stops at the
bound: no decompression bomb). Memory stays bounded by a chunk on either side.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.vault import (
    MAX_ITERATIONS,
    MAX_LANES,
    MAX_MEMORY_KIB,
    SALT_BYTES,
    Argon2Params,
    derive_password_kek,
)

MAGIC: Final = b"CDBACKUP"
FORMAT_VERSION: Final = 1
#: magic, version, memory KiB, iterations, lanes, salt, chunk size, key check.
_HEADER = struct.Struct(">8sHIII16sI16s")
HEADER_BYTES: Final = _HEADER.size  # 58
CHECK_BYTES: Final = 16
TAG_BYTES: Final = 16
#: Plaintext bytes per chunk: what a writer uses, and the bounds a reader accepts.
CHUNK_BYTES: Final = 1024 * 1024
MIN_CHUNK_BYTES: Final = 64 * 1024
MAX_CHUNK_BYTES: Final = 4 * 1024 * 1024
#: Most chunks in one file (2^32 chunks of ≥ 64 KiB: far beyond any profile).
MAX_CHUNKS: Final = 2**32
STORED: Final = 0
DEFLATED: Final = 1
#: A backup's Argon2id cost: 256 MiB, 3 passes, 4 lanes (about a second), well above the
#: vault's floor: the file may travel, so a guesser must pay more than for the vault.
DEFAULT_PARAMS: Final = Argon2Params(memory_kib=256 * 1024, iterations=3, lanes=4)
#: Below this a header is refused (RFC 9106's second recommendation, as the vault's floor).
MIN_MEMORY_KIB: Final = 64 * 1024
MIN_ITERATIONS: Final = 1
_KEY_INFO: Final = b"chat_desktop backup v1 chunks"
_CHECK_INFO: Final = b"chat_desktop backup v1 check"
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup could not be written or read (the message is for the user; no secret)."""


class BackupDamaged(BackupError):
    """The file is not an intact backup: altered, cut short, reordered, or not a backup."""


class BackupWrongPassphrase(BackupError):
    """The passphrase does not open this backup."""


class BackupUnsupported(BackupError):
    """The backup was made by another version of the app, or with out-of-bounds settings."""


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=info).derive(secret)


class _Keys:
    """The chunk key and the key check, from the passphrase (one Argon2id derivation)."""

    def __init__(self, passphrase: str, salt: bytes, params: Argon2Params) -> None:
        secret = derive_password_kek(passphrase, salt, params)
        self.aead = AESGCM(_hkdf(secret, _KEY_INFO))
        self.check = _hkdf(secret, _CHECK_INFO)[:CHECK_BYTES]


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class BackupWriter:
    """Writes a backup file: header, then the plaintext stream sealed chunk by chunk.

    Writes go to ``<path>.<random>.partial`` and the file takes its name only in :meth:`finish`
    (fsynced), so a backup that failed or was cancelled never looks like a finished one.
    Call :meth:`abort` on failure. Any thread, one at a time.
    """

    def __init__(
        self,
        path: Path,
        passphrase: str,
        *,
        params: Argon2Params = DEFAULT_PARAMS,
        chunk_bytes: int = CHUNK_BYTES,
        compress: bool = True,
    ) -> None:
        """Derives the key (about a second) and writes the header."""
        if not MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError("the chunk size is out of bounds")
        salt = os.urandom(SALT_BYTES)
        keys = _Keys(passphrase, salt, params)
        self._aead = keys.aead
        self._header = _HEADER.pack(
            MAGIC,
            FORMAT_VERSION,
            params.memory_kib,
            params.iterations,
            params.lanes,
            salt,
            chunk_bytes,
            keys.check,
        )
        self._chunk_bytes = chunk_bytes
        self._compress = compress
        self._path = path
        self._partial = path.with_name(f"{path.name}.{os.urandom(4).hex()}.partial")
        self._buffer = bytearray()
        self._index = 0
        self._file: BinaryIO | None = open(self._partial, "wb")  # noqa: SIM115 - closed in finish
        os.chmod(self._partial, 0o600)
        self._file.write(self._header)
        self.bytes_written = HEADER_BYTES

    def write(self, data: bytes) -> None:
        """Appends ``data`` to the plaintext stream (sealed once a chunk is full)."""
        self._buffer += data
        while len(self._buffer) >= self._chunk_bytes:
            piece = bytes(self._buffer[: self._chunk_bytes])
            del self._buffer[: self._chunk_bytes]
            self._seal(piece, final=False)

    def _seal(self, payload: bytes, *, final: bool) -> None:
        assert self._file is not None
        body = bytes([STORED]) + payload
        if self._compress and payload:
            packer = zlib.compressobj(1, zlib.DEFLATED, -15)
            packed = packer.compress(payload) + packer.flush()
            if len(packed) < len(payload):
                body = bytes([DEFLATED]) + packed
        sealed = self._aead.encrypt(_nonce(self._index, final), body, self._header)
        self._file.write(_LENGTH.pack(len(sealed)))
        self._file.write(sealed)
        self.bytes_written += _LENGTH.size + len(sealed)
        self._index += 1

    def finish(self) -> int:
        """Seals the last chunk, makes the file durable and gives it its name; its size."""
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self._partial, self._path)
        return self.bytes_written

    def abort(self) -> None:
        """Drops the unfinished file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._partial.unlink(missing_ok=True)


class BackupReader:
    """Reads a backup file back into its plaintext stream, checking every chunk.

    Raises (from the constructor or while iterating):
        BackupDamaged: Not a backup, or altered, cut short, reordered or extended.
        BackupUnsupported: Another format version, or parameters out of bounds.
        BackupWrongPassphrase: The passphrase does not open it.
    """

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        """Reads and checks the header and the passphrase (one Argon2id derivation)."""
        header = source.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupDamaged("this file is not a chat backup")
        _, version, memory, iterations, lanes, salt, chunk_bytes, check = _HEADER.unpack(header)
        if version != FORMAT_VERSION:
            raise BackupUnsupported(
                f"this backup has format version {version}; this app reads version {FORMAT_VERSION}"
            )
        params = Argon2Params(memory_kib=memory, iterations=iterations, lanes=lanes)
        if not (
            MIN_MEMORY_KIB <= memory <= MAX_MEMORY_KIB
            and MIN_ITERATIONS <= iterations <= MAX_ITERATIONS
            and 1 <= lanes <= MAX_LANES
            and params.within_limits()
            and MIN_CHUNK_BYTES <= chunk_bytes <= MAX_CHUNK_BYTES
        ):
            raise BackupUnsupported("this backup's settings are out of bounds")
        keys = _Keys(passphrase, salt, params)
        if keys.check != check:
            raise BackupWrongPassphrase("the passphrase does not open this backup")
        self._source = source
        self._aead = keys.aead
        self._header = header
        self._chunk_bytes = chunk_bytes
        self.position = HEADER_BYTES

    def chunks(self) -> Iterator[bytes]:
        """Each chunk's payload in order; ends after the final chunk and the file's end."""
        most = 1 + self._chunk_bytes + TAG_BYTES
        for index in range(MAX_CHUNKS):
            length_bytes = self._source.read(_LENGTH.size)
            if len(length_bytes) != _LENGTH.size:
                raise BackupDamaged("the backup is cut short")
            (length,) = _LENGTH.unpack(length_bytes)
            if not 1 + TAG_BYTES <= length <= most:
                raise BackupDamaged("the backup is damaged (a chunk has an impossible size)")
            sealed = self._source.read(length)
            if len(sealed) != length:
                raise BackupDamaged("the backup is cut short")
            self.position += _LENGTH.size + length
            body, final = self._open(index, sealed)
            yield self._inflate(body)
            if final:
                if self._source.read(1):
                    raise BackupDamaged("the backup has bytes after its end")
                return
        raise BackupDamaged("the backup has too many chunks")

    def _open(self, index: int, sealed: bytes) -> tuple[bytes, bool]:
        for final in (False, True):
            try:
                return self._aead.decrypt(_nonce(index, final), sealed, self._header), final
            except InvalidTag:
                continue
        raise BackupDamaged("the backup is damaged or was altered")

    def _inflate(self, body: bytes) -> bytes:
        encoding, payload = body[0], body[1:]
        if encoding == STORED:
            if len(payload) > self._chunk_bytes:
                raise BackupDamaged("the backup is damaged (a chunk is too large)")
            return payload
        if encoding != DEFLATED:
            raise BackupDamaged("the backup is damaged (unknown chunk encoding)")
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(payload, self._chunk_bytes)
        except zlib.error:
            raise BackupDamaged("the backup is damaged (a chunk does not inflate)") from None
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            raise BackupDamaged("the backup is damaged (a chunk inflates past its size)")
        return data
