"""Using a stored attachment: saving it, opening it with another application, reading it.

A file is stored encrypted at rest (:mod:`chat_desktop.storage.attachment_files`); these
decrypt it chunk by chunk into the destination. A saved copy replaces its destination only
once complete; a copy for another application lives in a private folder of the profile that
is removed when the client closes (and at the next start, after a crash); small images are
handed over in memory for the conversation's bubbles.

The store's thread only finds a file and unseals its key; the decryption itself runs in a
worker thread, so a large picture being decrypted never holds up the pages and other store
calls queued behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import BinaryIO, Final

from chat_desktop.services.attachment_errors import (
    AttachmentTooLargeToRead,
    AttachmentUnavailable,
)
from chat_desktop.services.attachment_streams import Stopped, run_stoppable
from chat_desktop.services.context import EngineContext
from chat_desktop.services.file_types import refuse_if_it_could_run, safe_file_name
from chat_desktop.storage.models import AttachmentInfo, MessageKey

#: :meth:`StoredAttachments.read` hands bytes out for images in bubbles only, up to this.
MAX_READ_BYTES: Final = 25 * 1024 * 1024
_COPY_CHUNK: Final = 256 * 1024


class StoredAttachments:
    """Hands out the decrypted content of downloaded (or sent) attachments."""

    def __init__(self, context: EngineContext, open_cache: Path) -> None:
        """Removes the copies for opening a crash left behind: they were for one session only.

        Args:
            context: The engine, whose store holds the files.
            open_cache: The private folder where copies for other applications go.
        """
        self._context = context
        self._open_cache = open_cache
        shutil.rmtree(self._open_cache, ignore_errors=True)

    async def close(self) -> None:
        """Removes the copies made for other applications."""
        await asyncio.to_thread(shutil.rmtree, self._open_cache, True)

    async def _stored(self, key: MessageKey) -> AttachmentInfo:
        worker = self._context.worker
        message = await worker.run(worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or not info.local_file_id:
            raise AttachmentUnavailable("the attachment is not downloaded")
        return info

    async def _copy_out(self, file_id: str, destination: Path, mode: int) -> None:
        worker = self._context.worker
        stream = await worker.run(worker.store.attachments.open, file_id)
        try:
            await run_stoppable(self._context, _copy_atomically, stream, destination, mode)
        finally:
            stream.close()

    async def save(self, key: MessageKey, destination: Path) -> None:
        """Writes the decrypted file to ``destination`` (replacing it), chunk by chunk.

        The copy goes to a temporary file beside ``destination`` that is renamed over it once
        complete, so ``destination`` is never half-written; cancelling removes the copy.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        await self._copy_out(info.local_file_id, destination, 0o666)

    async def path_for_opening(self, key: MessageKey) -> Path:
        """A decrypted copy, for another application, in the private folder for opening.

        The copy keeps the file's name (made safe) so the application can tell its type; it
        is made once per session, and never for a file that could run a program.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        refuse_if_it_could_run(info.file_name)
        label = f"{key.conversation_id}\x00{key.message_id}".encode()
        folder = self._open_cache / hashlib.sha256(label).hexdigest()[:32]
        target = folder / safe_file_name(info.file_name)

        def prepare() -> bool:
            for directory in (self._open_cache, folder):
                directory.mkdir(mode=0o700, exist_ok=True)
                os.chmod(directory, 0o700)
            return target.is_file() and target.stat().st_size == info.size

        if not await asyncio.to_thread(prepare):
            await self._copy_out(info.local_file_id, target, 0o600)
        await asyncio.to_thread(refuse_if_it_could_run, info.file_name, target)
        return target

    async def read(self, key: MessageKey) -> bytes:
        """The decrypted bytes of a stored attachment of at most :data:`MAX_READ_BYTES`.

        The file is opened on the store's thread (its key row is read there) and decrypted in
        a worker thread, off the store's thread.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        if info.size is not None and info.size > MAX_READ_BYTES:
            raise AttachmentTooLargeToRead("this file is too large to show; save or open it")
        worker = self._context.worker
        stream = await worker.run(worker.store.attachments.open, info.local_file_id)
        return await asyncio.to_thread(_read_whole, stream)


def _copy_atomically(stream: BinaryIO, destination: Path, mode: int, stop: threading.Event) -> None:
    """Copies ``stream`` to a temporary file beside ``destination``, then renames it."""
    temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as sink:
            while chunk := stream.read(_COPY_CHUNK):
                if stop.is_set():
                    raise Stopped
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _read_whole(stream: BinaryIO) -> bytes:
    """Decrypts a whole opened attachment (in a worker thread), then closes it."""
    with stream:
        data = stream.read(MAX_READ_BYTES + 1)
    if len(data) > MAX_READ_BYTES:
        raise AttachmentTooLargeToRead("this file is too large to show; save or open it")
    return bytes(data)
