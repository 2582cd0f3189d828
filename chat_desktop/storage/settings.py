"""Small key/value settings kept inside the encrypted database (JSON values)."""

from __future__ import annotations

import json
from typing import Any

from chat_desktop.storage.db import Database


class SettingsRepository:
    """Reads and writes of the ``settings`` table.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value of ``key``, or ``default``."""
        value = self._db.query_value("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else json.loads(value)

    def items_json(self) -> list[tuple[str, str]]:
        """Every setting as ``(key, JSON text)``, by key (what a backup carries)."""
        rows = self._db.query_all("SELECT key, value FROM settings ORDER BY key")
        return [(str(row[0]), str(row[1])) for row in rows]

    def set_json(self, key: str, value_json: str) -> None:
        """Stores a value given as JSON text (checked to be JSON) under ``key``."""
        json.loads(value_json)
        self._db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value_json),
        )

    def set(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under ``key``."""
        self._db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self._db.execute("DELETE FROM settings WHERE key = ?", (key,))
