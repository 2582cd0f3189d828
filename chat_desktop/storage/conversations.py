"""Conversations: the list, the disappearing-messages timer, unread counts, mute/pin/archive.

The conversation list is read by :meth:`ConversationRepository.list_summaries` in one query:
the page of conversations comes from the ``conversations_listed`` index (pinned first, then
newest activity), and each one's newest shown message from ``messages_by_position`` (one index
seek per conversation, inside the same statement), so the cost follows the number of
conversations listed, not the number of messages stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.messages import MESSAGE_COLUMNS, NOT_EXPIRED, message_from_row
from chat_desktop.storage.models import Conversation

Clock = Callable[[], int]

_COLUMNS = (
    "id, peer_address, title, expire_timer, unread_count, last_activity_at, created_at, "
    "muted, pinned, archived, marked_unread, accepted"
)
_COLUMN_COUNT = len(_COLUMNS.split(","))
_LISTED_COLUMNS = ", ".join(f"listed.{name.strip()}" for name in _COLUMNS.split(","))
_LAST_MESSAGE_COLUMNS = ", ".join(f"m.{name.strip()}" for name in MESSAGE_COLUMNS.split(","))
_LIST_ORDER = "pinned DESC, last_activity_at DESC, id"
#: A message the list may preview: not deleted for everyone (a tombstone), not expired.
_SHOWN = f"deleted = 0 AND {NOT_EXPIRED}"


def _list_query(*, include_archived: bool, requests: bool = False) -> str:
    """The conversation-list statement (fixed fragments only; values are bound).

    Message requests are listed apart: only with ``requests`` (archived or not), and never
    in the list itself.
    """
    if requests:
        where = "WHERE accepted = 0"
    else:
        where = "WHERE accepted = 1" if include_archived else "WHERE archived = 0 AND accepted = 1"
    # The page is picked first (MATERIALIZED keeps SQLite from flattening it into the outer
    # query), so the newest-message lookup runs only for the conversations listed.
    return (
        "WITH listed AS MATERIALIZED ("  # noqa: S608 - fixed fragments only
        f"SELECT {_COLUMNS} FROM conversations {where} ORDER BY {_LIST_ORDER} LIMIT :limit) "
        f"SELECT {_LISTED_COLUMNS}, {_LAST_MESSAGE_COLUMNS} FROM listed "
        "LEFT JOIN messages AS m ON m.seq = ("
        "SELECT seq FROM messages WHERE conversation_id = listed.id "
        f"AND {_SHOWN} ORDER BY sort_key DESC, seq DESC LIMIT 1) "
        f"ORDER BY listed.pinned DESC, listed.last_activity_at DESC, listed.id"
    )


_LIST_ACTIVE = _list_query(include_archived=False)
_LIST_ALL = _list_query(include_archived=True)
_LIST_REQUESTS = _list_query(include_archived=True, requests=True)


def _conversation_from_row(row: Row) -> Conversation:
    last_message = None
    if len(row) > _COLUMN_COUNT and row[_COLUMN_COUNT] is not None:  # m.seq: a message joined
        last_message = message_from_row(row[_COLUMN_COUNT:])
    return Conversation(
        id=row[0],
        peer_address=row[1],
        title=row[2],
        expire_timer=row[3],
        unread_count=row[4],
        last_activity_at=row[5],
        created_at=row[6],
        muted=bool(row[7]),
        pinned=bool(row[8]),
        archived=bool(row[9]),
        marked_unread=bool(row[10]),
        accepted=bool(row[11]),
        last_message=last_message,
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

    def open_incoming(self, conversation_id: str) -> bool:
        """Ensures the one-to-one conversation an incoming message goes to; True if it is a
        message request.

        A conversation that did not exist yet is opened as a request (not accepted): the
        peer wrote first. An existing one keeps its state.
        """
        self._db.execute(
            "INSERT INTO conversations(id, peer_address, created_at, accepted) "
            "VALUES (?, ?, ?, 0) ON CONFLICT(id) DO NOTHING",
            (conversation_id, conversation_id, self._clock()),
        )
        return self.is_request(conversation_id)

    def is_request(self, conversation_id: str) -> bool:
        """Whether the conversation exists and is a message request (not accepted)."""
        value = self._db.query_value(
            "SELECT accepted FROM conversations WHERE id = ?", (conversation_id,)
        )
        return bool(value == 0)

    def set_accepted(self, conversation_id: str) -> bool:
        """Accepts a message request; True if the conversation was one."""
        cursor = self._db.execute(
            "UPDATE conversations SET accepted = 1 WHERE id = ? AND accepted = 0",
            (conversation_id,),
        )
        return bool(cursor.rowcount)

    def requests(self, limit: int = 500) -> list[Conversation]:
        """The message requests, newest activity first, each with its preview (as
        :meth:`list_summaries` reads them).

        Raises:
            ValueError: ``limit`` is not positive.
        """
        if limit <= 0:
            raise ValueError("the request list needs a positive limit")
        rows = self._db.query_all(_LIST_REQUESTS, {"limit": limit, "now": self._clock()})
        return [_conversation_from_row(row) for row in rows]

    def get(self, conversation_id: str) -> Conversation | None:
        """One conversation, or None."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM conversations WHERE id = ?",  # noqa: S608
            (conversation_id,),
        )
        return None if row is None else _conversation_from_row(row)

    def list_recent(self, limit: int = 500) -> list[Conversation]:
        """Conversations, most recent activity first (archived ones too; no preview)."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM conversations "  # noqa: S608
            "ORDER BY last_activity_at DESC, id LIMIT ?",
            (limit,),
        )
        return [_conversation_from_row(row) for row in rows]

    def list_summaries(
        self, limit: int = 500, *, include_archived: bool = False
    ) -> list[Conversation]:
        """The conversation list: pinned first, then newest activity first, with previews.

        Each conversation comes with its newest message still shown (``last_message``: not
        deleted for everyone, not expired), its unread count and its flags, all in one
        statement. Message requests are not listed (:meth:`requests` lists them).

        Args:
            limit: At most this many conversations (the first page of the list).
            include_archived: Also list archived conversations (the "Archived" view);
                otherwise they are left out.

        Raises:
            ValueError: ``limit`` is not positive.
        """
        if limit <= 0:
            raise ValueError("the conversation list needs a positive limit")
        rows = self._db.query_all(
            _LIST_ALL if include_archived else _LIST_ACTIVE,
            {"limit": limit, "now": self._clock()},
        )
        return [_conversation_from_row(row) for row in rows]

    def set_muted(self, conversation_id: str, muted: bool) -> bool:
        """Mute or unmute a conversation; True if that changed anything."""
        return self._set_flag("muted", conversation_id, muted)

    def set_pinned(self, conversation_id: str, pinned: bool) -> bool:
        """Pin or unpin a conversation; True if that changed anything."""
        return self._set_flag("pinned", conversation_id, pinned)

    def set_archived(self, conversation_id: str, archived: bool) -> bool:
        """Archive or unarchive a conversation; True if that changed anything.

        A new incoming message unarchives it again unless it is muted (a trigger of the
        schema does that at insert).
        """
        return self._set_flag("archived", conversation_id, archived)

    def set_marked_unread(self, conversation_id: str, marked: bool) -> bool:
        """Mark a conversation unread (until it is opened), or clear that; True if changed."""
        return self._set_flag("marked_unread", conversation_id, marked)

    def _set_flag(self, column: str, conversation_id: str, value: bool) -> bool:
        if column not in ("muted", "pinned", "archived", "marked_unread"):
            raise ValueError("not a conversation flag")
        cursor = self._db.execute(
            f"UPDATE conversations SET {column} = :value "  # noqa: S608 - checked name
            f"WHERE id = :id AND {column} != :value",
            {"value": int(value), "id": conversation_id},
        )
        return bool(cursor.rowcount)

    def unread_total(self, *, include_muted: bool = True) -> int:
        """Unread incoming messages over every conversation that is not archived.

        A conversation marked unread with no unread message counts as one (as Signal's
        badge does). Muted conversations count too unless ``include_muted`` is False (the
        window title leaves them out): muting silences notifications, not the list's count.
        """
        where = "archived = 0" if include_muted else "archived = 0 AND muted = 0"
        return int(
            self._db.query_value(
                "SELECT coalesce(sum(max(unread_count, marked_unread)), 0) "  # noqa: S608
                f"FROM conversations WHERE {where}"
            )
        )

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
