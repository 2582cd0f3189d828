"""Progress of a link's history transfer as engine events (:class:`HistoryTransferProgress`).

One :class:`StageProgress` per stage. It may be told from any thread (the export and the
import run on the store thread): events are always published on the engine's loop. It
publishes the start, the end, and at most one event per percent between, so a 100 MiB blob
is not a million events.
"""

from __future__ import annotations

import asyncio

from chat_desktop.services.events import EventStream, HistoryTransferProgress

#: Stages, in order: the existing device's, then the new device's.
EXPORT, UPLOAD, DOWNLOAD, IMPORT = "export", "upload", "download", "import"


class StageProgress:
    """Publishes ``HistoryTransferProgress(stage, done, total)``; see the module docstring."""

    def __init__(self, events: EventStream, stage: str) -> None:
        """Call it on the engine's loop (it remembers the loop to publish on)."""
        self._events = events
        self._stage = stage
        self._loop = asyncio.get_running_loop()
        self._percent = -1

    def __call__(self, done: int, total: int) -> None:
        """``done`` of ``total`` now (any thread)."""
        total = max(total, 0)
        done = min(max(done, 0), total)
        percent = 100 if total == 0 else done * 100 // total
        if percent == self._percent and done not in (0, total):
            return
        self._percent = percent
        event = HistoryTransferProgress(stage=self._stage, done=done, total=total)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._events.publish(event)
        else:
            self._loop.call_soon_threadsafe(self._events.publish, event)
