"""``PageAhead``: the next page at each end of the message window, fetched before it is needed.

Paging waits for the store (the query, and the store's one thread may be busy finding image
files): a scroll that reaches the window's edge would wait for it. So the message model asks
for the page beyond each edge ahead of time (after a page came in, or when the list nears that
edge), and a scroll that reaches the edge inserts it at once. At most one page per edge is
held, for one window generation and one edge row (a fetch for an edge that moved, or another
conversation, is never used). A page held long may be out of date (a message in it edited or
deleted meanwhile): it is used only while fresh, and the model drops a page holding a message
whose state changed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import msgspec

from chat_desktop.services.types import Message

Edge = Literal["older", "newer"]
#: The window generation and the id of the edge row a page was fetched beyond.
PageKey = tuple[int, str]
#: A page fetched longer ago than this (seconds) is fetched again rather than shown.
FRESH_FOR_S = 5.0


class _Fetch(msgspec.Struct):
    key: PageKey
    task: asyncio.Future[Sequence[Message]]
    started: float


class PageAhead:
    """One page fetched ahead per edge of the window, by :data:`PageKey`.

    Attributes:
        started: How many fetches were started (tests count them).
    """

    def __init__(self, fresh_for_s: float = FRESH_FOR_S) -> None:
        """Holds nothing yet; pages older than ``fresh_for_s`` seconds are not used."""
        self._fresh_for_s = fresh_for_s
        self._fetches: dict[Edge, _Fetch] = {}
        self.started = 0

    def start(
        self, edge: Edge, key: PageKey, fetch: Callable[[], Awaitable[Sequence[Message]]]
    ) -> None:
        """Fetches the page beyond ``edge`` for ``key`` unless it is held (or coming) fresh."""
        held = self._fetches.get(edge)
        if held is not None and held.key == key and self._fresh(held):
            return
        self.forget(edge)
        task: asyncio.Future[Sequence[Message]] = asyncio.ensure_future(fetch())
        task.add_done_callback(_retrieved)
        self._fetches[edge] = _Fetch(key, task, time.monotonic())
        self.started += 1

    def ready(self, edge: Edge, key: PageKey) -> bool:
        """Whether the page beyond ``edge`` for ``key`` has arrived (and is fresh)."""
        held = self._held(edge, key)
        return held is not None and held.task.done() and not _failed(held.task)

    def take(self, edge: Edge, key: PageKey) -> asyncio.Future[Sequence[Message]] | None:
        """The fetch of the page beyond ``edge`` for ``key``, arrived or on its way, handed
        over (no longer held); None when there is none, or a failed or stale one."""
        held = self._held(edge, key)
        if held is None or (held.task.done() and _failed(held.task)):
            self.forget(edge)
            return None
        del self._fetches[edge]
        return held.task

    def forget(self, edge: Edge | None = None) -> None:
        """Drops the page of ``edge`` (of both edges when None); a fetch running is cancelled."""
        for name in ("older", "newer") if edge is None else (edge,):
            held = self._fetches.pop(name, None)
            if held is not None and not held.task.done():
                held.task.cancel()

    def forget_containing(self, message_id: str) -> None:
        """Drops a page that holds ``message_id`` (its state changed since it was fetched)."""
        for edge, held in list(self._fetches.items()):
            task = held.task
            if (
                task.done()
                and not _failed(task)
                and any(message.id == message_id for message in task.result())
            ):
                self.forget(edge)

    def _held(self, edge: Edge, key: PageKey) -> _Fetch | None:
        held = self._fetches.get(edge)
        if held is None or held.key != key or not self._fresh(held):
            return None
        return held

    def _fresh(self, held: _Fetch) -> bool:
        return time.monotonic() - held.started <= self._fresh_for_s


def _failed(task: asyncio.Future[Sequence[Message]]) -> bool:
    return task.cancelled() or task.exception() is not None


def _retrieved(task: asyncio.Future[Sequence[Message]]) -> None:
    """Marks a failed fetch's error as seen (nobody may take it; a page-in fetches again)."""
    if not task.cancelled():
        task.exception()
