"""Drafts: the text typed into a conversation's box and not sent yet (schema v6).

One row per conversation; an empty draft is no row. A draft goes with its conversation (the
foreign key cascades). Drafts stay on this computer: nothing here is synced or sent.
"""

from __future__ import annotations

from collections.abc import Callable

from chat_desktop.storage.db import Database
from chat_desktop.storage.migrations.v006_drafts import MAX_DRAFT_LENGTH

Clock = Callable[[], int]

__all__ = ["MAX_DRAFT_LENGTH", "DraftRepository"]


class DraftRepository:
    """Reads and writes of the ``drafts`` table.

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def get(self, conversation_id: str) -> str:
        """The draft of ``conversation_id`` ("" when there is none)."""
        value = self._db.query_value(
            "SELECT body FROM drafts WHERE conversation_id = ?", (conversation_id,)
        )
        return "" if value is None else str(value)

    def all(self) -> dict[str, str]:
        """Every draft, by conversation (there are few: one per chat with unsent text)."""
        rows = self._db.query_all("SELECT conversation_id, body FROM drafts")
        return {str(row[0]): str(row[1]) for row in rows}

    def set(self, conversation_id: str, body: str) -> bool:
        """Keeps ``body`` as the draft of an existing conversation ("" clears it).

        Returns:
            Whether the stored draft changed.

        Raises:
            ValueError: ``body`` is longer than :data:`MAX_DRAFT_LENGTH`.
        """
        if len(body) > MAX_DRAFT_LENGTH:
            raise ValueError(f"a draft holds at most {MAX_DRAFT_LENGTH} characters")
        if not body:
            cursor = self._db.execute(
                "DELETE FROM drafts WHERE conversation_id = ?", (conversation_id,)
            )
            return bool(cursor.rowcount)
        cursor = self._db.execute(
            "INSERT INTO drafts(conversation_id, body, updated_at) VALUES (:id, :body, :now) "
            "ON CONFLICT(conversation_id) DO UPDATE SET body = excluded.body, "
            "updated_at = excluded.updated_at WHERE body != excluded.body",
            {"id": conversation_id, "body": body, "now": self._clock()},
        )
        return bool(cursor.rowcount)
