"""The profile methods of the relay store on SQLite (docs/protocol.md §13.3, schema v6).

One row per account in ``profiles``: the newest sealed profile blob and its version. The
relay cannot open it; it only keeps versions moving forward, so a device that was offline
cannot put an older profile back, and the row goes with its account (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3

from chat_desktop.relay.sqlite_writer import SqliteWriter
from chat_desktop.relay.store import StaleProfile


class SqliteProfileMethods:
    """The profile methods of :class:`~chat_desktop.relay.store.RelayStore` on SQLite.

    A mixin of :class:`~chat_desktop.relay.sqlite_store.SqliteRelayStore`, which sets
    ``_writer``.
    """

    _writer: SqliteWriter

    async def put_profile(self, user: str, version: int, blob: bytes, now_ms: int) -> None:
        """See :meth:`RelayStore.put_profile`."""

        def write(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                "SELECT version, blob FROM profiles WHERE username = ?", (user,)
            ).fetchone()
            if row is not None:
                if row[0] == version and bytes(row[1]) == blob:
                    return  # a retry after a lost ack
                if row[0] >= version:
                    raise StaleProfile("the relay holds this profile version or a newer one")
            connection.execute(
                "INSERT INTO profiles (username, version, blob, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (username) DO UPDATE SET version = excluded.version, "
                "blob = excluded.blob, updated_at = excluded.updated_at",
                (user, version, blob, now_ms),
            )

        await self._writer.submit(write)

    async def profile(self, user: str) -> tuple[int, bytes] | None:
        """See :meth:`RelayStore.profile`."""

        def read(connection: sqlite3.Connection) -> tuple[int, bytes] | None:
            row = connection.execute(
                "SELECT version, blob FROM profiles WHERE username = ?", (user,)
            ).fetchone()
            return None if row is None else (int(row[0]), bytes(row[1]))

        return await self._writer.read(read)
