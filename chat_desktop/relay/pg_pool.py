"""The relay's connection pool to PostgreSQL: every store call is one transaction.

:class:`PgPool` is what the PostgreSQL store's parts share (the SQLite store's
:class:`~chat_desktop.relay.sqlite_writer.SqliteWriter` has the same place). A write runs
in a READ COMMITTED transaction whose decisions are made safe by row locks (the account
rows a send or a link acts on) and advisory locks, not by a single writer, because several
relay processes write to one database. A transaction PostgreSQL ends as a deadlock or a
serialization failure is run again, a bounded number of times; a commit that returned is
durable (``synchronous_commit`` on, PostgreSQL's default).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import asyncpg

from chat_desktop.relay.store_errors import StoreError

R = TypeVar("R")

#: Connections per relay process: a handler waits for one while all are busy.
POOL_SIZE: Final = 10
#: Times a transaction is tried when PostgreSQL aborts it for a deadlock or a conflict.
_ATTEMPTS: Final = 5

Job = Callable[[Any], Awaitable[R]]


class StoreClosed(StoreError):
    """The PostgreSQL store was used before :meth:`PgPool.open` or after :meth:`PgPool.close`."""


class PgPool:
    """A pool of asyncpg connections to one database, handing out transactions."""

    def __init__(self, dsn: str) -> None:
        """Prepares the pool for ``dsn`` (``postgresql://user@host:port/db``); not connected."""
        self._dsn = dsn
        self._pool: Any = None

    async def open(self, setup: Job[object]) -> None:
        """Connects, runs ``setup`` (the migrations) on one connection, opens the pool."""
        connection = await asyncpg.connect(self._dsn)
        try:
            await setup(connection)
        finally:
            await connection.close()
        self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=POOL_SIZE)

    async def close(self) -> None:
        """Waits for running transactions and closes every connection."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def write(self, job: Job[R]) -> R:
        """Runs ``job(connection)`` in a transaction; returns after it committed.

        An exception from ``job`` rolls the transaction back and is raised here.
        """
        pool = self._open_pool()
        for attempt in range(_ATTEMPTS):
            try:
                async with pool.acquire() as connection, connection.transaction():
                    return await job(connection)
            except (
                asyncpg.exceptions.DeadlockDetectedError,
                asyncpg.exceptions.SerializationError,
            ):
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def read(self, job: Job[R]) -> R:
        """Runs a read-only ``job(connection)`` (one statement or a consistent few)."""
        pool = self._open_pool()
        async with pool.acquire() as connection:
            return await job(connection)

    def _open_pool(self) -> Any:
        if self._pool is None:
            raise StoreClosed("the relay store is not open")
        return self._pool
