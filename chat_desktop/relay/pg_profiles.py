"""The profile methods of the relay store on PostgreSQL (docs/protocol.md §13.3).

As on SQLite (:mod:`chat_desktop.relay.sqlite_profiles`): one row per account, versions
only move forward, the same version with the same blob is a retry. The account's row is
locked first, so two puts from two relay processes are decided one after the other.
"""

from __future__ import annotations

from typing import Any

from chat_desktop.relay.pg_devices import lock_accounts
from chat_desktop.relay.pg_pool import PgPool
from chat_desktop.relay.store import StaleProfile


class PgProfileMethods:
    """The profile methods of :class:`~chat_desktop.relay.store.RelayStore` on PostgreSQL.

    A mixin of :class:`~chat_desktop.relay.pg_store.PgRelayStore`, which sets ``_pool``.
    """

    _pool: PgPool

    async def put_profile(self, user: str, version: int, blob: bytes, now_ms: int) -> None:
        """See :meth:`RelayStore.put_profile`."""

        async def write(connection: Any) -> None:
            await lock_accounts(connection, [user])
            row = await connection.fetchrow(
                "SELECT version, blob FROM profiles WHERE username = $1", user
            )
            if row is not None:
                if row[0] == version and bytes(row[1]) == blob:
                    return  # a retry after a lost ack
                if row[0] >= version:
                    raise StaleProfile("the relay holds this profile version or a newer one")
            await connection.execute(
                "INSERT INTO profiles (username, version, blob, updated_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO UPDATE SET"
                " version = excluded.version, blob = excluded.blob,"
                " updated_at = excluded.updated_at",
                user,
                version,
                blob,
                now_ms,
            )

        await self._pool.write(write)

    async def profile(self, user: str) -> tuple[int, bytes] | None:
        """See :meth:`RelayStore.profile`."""

        async def read(connection: Any) -> tuple[int, bytes] | None:
            row = await connection.fetchrow(
                "SELECT version, blob FROM profiles WHERE username = $1", user
            )
            return None if row is None else (int(row[0]), bytes(row[1]))

        return await self._pool.read(read)
