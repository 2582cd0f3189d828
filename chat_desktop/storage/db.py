"""Opening the SQLCipher database and running statements and transactions on it.

The connection is made with ``check_same_thread=False``: the engine calls the store from one
dedicated worker thread that is not the one that opened it. A re-entrant lock still serialises
every use, so a stray call from another thread cannot interleave with a transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import sqlcipher3

from chat_desktop.storage.atomic import ensure_private_file, make_private
from chat_desktop.storage.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseKeyRejected,
    VaultLocked,
)

SqlParams = Sequence[Any] | dict[str, Any]
Row = tuple[Any, ...]

#: Raised by sqlcipher3 for a failing statement (corruption, constraint, I/O...).
SqlError = sqlcipher3.DatabaseError


#: Compiled statements kept per connection: more than the distinct statements the app runs
#: (a few hundred, the migrations' one-off ones included). sqlcipher3's cache ranks entries by
#: use and, when full, replaces its last entry, which is the newest: past its size, each new
#: statement of a loop evicted the one before it and every message insert compiled its
#: statements again (a new or restored profile, whose migrations filled the default 100,
#: restored 100,000 messages three times slower: tests/unit/storage/test_statement_cache.py).
STATEMENT_CACHE_SIZE: Final = 2048


def connect_encrypted(path: Path, raw_key: bytes) -> Any:
    """Open (or create) an SQLCipher database with a raw 32-byte key and our pragmas.

    ``PRAGMA key`` accepts any key; the first read is what proves it, so this reads the
    schema before returning. WAL, ``synchronous=FULL`` (a returned commit survives a power
    cut), foreign keys, secure delete, and temporary tables kept in memory (never in a
    plaintext temp file). The file and its ``-wal``/``-shm`` companions are kept at mode 0600.

    Raises:
        DatabaseKeyRejected: The file does not open with this key, or is not a database.
        DatabaseError: The library is not SQLCipher.
    """
    if len(raw_key) != 32:
        raise ValueError("the database key must be 32 bytes")
    ensure_private_file(path)
    for companion in ("-wal", "-shm"):  # SQLite copies the database's mode when it creates them
        make_private(Path(f"{path}{companion}"))
    connection = sqlcipher3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        cached_statements=STATEMENT_CACHE_SIZE,
    )
    try:
        # Otherwise a wrong key prints "hmac check failed" on stderr.
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"")
        version = connection.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise DatabaseError("the SQLite library in use is not SQLCipher")
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as error:
            raise DatabaseKeyRejected("the message database does not open with this key") from error
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise DatabaseError("the message database could not switch to WAL mode")
        for pragma in (
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA secure_delete = ON",
            "PRAGMA temp_store = MEMORY",
        ):
            connection.execute(pragma)
    except BaseException:
        connection.close()
        raise
    return connection


# SQLite primary result codes meaning the file itself is damaged.
_CORRUPTION_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def _is_corruption(error: BaseException) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _CORRUPTION_CODES


def _no_snapshots(detail: str) -> DatabaseError:
    return DatabaseCorrupt(detail, ())


class Database:
    """A connection plus transactions that nest (savepoints) and run hooks after commit.

    Statement errors come out typed: :class:`DatabaseCorrupt` (built by ``corruption_error``,
    which can list the snapshots to offer) when SQLite reports a damaged file, else
    :class:`DatabaseError`. SQLite's messages name tables and columns, never values.

    Args:
        connection: An open DB-API connection in autocommit mode (``isolation_level=None``).
        corruption_error: Builds the error raised when a statement meets a damaged page.
    """

    def __init__(
        self, connection: Any, corruption_error: Callable[[str], DatabaseError] = _no_snapshots
    ) -> None:
        self._connection: Any | None = connection
        self._corruption_error = corruption_error
        self._lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []

    def _run(self, sql: str, params: SqlParams, fetch: str) -> Any:
        with self._lock:
            connection = self.connection
            try:
                cursor = connection.execute(sql, params)
                if fetch == "all":
                    return cursor.fetchall()
                if fetch == "one":
                    return cursor.fetchone()
                return cursor
            except (sqlcipher3.Error, sqlite3.Error) as error:
                if _is_corruption(error):
                    raise self._corruption_error("a page failed while reading") from error
                raise DatabaseError(f"a database statement failed: {error}") from error

    @property
    def connection(self) -> Any:
        """The raw connection (raises once closed)."""
        if self._connection is None:
            raise VaultLocked("the message store is closed")
        return self._connection

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._connection is None

    def execute(self, sql: str, params: SqlParams = ()) -> Any:
        """Run one statement and return its cursor."""
        return self._run(sql, params, "cursor")

    def query_all(self, sql: str, params: SqlParams = ()) -> list[Row]:
        """Run a query and return every row."""
        rows: list[Row] = self._run(sql, params, "all")
        return rows

    def query_one(self, sql: str, params: SqlParams = ()) -> Row | None:
        """Run a query and return its first row, or None."""
        row: Row | None = self._run(sql, params, "one")
        return row

    def query_value(self, sql: str, params: SqlParams = ()) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep every other thread off this connection for the block (no transaction is open).

        Another thread's transaction holds the same lock from ``BEGIN`` to ``COMMIT``, so inside
        this block no uncommitted write of another thread is pending.
        """
        with self._lock:
            yield

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current outermost transaction commits (e.g. unlink files).

        Outside a transaction it runs at once. Dropped if the transaction rolls back.
        """
        with self._lock:
            if self._depth == 0:
                callback()
            else:
                self._after_commit.append(callback)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: everything inside commits together, durably, or not at all.

        Nested uses become savepoints: an error inside rolls back only the inner part, and the
        error propagates to the outer block as usual.
        """
        with self._lock:
            connection = self.connection
            savepoint = f"sp{self._depth}"
            if self._depth == 0:
                connection.execute("BEGIN IMMEDIATE")
            else:
                connection.execute(f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._after_commit.clear()
                    connection.execute("ROLLBACK")
                else:
                    connection.execute(f"ROLLBACK TO {savepoint}")
                    connection.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            if self._depth > 0:
                connection.execute(f"RELEASE {savepoint}")
                return
            try:
                connection.execute("COMMIT")
            except BaseException:
                self._after_commit.clear()
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            self._corruption_error = _no_snapshots  # it may hold the key; drop it too
