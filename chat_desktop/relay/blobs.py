"""Encrypted attachment blobs as files in the relay's data folder (the embedded default).

Uploads are streamed to a temporary file, counted as they arrive and refused the moment they
pass their limit; only a complete upload is fsynced and renamed into place. File work runs in
worker threads so the event loop never waits on the disk. Implements
:class:`~chat_desktop.relay.blob_storage.BlobStorage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from chat_desktop.relay.blob_storage import BlobTooLarge as BlobTooLarge
from chat_desktop.relay.blob_storage import LocalBlob, check_blob_id
from chat_desktop.relay.blob_storage import new_blob_id as new_blob_id


class BlobFiles:
    """The folder of blob files: ``<dir>/<blob_id>``, partial uploads in ``<dir>/partial``."""

    def __init__(self, directory: Path) -> None:
        """Uses ``directory``; :meth:`prepare` (or :meth:`start`) creates it."""
        self._directory = directory
        self._partial = directory / "partial"

    def prepare(self) -> None:
        """Creates the folders and drops partial uploads left by a crash."""
        self._partial.mkdir(parents=True, exist_ok=True)
        for leftover in self._partial.iterdir():
            leftover.unlink(missing_ok=True)

    async def start(self) -> None:
        """:meth:`prepare` in a worker thread."""
        await asyncio.to_thread(self.prepare)

    async def stop(self) -> None:
        """Nothing to release: files are opened per request."""

    def path(self, blob_id: str) -> Path:
        """Returns the file of a complete blob.

        Raises:
            ValueError: ``blob_id`` is not a relay-made id (guards against path tricks).
        """
        return self._directory / check_blob_id(blob_id)

    async def write(self, blob_id: str, chunks: AsyncIterator[bytes], max_size: int) -> int:
        """Streams ``chunks`` into the blob's file and returns the number of bytes written.

        Raises:
            BlobTooLarge: More than ``max_size`` bytes arrived; nothing is kept.
        """
        final = self.path(blob_id)
        partial = self._partial / f"{blob_id}.{secrets.token_hex(4)}"
        file = await asyncio.to_thread(partial.open, "wb")
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise BlobTooLarge("upload is larger than allowed")
                await asyncio.to_thread(file.write, chunk)
            await asyncio.to_thread(_sync_and_close, file)
            await asyncio.to_thread(os.replace, partial, final)
        except BaseException:
            await asyncio.to_thread(_close_and_remove, file, partial)
            raise
        return size

    async def open(self, blob_id: str) -> LocalBlob | None:
        """Returns the blob's file and size, or None when there is no such file."""
        path = self.path(blob_id)
        try:
            status = await asyncio.to_thread(path.stat)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        return LocalBlob(path, status.st_size)

    async def delete(self, blob_ids: list[str]) -> None:
        """Deletes blob files; ids whose file is already gone are skipped."""

        def remove_all() -> None:
            for blob_id in blob_ids:
                with contextlib.suppress(ValueError):
                    self.path(blob_id).unlink(missing_ok=True)

        await asyncio.to_thread(remove_all)


def _sync_and_close(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())
    file.close()


def _close_and_remove(file: BinaryIO, path: Path) -> None:
    file.close()
    path.unlink(missing_ok=True)
