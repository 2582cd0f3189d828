"""Group commit for SQLite: one writer thread, many concurrent writes per transaction.

Every write is a function of a connection, submitted from the event loop. The writer thread
takes whatever writes are waiting, runs each inside its own savepoint (so one failing write
does not undo the others) and commits them in one transaction. With ``synchronous=FULL``
a commit costs an fsync; batching makes that one fsync per batch instead of per write, which
is what lets ``message:send`` ack only after its envelope is durable and still keep up.

Reads run on a small pool of read-only connections, which WAL lets proceed alongside the
writer. The writer keeps each recipient's device set between sends (:attr:`device_sets`).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from chat_desktop.relay.sqlite_device_cache import DeviceSetCache
from chat_desktop.relay.store_errors import StoreError

R = TypeVar("R")

#: Most writes committed in one transaction.
MAX_BATCH: Final = 512
_READ_THREADS: Final = 2

WriteJob = Callable[[sqlite3.Connection], Any]


@dataclass(slots=True)
class _PendingWrite:
    job: WriteJob
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class WriterClosed(StoreError):
    """A write was submitted after the store was closed."""


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Opens a connection with the relay's pragmas (WAL, ``synchronous=FULL``)."""
    if read_only:
        connection = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA query_only = ON")
    else:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 10000")
    return connection


class SqliteWriter:
    """Runs writes on one thread with group commit, and reads on a small thread pool."""

    def __init__(self, path: Path) -> None:
        """Prepares the writer for the database at ``path``; call :meth:`start` next."""
        self._path = path
        self._queue: queue.SimpleQueue[_PendingWrite | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._read_pool = ThreadPoolExecutor(_READ_THREADS, thread_name_prefix="relay-read")
        #: Device ids per recipient, for write jobs only (they run on the writer thread).
        self.device_sets = DeviceSetCache()

    def start(self, setup: Callable[[sqlite3.Connection], None]) -> None:
        """Opens the write connection, runs ``setup`` on it (schema), starts the thread."""
        connection = connect(self._path)
        setup(connection)
        self.device_sets.attach(connection)
        self._thread = threading.Thread(
            target=self._run, args=(connection,), name="relay-writer", daemon=True
        )
        self._thread.start()

    def submit(self, job: Callable[[sqlite3.Connection], R]) -> asyncio.Future[R]:
        """Queues a write; the future resolves after the transaction holding it committed.

        The write is queued before this returns, so writes submitted one after another from
        the loop are applied in that order.

        Raises:
            WriterClosed: The writer was closed.
        """
        if self._closed:
            raise WriterClosed("the relay store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.put(_PendingWrite(job, future, loop))
        return future

    async def read(self, job: Callable[[sqlite3.Connection], R]) -> R:
        """Runs a read-only query function on a reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, self._run_read, job)

    async def close(self) -> None:
        """Commits what is queued, stops the writer thread and closes every connection."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        self._read_pool.shutdown(wait=True)
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()

    def _run_read(self, job: Callable[[sqlite3.Connection], R]) -> R:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self._path, read_only=True)
            self._local.connection = connection
            with self._readers_lock:
                self._readers.append(connection)
        return job(connection)

    def _run(self, connection: sqlite3.Connection) -> None:
        try:
            stopping = False
            while not stopping:
                first = self._queue.get()
                if first is None:
                    break
                batch = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                self._commit_batch(connection, batch)
        finally:
            connection.close()

    def _commit_batch(self, connection: sqlite3.Connection, batch: list[_PendingWrite]) -> None:
        outcomes: list[tuple[_PendingWrite, bool, Any]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            self.device_sets.begin(connection)
            for pending in batch:
                connection.execute("SAVEPOINT write_job")
                device_changes = self.device_sets.changes
                try:
                    result = pending.job(connection)
                except Exception as error:  # handed to the awaiting coroutine
                    connection.execute("ROLLBACK TO write_job")
                    connection.execute("RELEASE write_job")
                    if self.device_sets.changes != device_changes:
                        self.device_sets.forget_all()  # it may have cached what rolled back
                    outcomes.append((pending, False, error))
                else:
                    connection.execute("RELEASE write_job")
                    outcomes.append((pending, True, result))
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            self.device_sets.forget_all()
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            failure = StoreError(f"commit failed: {type(error).__name__}")
            outcomes = [(pending, False, failure) for pending in batch]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_PendingWrite, bool, Any]]] = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[0].loop, []).append(outcome)
        for loop, loop_outcomes in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop has nobody waiting
                loop.call_soon_threadsafe(_resolve_all, loop_outcomes)


def _resolve_all(outcomes: list[tuple[_PendingWrite, bool, Any]]) -> None:
    """Resolves futures in submission order, so awaiting coroutines resume in that order."""
    for pending, ok, value in outcomes:
        if pending.future.done():
            continue
        if ok:
            pending.future.set_result(value)
        else:
            pending.future.set_exception(value)
