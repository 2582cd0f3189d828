"""Edit history: the texts an edit replaced, so the user can see what a message said before.

Each applied edit adds one row (the replaced text, when it was replaced, the edit's content
id). A message takes at most :data:`MAX_EDITS` edits, whoever sends them, so a peer can't
grow the table without bound; the same edit replayed, or one older than the current text,
changes nothing.
"""

from __future__ import annotations

from chat_desktop.storage.db import Database

#: Most edits one message takes (later ones are refused / ignored).
MAX_EDITS = 20


class EditRepository:
    """Reads and writes of ``message_edits``.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def count(self, conversation_id: str, message_id: str) -> int:
        """How many edits one message had."""
        return int(
            self._db.query_value(
                "SELECT count(*) FROM message_edits WHERE conversation_id = ? AND message_id = ?",
                (conversation_id, message_id),
            )
        )

    def has(self, conversation_id: str, message_id: str, content_id: str) -> bool:
        """Whether the edit with this content id was applied already."""
        return (
            self._db.query_one(
                "SELECT 1 FROM message_edits "
                "WHERE conversation_id = ? AND message_id = ? AND content_id = ?",
                (conversation_id, message_id, content_id),
            )
            is not None
        )

    def add(
        self,
        conversation_id: str,
        message_id: str,
        *,
        content_id: str,
        edited_at: int,
        previous_body: str,
    ) -> None:
        """Records the text an edit replaced."""
        self._db.execute(
            "INSERT INTO message_edits(conversation_id, message_id, content_id, edited_at, "
            "previous_body) VALUES (?, ?, ?, ?, ?)",
            (conversation_id, message_id, content_id, edited_at, previous_body),
        )

    def history(self, conversation_id: str, message_id: str) -> list[tuple[int, str]]:
        """``(edited_at, replaced text)`` of every edit of one message, oldest first."""
        rows = self._db.query_all(
            "SELECT edited_at, previous_body FROM message_edits "
            "WHERE conversation_id = ? AND message_id = ? ORDER BY edited_at, content_id",
            (conversation_id, message_id),
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    def clear(self, conversation_id: str, message_id: str) -> None:
        """Forgets a message's history (it was deleted for everyone)."""
        self._db.execute(
            "DELETE FROM message_edits WHERE conversation_id = ? AND message_id = ?",
            (conversation_id, message_id),
        )
