"""What the relay needs of the place its encrypted attachment blobs live.

Two backends implement :class:`BlobStorage`: files in the data folder
(:class:`~chat_desktop.relay.blobs.BlobFiles`, the embedded default) and an S3-compatible
bucket (:class:`~chat_desktop.relay.s3_blobs.S3Blobs`, for several relay processes). The
blob HTTP endpoints and the sweeper only talk to this interface, so both backends give the
same limits, the same answers and the same expiry.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

_BLOB_ID: Final = re.compile(r"[0-9a-f]{32}")


class BlobTooLarge(Exception):
    """An upload went past its announced size or the protocol's maximum; nothing is kept."""


class BlobStorageUnavailable(Exception):
    """The storage could not be reached or refused the relay (wrong credentials, no such
    bucket); the operation changed nothing and may be retried. The message names the cause
    but never a credential."""


def new_blob_id() -> str:
    """Returns a fresh random blob id (128 bits, lower-case hex)."""
    return secrets.token_hex(16)


def check_blob_id(blob_id: str) -> str:
    """Returns ``blob_id`` if it is relay-made (32 lower-case hex digits).

    Raises:
        ValueError: It is not (guards file paths and object keys against tricks).
    """
    if not _BLOB_ID.fullmatch(blob_id):
        raise ValueError("malformed blob id")
    return blob_id


@dataclass(frozen=True)
class LocalBlob:
    """A complete blob that is a file on this machine: the server sends it directly."""

    path: Path
    size: int


@dataclass(frozen=True)
class StreamedBlob:
    """A complete blob read from elsewhere, chunk by chunk.

    Attributes:
        size: Its length in bytes (sent as ``Content-Length``).
        chunks: Its bytes, in order.
        close: Releases the connection behind ``chunks``; the reader always awaits it, also
            when it stops early or never started reading.
    """

    size: int
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


#: What :meth:`BlobStorage.open` finds.
StoredBlob = LocalBlob | StreamedBlob


class BlobStorage(Protocol):
    """Where complete blobs are kept, by relay-made id."""

    async def start(self) -> None:
        """Makes the storage ready (folders, connections) before the relay serves.

        Raises:
            BlobStorageUnavailable: It cannot be used; the relay must not start.
        """
        ...

    async def stop(self) -> None:
        """Releases what :meth:`start` opened."""
        ...

    async def write(self, blob_id: str, chunks: AsyncIterator[bytes], max_size: int) -> int:
        """Streams ``chunks`` into the blob and returns the number of bytes stored.

        Only a complete upload becomes visible; a failed one leaves nothing behind.

        Raises:
            BlobTooLarge: More than ``max_size`` bytes arrived.
            BlobStorageUnavailable: The storage failed.
            ValueError: ``blob_id`` is malformed.
        """
        ...

    async def open(self, blob_id: str) -> StoredBlob | None:
        """Returns the complete blob, or None if there is none (never uploaded or deleted).

        Raises:
            BlobStorageUnavailable: The storage failed.
            ValueError: ``blob_id`` is malformed.
        """
        ...

    async def delete(self, blob_ids: list[str]) -> None:
        """Deletes blobs; ids with nothing stored (or malformed) are skipped.

        Raises:
            BlobStorageUnavailable: The storage failed (the sweeper logs it).
        """
        ...
