"""Image files of the conversation pane: a pasted image written out, a bubble image decoded.

Both run in a worker thread: writing a PNG and decoding a large picture take long enough to
stall the window. Bubble images are decoded on two dedicated threads (:func:`decoding_threads`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader

#: Threads that decode bubble images.
DECODING_THREADS = 2
#: Image jobs (find the file on the store's thread, decrypt in a worker, decode here) in
#: flight at once. A job is mostly waiting: measured paging a photo-rich history
#: (benchmarks/scroll.py), about 45 ms from start to image of which the decode is about 10.
#: Two at once could not keep up with a reader paging back, who then waited for most images;
#: more overlap the waits, while the decoding itself stays on :data:`DECODING_THREADS`.
IMAGE_JOBS_AT_ONCE = 4
#: Qt refuses to allocate more than this (MiB) for one decoded image: a 4096² RGBA is 64 MiB.
IMAGE_ALLOCATION_LIMIT_MB = 128


def write_png(image: QImage, folder: Path) -> Path:
    """Saves ``image`` as a new PNG in ``folder`` (created 0700); returns its path."""
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"pasted-image-{uuid.uuid4().hex[:8]}.png"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    if not image.save(str(path)):  # PNG, from the name
        path.unlink(missing_ok=True)
        raise OSError("the pasted image could not be written")
    return path


def decode_scaled(data: bytes, size: QSize) -> QImage:
    """Decodes image bytes straight to the bubble's box (runs in a worker thread).

    The reader decodes at the target size where the format allows it (JPEG) and refuses
    images whose decoded size would pass :data:`IMAGE_ALLOCATION_LIMIT_MB`: a peer's file
    can claim any dimensions. A null image means "not shown".
    """
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(IMAGE_ALLOCATION_LIMIT_MB)
    if not reader.size().isValid():
        return QImage()
    reader.setScaledSize(size)
    image = reader.read()
    if image.isNull() or image.size() == size:
        return image
    return image.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class DecodingThreads:
    """The few long-lived threads that decode every bubble image.

    Long-lived threads rather than ``asyncio.to_thread``'s pool: glibc gives each thread that
    allocates its own malloc arena, and a decoded image's pixels are large; a fixed pair of
    threads keeps a fixed pair of arenas. Two: more image jobs than that may be in flight
    (:data:`IMAGE_JOBS_AT_ONCE`), but their decodes take turns here.
    """

    def __init__(self, threads: int = DECODING_THREADS) -> None:
        """Starts no thread yet (the executor starts them at the first decodes)."""
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="chat-image-decode"
        )

    async def run(
        self, decode: Callable[[bytes, QSize], QImage], data: bytes, size: QSize
    ) -> QImage:
        """``decode(data, size)`` on a decoding thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, decode, data, size)


@functools.cache
def decoding_threads() -> DecodingThreads:
    """The process's image-decoding threads."""
    return DecodingThreads()
