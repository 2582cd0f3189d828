"""The device ids of each recipient, kept by the SQLite writer thread between sends.

Every ``message:send`` checks that it names the recipient's current devices. Reading them
from the ``devices`` table in the writer thread costs 20-50 µs a message there (issue 25),
while the set changes only when a device is linked or removed or an account is made or
deleted. The cache keeps each set the writer read until something changes it:

- this connection's own changes fire TEMP triggers on ``devices`` that forget the user
  (cascaded deletes of an account included); a failed write job may have cached a set it
  then rolled back, so a failed job that touched ``devices`` empties the cache, as does a
  failed commit;
- other connections' commits (``--reset-account`` runs in another process) change
  ``PRAGMA data_version``, looked at once per transaction: the whole cache is dropped.

It is only ever used on the writer's connection, in the writer thread.
"""

from __future__ import annotations

import sqlite3
from typing import Final

_FORGET_FUNCTION: Final = "relay_forget_device_set"
_TRIGGERS: Final = (
    ("relay_device_set_insert", "AFTER INSERT", "NEW.username"),
    ("relay_device_set_delete", "AFTER DELETE", "OLD.username"),
    ("relay_device_set_update_old", "AFTER UPDATE OF username, device_id", "OLD.username"),
    ("relay_device_set_update_new", "AFTER UPDATE OF username", "NEW.username"),
)
#: Most users whose sets are kept; past it the cache starts over (bounded memory).
MAX_USERS: Final = 100_000


class DeviceSetCache:
    """Per-user device ids read by the writer, forgotten when ``devices`` changes."""

    def __init__(self) -> None:
        """Starts empty; :meth:`attach` it to the writer's connection."""
        self._sets: dict[str, set[int]] = {}
        self._data_version: int | None = None
        self.changes = 0

    def attach(self, connection: sqlite3.Connection) -> None:
        """Installs the forgetting function and the TEMP triggers on ``connection``."""
        connection.create_function(_FORGET_FUNCTION, 1, self._forget)
        for name, timing, user in _TRIGGERS:
            connection.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS {name} {timing} ON main.devices"
                f" BEGIN SELECT {_FORGET_FUNCTION}({user}); END"
            )

    def begin(self, connection: sqlite3.Connection) -> None:
        """Called at the start of each write transaction: drops everything if another
        connection committed since the last one."""
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._sets.clear()
            self._data_version = version

    def device_ids(self, connection: sqlite3.Connection, user: str) -> set[int]:
        """The user's current device ids (empty for an unknown account); do not modify."""
        current = self._sets.get(user)
        if current is None:
            current = {
                device_id
                for (device_id,) in connection.execute(
                    "SELECT device_id FROM devices WHERE username = ?", (user,)
                )
            }
            if len(self._sets) >= MAX_USERS:
                self._sets.clear()
            self._sets[user] = current
        return current

    def forget_all(self) -> None:
        """Drops every set (a write that touched ``devices`` failed, or a commit did)."""
        self._sets.clear()

    def _forget(self, user: object) -> None:
        self.changes += 1
        if isinstance(user, str):
            self._sets.pop(user, None)
