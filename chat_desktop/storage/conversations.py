"""Conversations: the list, the disappearing-messages timer, unread counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.models import Conversation

Clock = Callable[[], int]

_COLUMNS = "id, peer_address, title, expire_timer, unread_count, last_activity_at, created_at"


def _conversation_from_row(row: Row) -> Conversation:
    return Conversation(
        id=row[0],
        peer_address=row[1],
        title=row[2],
        expire_timer=row[3],
        unread_count=row[4],
        last_activity_at=row[5],
        created_at=row[6],
    )


class ConversationRepository:
    """Reads and writes of the ``conversations`` table.

    Args:
        database: The open database.
        clock: Current time in ms.
        attachment_path: Maps an attachment file id to its path (for deletion); without it,
            the files of a deleted conversation are left to the orphan cleanup.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        attachment_path: Callable[[str], Path] | None = None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._attachment_path = attachment_path

    def ensure(
        self, conversation_id: str, *, peer_address: str | None = None, title: str | None = None
    ) -> Conversation:
        """Create the conversation if missing (filling peer and title if given); return it."""
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO conversations(id, peer_address, title, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "peer_address = coalesce(excluded.peer_address, peer_address), "
                "title = coalesce(excluded.title, title)",
                (conversation_id, peer_address, title, self._clock()),
            )
            conversation = self.get(conversation_id)
        assert conversation is not None
        return conversation

    def get(self, conversation_id: str) -> Conversation | None:
        """One conversation, or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM conversations WHERE id = ?",  # noqa: S608
            (conversation_id,),
        )
        return None if row is None else _conversation_from_row(row)

    def list_recent(self, limit: int = 500) -> list[Conversation]:
        """Conversations, most recent activity first."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM conversations "  # noqa: S608
            "ORDER BY last_activity_at DESC, id LIMIT ?",
            (limit,),
        )
        return [_conversation_from_row(row) for row in rows]

    def set_expire_timer(self, conversation_id: str, seconds: int) -> None:
        """Set the disappearing-messages timer (0 turns it off)."""
        if seconds < 0:
            raise ValueError("a timer can't be negative")
        self._db.execute(
            "UPDATE conversations SET expire_timer = ? WHERE id = ?", (seconds, conversation_id)
        )

    def set_title(self, conversation_id: str, title: str | None) -> None:
        """Set or clear the display title."""
        self._db.execute(
            "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
        )

    def delete(self, conversation_id: str) -> None:
        """Delete a conversation, its messages (by cascade) and their attachment files.

        The files are unlinked once the deletion commits.
        """
        with self._db.transaction():
            file_ids = [
                str(row[0])
                for row in self._db.query_all(
                    "SELECT att_file_id FROM messages "
                    "WHERE conversation_id = ? AND att_file_id IS NOT NULL",
                    (conversation_id,),
                )
            ]
            self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            for file_id in file_ids:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
            if self._attachment_path is not None:
                paths = [self._attachment_path(file_id) for file_id in file_ids]
                self._db.after_commit(lambda: _unlink_all(paths))


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
