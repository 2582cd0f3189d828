"""``ImageQueue``: the bubble images being decrypted and decoded, a few at a time, shown ones first.

Scrolling asks for the images of the rows on screen and, ahead of them, of the rows about a
screen above and below (so an image is usually decoded before its row scrolls into view). Each
image is one job (decrypt, then decode to the bubble's box). However many are asked for, only
:data:`RUNNING_LIMIT` run at once, so a fling through a photo album neither floods the worker
threads nor keeps the cores from the GUI; a job for a row on screen goes before every job
queued ahead of the viewport. A job asked for twice runs once: the second asker waits for the
first run.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

#: Decrypt-and-decode jobs running at once (the machine may have two cores; the GUI needs one).
RUNNING_LIMIT = 2
#: Jobs queued ahead of the viewport that are kept; older ones (rows scrolled past) are dropped.
QUEUED_AHEAD_LIMIT = 24

ImageJob = Callable[[], Coroutine[Any, Any, None]]


class ImageQueue:
    """Image jobs by message id: at most ``limit`` running, urgent ones (rows on screen) first."""

    def __init__(self, limit: int = RUNNING_LIMIT, ahead_limit: int = QUEUED_AHEAD_LIMIT) -> None:
        """An empty queue running at most ``limit`` jobs at once."""
        self._limit = limit
        self._ahead_limit = ahead_limit
        self._queued: collections.OrderedDict[str, ImageJob] = collections.OrderedDict()
        self._urgent: set[str] = set()
        self._running: dict[str, asyncio.Future[None]] = {}
        self._finished: dict[str, asyncio.Future[None]] = {}

    @property
    def running(self) -> int:
        """How many jobs run now."""
        return len(self._running)

    def want(self, message_id: str, job: ImageJob, *, urgent: bool) -> asyncio.Future[None]:
        """Queues ``job`` for ``message_id`` (unless one is queued or running already) and
        returns a future that ends with it. An urgent job (its row is on screen) goes before
        the jobs queued ahead of the viewport; those run in the order they were asked for
        (the view asks for the rows in the direction of travel first)."""
        finished = self._finished.get(message_id)
        if finished is None:
            finished = self._finished[message_id] = asyncio.get_running_loop().create_future()
            self._queued[message_id] = job
        if urgent and message_id in self._queued:
            self._urgent.add(message_id)
            self._queued.move_to_end(message_id, last=False)
        self._drop_stale()
        self._start_jobs()
        return finished

    def _drop_stale(self) -> None:
        """Keeps only the latest jobs queued ahead of the viewport (the rest were passed)."""
        ahead = [message_id for message_id in self._queued if message_id not in self._urgent]
        for message_id in ahead[: max(0, len(ahead) - self._ahead_limit)]:
            self._drop(message_id)

    def _drop(self, message_id: str) -> None:
        self._queued.pop(message_id, None)
        self._urgent.discard(message_id)
        finished = self._finished.pop(message_id, None)
        if finished is not None and not finished.done():
            finished.cancel()

    def _next_job(self) -> tuple[str, ImageJob]:
        """The urgent job asked for last, else the job queued ahead first."""
        return self._queued.popitem(last=False)

    def _start_jobs(self) -> None:
        while self._queued and len(self._running) < self._limit:
            message_id, job = self._next_job()
            self._urgent.discard(message_id)
            task = asyncio.ensure_future(job())
            self._running[message_id] = task
            task.add_done_callback(functools.partial(self._job_ended, message_id))

    def _job_ended(self, message_id: str, task: asyncio.Future[None]) -> None:
        self._running.pop(message_id, None)
        finished = self._finished.pop(message_id, None)
        if task.cancelled():
            if finished is not None:
                finished.cancel()
        elif (error := task.exception()) is not None:
            # The one who waits for it (a row on screen) reports it; a job ahead is retried
            # when its row is shown.
            logger.debug("image job failed: %s", type(error).__name__)
            if finished is not None and not finished.done():
                finished.set_exception(error)
                finished.exception()  # read here: a job ahead has nobody waiting for it
        elif finished is not None and not finished.done():
            finished.set_result(None)
        self._start_jobs()
