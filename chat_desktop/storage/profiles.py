"""Profiles: our own and our contacts' names and avatars, and their profile keys (schema v11).

One row per account in ``profiles`` (see
:mod:`chat_desktop.storage.migrations.v011_profiles`). The repository only reads and writes;
what may change when (versions only move forward, what a content may ask for) is decided
by :mod:`chat_desktop.services.profiles`.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from chat_desktop.storage.db import Database, Row

Clock = Callable[[], int]

_COLUMNS = (
    "address, profile_key, version, name, avatar, pending_key, pending_version, "
    "shared_version, uploaded"
)


class StoredProfile(msgspec.Struct, frozen=True):
    """One account's profile as the store holds it.

    Attributes:
        address: The account (our own username for our own profile).
        profile_key: The key of the profile held (None before any).
        version: The version held (0: none yet).
        name: Its name ("" for none).
        avatar: Its avatar image (JPEG or PNG bytes), or None.
        pending_key: A key a ``profile`` content told us and not yet fetched, or None.
        pending_version: Its version, or None.
        shared_version: The version of our own profile last sent to this contact.
        uploaded: Our own row: the relay holds ``version``.
    """

    address: str
    profile_key: bytes | None
    version: int
    name: str
    avatar: bytes | None
    pending_key: bytes | None
    pending_version: int | None
    shared_version: int
    uploaded: bool


def _from_row(row: Row) -> StoredProfile:
    return StoredProfile(
        address=row[0],
        profile_key=None if row[1] is None else bytes(row[1]),
        version=row[2],
        name=row[3],
        avatar=None if row[4] is None else bytes(row[4]),
        pending_key=None if row[5] is None else bytes(row[5]),
        pending_version=row[6],
        shared_version=row[7],
        uploaded=bool(row[8]),
    )


class ProfileRepository:
    """Reads and writes of ``profiles``.

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def get(self, address: str) -> StoredProfile | None:
        """One account's profile row, or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM profiles WHERE address = ?",  # noqa: S608 - fixed columns
            (address,),
        )
        return None if row is None else _from_row(row)

    def pending(self, limit: int = 100) -> list[StoredProfile]:
        """Rows with a told profile waiting to be fetched, oldest change first."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM profiles WHERE pending_version IS NOT NULL "  # noqa: S608
            "ORDER BY updated_at, address LIMIT ?",
            (limit,),
        )
        return [_from_row(row) for row in rows]

    def _ensure(self, address: str) -> None:
        self._db.execute(
            "INSERT INTO profiles(address, updated_at) VALUES (?, ?) "
            "ON CONFLICT(address) DO NOTHING",
            (address, self._clock()),
        )

    def set_own(
        self, address: str, profile_key: bytes, version: int, name: str, avatar: bytes | None
    ) -> None:
        """Stores our own profile as changed here (not uploaded yet)."""
        self._ensure(address)
        self._db.execute(
            "UPDATE profiles SET profile_key = ?, version = ?, name = ?, avatar = ?, "
            "uploaded = 0, pending_key = NULL, pending_version = NULL, updated_at = ? "
            "WHERE address = ?",
            (profile_key, version, name, avatar, self._clock(), address),
        )

    def mark_uploaded(self, address: str, version: int) -> bool:
        """Our own profile at ``version`` is on the relay; False if it changed meanwhile."""
        cursor = self._db.execute(
            "UPDATE profiles SET uploaded = 1 WHERE address = ? AND version = ?",
            (address, version),
        )
        return bool(cursor.rowcount)

    def set_pending(self, address: str, profile_key: bytes, version: int) -> None:
        """Records a key and version a ``profile`` content told us, to fetch."""
        self._ensure(address)
        self._db.execute(
            "UPDATE profiles SET pending_key = ?, pending_version = ?, updated_at = ? "
            "WHERE address = ?",
            (profile_key, version, self._clock(), address),
        )

    def clear_pending(self, address: str, version: int) -> None:
        """Forgets what waited to be fetched (refused), unless a newer version came since."""
        self._db.execute(
            "UPDATE profiles SET pending_key = NULL, pending_version = NULL "
            "WHERE address = ? AND pending_version <= ?",
            (address, version),
        )

    def take(
        self, address: str, profile_key: bytes, version: int, name: str, avatar: bytes | None
    ) -> None:
        """Stores a checked profile fetched from the relay (held; nothing waits any more)."""
        self._ensure(address)
        self._db.execute(
            "UPDATE profiles SET profile_key = ?, version = ?, name = ?, avatar = ?, "
            "uploaded = 1, updated_at = ?, "
            "pending_key = CASE WHEN pending_version <= ? THEN NULL ELSE pending_key END, "
            "pending_version = CASE WHEN pending_version <= ? THEN NULL ELSE pending_version END "
            "WHERE address = ?",
            (profile_key, version, name, avatar, self._clock(), version, version, address),
        )

    def set_shared(self, address: str, version: int) -> None:
        """Our profile at ``version`` was queued to ``address``."""
        self._ensure(address)
        self._db.execute(
            "UPDATE profiles SET shared_version = ? WHERE address = ?", (version, address)
        )

    def unshared(self, own_address: str, version: int) -> list[str]:
        """Contacts we wrote to in a one-to-one chat, not sent our profile ``version`` yet.

        Only those we sent a message to: someone who merely wrote to us (a stranger, a
        message request) learns nothing of our profile until we answer.
        """
        rows = self._db.query_all(
            "SELECT c.peer_address FROM conversations AS c "
            "LEFT JOIN profiles AS p ON p.address = c.peer_address "
            "WHERE c.peer_address IS NOT NULL AND c.peer_address != ? "
            "AND coalesce(p.shared_version, 0) < ? "
            "AND EXISTS (SELECT 1 FROM messages AS m WHERE m.conversation_id = c.id "
            "AND m.direction = 'out') ORDER BY c.peer_address",
            (own_address, version),
        )
        return [str(row[0]) for row in rows]

    def fill_titles(self, own_address: str) -> list[str]:
        """Titles one-to-one conversations made after their contact's profile arrived.

        Returns the conversations given a title (their contact's profile name).
        """
        rows = self._db.query_all(
            "SELECT c.id, p.name FROM conversations AS c "
            "JOIN profiles AS p ON p.address = c.peer_address "
            "WHERE c.peer_address != ? AND c.title IS NULL AND p.version > 0 "
            "AND trim(p.name) != ''",
            (own_address,),
        )
        for conversation_id, name in rows:
            self._db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (name.strip(), conversation_id)
            )
        return [str(row[0]) for row in rows]
