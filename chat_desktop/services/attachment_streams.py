"""Streaming copies that run in a worker thread and stop between chunks when cancelled.

An attachment is encrypted, decrypted and copied chunk by chunk in a thread, so the event
loop stays free and a 100 MiB file is never whole in memory. A cancelled transfer cannot
interrupt a thread: it sets a ``stop`` event the thread checks between chunks, then waits
for the thread to clean up, so nothing half-written outlives the cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from chat_desktop.services.context import EngineContext
from chat_desktop.storage.attachment_files import AttachmentWriter, FinishedAttachment


class Stopped(Exception):
    """A copy or decryption running in a thread was told to stop (its transfer was cancelled)."""


class StoppableWriter(io.RawIOBase):
    """Passes writes on to ``target`` until ``stop`` is set, then raises :class:`Stopped`."""

    def __init__(self, target: BinaryIO | AttachmentWriter, stop: threading.Event) -> None:
        """Writes will go to ``target`` while ``stop`` is not set."""
        super().__init__()
        self._target = target
        self._stop = stop

    def writable(self) -> bool:
        """Always: this is a write-only stream."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Writes all of ``data`` to the target, unless the transfer was stopped."""
        if self._stop.is_set():
            raise Stopped
        self._target.write(data)
        return len(data)


class TeeReader(io.RawIOBase):
    """Reads ``source`` and copies every byte read into ``copy`` (one pass, two outputs)."""

    def __init__(self, source: BinaryIO, copy: AttachmentWriter, stop: threading.Event) -> None:
        """Reads will come from ``source``, and be copied to ``copy``, while ``stop`` is not set."""
        super().__init__()
        self._source = source
        self._copy = copy
        self._stop = stop

    def readable(self) -> bool:
        """Always: this is a read-only stream."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the source (all when -1), copied on before they are returned."""
        if self._stop.is_set():
            raise Stopped
        data = self._source.read(-1 if size is None else size)
        self._copy.write(data)
        return data


async def run_stoppable(context: EngineContext, function: Callable[..., Any], *args: Any) -> Any:
    """Runs ``function(*args, stop)`` in a thread; if cancelled, stops it and waits.

    ``function`` must check ``stop`` between chunks and clean up after itself when it
    raises, so a cancelled transfer leaves nothing behind. An at-rest file it finished anyway,
    after the cancel, is discarded from ``context``'s store.
    """
    stop = threading.Event()
    call = functools.partial(function, *args, stop)
    future = asyncio.get_running_loop().run_in_executor(None, call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(BaseException):
            result = await future
            _forget_result(context, result)
        raise


def _forget_result(context: EngineContext, result: object) -> None:
    """A thread's result that came after its task was cancelled: drop what it made."""
    files = context.worker.store.attachments
    if isinstance(result, FinishedAttachment):
        files.discard(result.file_id)
    elif isinstance(result, tuple):
        for item in result:
            _forget_result(context, item)
