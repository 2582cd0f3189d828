"""Full-text search of message bodies with FTS5, inside the same encrypted database.

Triggers keep ``messages_fts`` in step with ``messages`` (insert, edit, delete): an edit
re-indexes the new text and drops the old one, and a tombstone (deleted for everyone: its body
set to NULL) drops its words. The query joins back to ``messages`` with the expiry filter and
leaves tombstones out, so a deleted or expired message is never found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chat_desktop.storage.db import Database
from chat_desktop.storage.messages import MESSAGE_COLUMNS, message_from_row
from chat_desktop.storage.models import Message

Clock = Callable[[], int]


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must match (last as prefix).

    Each word is quoted, so FTS5 operators and punctuation in the input have no effect.
    """
    words = [word.replace('"', '""') for word in text.split()]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


class MessageSearch:
    """Search over message bodies.

    Args:
        database: The open database.
        clock: Current time in ms (for the expiry filter).
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def search(
        self, text: str, *, conversation_id: str | None = None, limit: int = 50
    ) -> list[Message]:
        """Messages whose body matches every word of ``text``, most recently stored first.

        Ordered by rowid so FTS5 streams matches and stops at ``limit`` (no sort of all hits).
        """
        query = fts_query(text)
        if query is None:
            return []
        params: dict[str, Any] = {"query": query, "now": self._clock(), "limit": limit}
        scope = ""
        if conversation_id is not None:
            scope = "AND m.conversation_id = :conv"
            params["conv"] = conversation_id
        columns = ", ".join(f"m.{column.strip()}" for column in MESSAGE_COLUMNS.split(","))
        rows = self._db.query_all(
            f"SELECT {columns} FROM messages_fts JOIN messages AS m ON m.seq = messages_fts.rowid "  # noqa: S608
            f"WHERE messages_fts MATCH :query {scope} "
            "AND m.deleted = 0 AND (m.expires_at IS NULL OR m.expires_at > :now) "
            "ORDER BY messages_fts.rowid DESC LIMIT :limit",
            params,
        )
        return [message_from_row(row) for row in rows]
