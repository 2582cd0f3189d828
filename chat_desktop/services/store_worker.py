"""Runs every store call on one dedicated thread, off the asyncio loop.

SQLCipher calls block (fsync on every commit with ``synchronous=FULL``); the loop must stay
free for the network and the GUI. One thread keeps the store's calls in order and its
connection single-threaded in practice.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from chat_desktop.storage.store import MessageStore

P = ParamSpec("P")
T = TypeVar("T")


class StoreWorker:
    """The message store plus the one thread allowed to touch it."""

    def __init__(self, store: MessageStore) -> None:
        """Takes ownership of an open store."""
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-store")

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Runs ``function(*args, **kwargs)`` on the store thread and returns its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )

    async def close(self) -> None:
        """Closes the store (on its thread) and stops the thread."""
        try:
            await self.run(self.store.close)
        finally:
            self._executor.shutdown(wait=True)
