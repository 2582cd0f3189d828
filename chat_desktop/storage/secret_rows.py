"""Secret rows: ratchet sessions, the own identity seed, own prekeys, key-id counters.

The engine hands opaque bytes; each is sealed with the HKDF(master, "session-wrap") key
(AES-256-GCM, AD = table ‖ row id), so even inside the encrypted database a row copied over
another one fails to open instead of being used.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_desktop.crypto.vault import open_row, seal_row
from chat_desktop.storage.db import Database
from chat_desktop.storage.errors import StorageError

Clock = Callable[[], int]
KeySource = Callable[[], bytes]

_SESSIONS = "sessions"
_IDENTITY = "own_identity"
_PREKEYS = "own_prekeys"


class SecretRowCorrupt(StorageError):
    """A sealed row does not open: it was altered or moved from another row."""


def _session_row_id(peer: str, device_id: int) -> str:
    return f"{peer}\x1f{device_id}"


def _prekey_row_id(kind: str, key_id: int) -> str:
    return f"{kind}\x1f{key_id}"


class SecretRepository:
    """Sealed reads and writes of sessions, identity, prekeys, and key-id counters.

    Args:
        database: The open database.
        clock: Current time in ms.
        row_key: Returns the row-wrap key (raises once the store is closed).
    """

    def __init__(self, database: Database, clock: Clock, row_key: KeySource) -> None:
        self._db = database
        self._clock = clock
        self._row_key = row_key

    def _open(self, table: str, row_id: str, sealed: bytes) -> bytes:
        try:
            return open_row(self._row_key(), table, row_id, sealed)
        except Exception as error:
            raise SecretRowCorrupt(f"a stored {table} row is damaged") from error

    # --- ratchet sessions --------------------------------------------------------------------

    def put_session(self, peer: str, device_id: int, state: bytes) -> None:
        """Store (or replace) the session state with one device of a peer."""
        sealed = seal_row(self._row_key(), _SESSIONS, _session_row_id(peer, device_id), state)
        self._db.execute(
            "INSERT INTO sessions(peer, device_id, sealed_state, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(peer, device_id) DO UPDATE SET sealed_state = excluded.sealed_state, "
            "updated_at = excluded.updated_at",
            (peer, device_id, sealed, self._clock()),
        )

    def get_session(self, peer: str, device_id: int) -> bytes | None:
        """The session state with one device of a peer, or None.

        Raises:
            SecretRowCorrupt: The row was altered or swapped.
        """
        sealed = self._db.query_value(
            "SELECT sealed_state FROM sessions WHERE peer = ? AND device_id = ?", (peer, device_id)
        )
        if sealed is None:
            return None
        return self._open(_SESSIONS, _session_row_id(peer, device_id), sealed)

    def session_devices(self, peer: str) -> list[int]:
        """Device ids of a peer with which a session exists."""
        rows = self._db.query_all(
            "SELECT device_id FROM sessions WHERE peer = ? ORDER BY device_id", (peer,)
        )
        return [int(row[0]) for row in rows]

    def delete_session(self, peer: str, device_id: int) -> None:
        """Forget the session with one device of a peer."""
        self._db.execute("DELETE FROM sessions WHERE peer = ? AND device_id = ?", (peer, device_id))

    # --- own identity ------------------------------------------------------------------------

    def put_identity(self, seed: bytes) -> None:
        """Store this device's identity private seed (replacing any previous one)."""
        sealed = seal_row(self._row_key(), _IDENTITY, "1", seed)
        self._db.execute(
            "INSERT INTO own_identity(id, sealed_seed, created_at) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET sealed_seed = excluded.sealed_seed",
            (sealed, self._clock()),
        )

    def get_identity(self) -> bytes | None:
        """This device's identity private seed, or None before registration."""
        sealed = self._db.query_value("SELECT sealed_seed FROM own_identity WHERE id = 1")
        return None if sealed is None else self._open(_IDENTITY, "1", sealed)

    # --- own prekeys -------------------------------------------------------------------------

    def put_prekey(self, kind: str, key_id: int, private_key: bytes, public_key: bytes) -> None:
        """Store one own prekey (kind e.g. "signed", "one_time", "pq", "pq_last_resort")."""
        sealed = seal_row(self._row_key(), _PREKEYS, _prekey_row_id(kind, key_id), private_key)
        self._db.execute(
            "INSERT INTO own_prekeys(kind, key_id, sealed_private, public_key, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, key_id) DO UPDATE SET "
            "sealed_private = excluded.sealed_private, public_key = excluded.public_key",
            (kind, key_id, sealed, public_key, self._clock()),
        )

    def get_prekey(self, kind: str, key_id: int) -> bytes | None:
        """The private bytes of one own prekey, or None (e.g. a used one-time key)."""
        sealed = self._db.query_value(
            "SELECT sealed_private FROM own_prekeys WHERE kind = ? AND key_id = ?", (kind, key_id)
        )
        if sealed is None:
            return None
        return self._open(_PREKEYS, _prekey_row_id(kind, key_id), sealed)

    def prekey_public(self, kind: str, key_id: int) -> bytes | None:
        """The public bytes of one own prekey, or None."""
        value = self._db.query_value(
            "SELECT public_key FROM own_prekeys WHERE kind = ? AND key_id = ?", (kind, key_id)
        )
        return None if value is None else bytes(value)

    def prekey_ids(self, kind: str) -> list[int]:
        """Ids of the stored prekeys of one kind, ascending."""
        rows = self._db.query_all(
            "SELECT key_id FROM own_prekeys WHERE kind = ? ORDER BY key_id", (kind,)
        )
        return [int(row[0]) for row in rows]

    def delete_prekey(self, kind: str, key_id: int) -> None:
        """Forget an own prekey (a consumed one-time key, a rotated signed key)."""
        self._db.execute("DELETE FROM own_prekeys WHERE kind = ? AND key_id = ?", (kind, key_id))

    # --- key-id counters ---------------------------------------------------------------------

    def key_id_counters(self) -> dict[str, int]:
        """The next key id of every kind (what a backup carries so ids never repeat)."""
        rows = self._db.query_all("SELECT kind, next_id FROM key_id_counters ORDER BY kind")
        return {str(row[0]): int(row[1]) for row in rows}

    def raise_key_id_counter(self, kind: str, next_id: int) -> None:
        """Moves a kind's counter up to ``next_id`` (never down): a restored device's ids."""
        self._db.execute(
            "INSERT INTO key_id_counters(kind, next_id) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET next_id = max(next_id, excluded.next_id)",
            (kind, next_id),
        )

    def allocate_key_ids(self, kind: str, count: int = 1, *, first_id: int = 1) -> list[int]:
        """Reserve ``count`` new key ids of a kind; ids never repeat (the counter is persisted).

        Must be in the same transaction as storing the keys if a crash must not skip ids;
        skipping is harmless, repeating never happens.
        """
        if count <= 0:
            return []
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO key_id_counters(kind, next_id) VALUES (?, ?) "
                "ON CONFLICT(kind) DO NOTHING",
                (kind, first_id),
            )
            start = int(
                self._db.query_value("SELECT next_id FROM key_id_counters WHERE kind = ?", (kind,))
            )
            self._db.execute(
                "UPDATE key_id_counters SET next_id = ? WHERE kind = ?", (start + count, kind)
            )
        return list(range(start, start + count))
