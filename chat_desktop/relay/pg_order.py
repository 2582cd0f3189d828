"""In-process order of the PostgreSQL store's sends, per recipient account.

On SQLite one writer thread applies writes in the order they were submitted and resolves
them in that order, so the envelopes of two sends to one device get their ``seq`` in
arrival order and are pushed to a connected device in ``seq`` order (the delivery cursor
skips an envelope older than one it already pushed). PostgreSQL runs concurrent
transactions in whatever order they get their locks, and their coroutines resume in
whatever order the replies come. :class:`RecipientOrder` restores the SQLite order inside
one relay process: a send holds an asyncio lock (FIFO) of every recipient account, taken in
name order (no deadlock), from before its transaction until it returned. Across processes
the account row locks of :func:`~chat_desktop.relay.pg_devices.lock_accounts` make each
device's ``seq`` grow in commit order, so a drain from the store never skips one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable


class RecipientOrder:
    """FIFO locks per recipient account, created on use and dropped when unused."""

    def __init__(self) -> None:
        """Starts with no locks."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, users: Iterable[str]) -> AsyncIterator[None]:
        """Waits for the turn of these recipients (in arrival order) and holds it."""
        names = sorted(set(users))
        for name in names:
            self._users[name] = self._users.get(name, 0) + 1
        held: list[asyncio.Lock] = []
        try:
            for name in names:
                lock = self._locks.setdefault(name, asyncio.Lock())
                await lock.acquire()
                held.append(lock)
            yield
        finally:
            for lock in reversed(held):
                lock.release()
            for name in names:
                self._users[name] -= 1
                if not self._users[name]:
                    del self._users[name]
                    del self._locks[name]
