"""Messages: insert, status, read marks, keyset windows for the message list, expiry.

Every read filters out expired rows in SQL (``expires_at`` in the past), so a message that has
disappeared is never returned, even before the sweeper deletes it. Windows are fetched by keyset
on (sort_key, seq) through the ``messages_by_position`` index: the cost does not grow with the
length of the conversation (no OFFSET anywhere).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.errors import NotFound
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    Message,
    MessageCursor,
    MessageKey,
    MessageStatus,
    NewMessage,
)

Clock = Callable[[], int]

MESSAGE_COLUMNS = (
    "seq, id, conversation_id, sender, sender_device, direction, sort_key, kind, body, status, "
    "undecryptable, sent_at, received_at, read_at, server_ts, expire_timer, expires_at, "
    "att_blob_id, att_key, att_digest, att_size, att_mime, att_file_name, att_width, "
    "att_height, att_thumbnail, att_file_id, att_local_status"
)
NOT_EXPIRED = "(expires_at IS NULL OR expires_at > :now)"

# Forward-only status: a late "delivered" never overwrites "read".
_STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.FAILED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
_RANK_SQL = (
    "CASE status WHEN 'pending' THEN 0 WHEN 'failed' THEN 0 WHEN 'sent' THEN 1 "
    "WHEN 'delivered' THEN 2 ELSE 3 END"
)


def message_from_row(row: Row) -> Message:
    """Build a :class:`Message` from a row selected with :data:`MESSAGE_COLUMNS`."""
    attachment = None
    if any(value is not None for value in row[17:28]):
        attachment = AttachmentInfo(
            blob_id=row[17],
            key=row[18],
            digest=row[19],
            size=row[20],
            mime=row[21],
            file_name=row[22],
            width=row[23],
            height=row[24],
            thumbnail=row[25],
            local_file_id=row[26],
            local_status=row[27],
        )
    return Message(
        seq=row[0],
        id=row[1],
        conversation_id=row[2],
        sender=row[3],
        sender_device=row[4],
        direction=Direction(row[5]),
        sort_key=row[6],
        kind=row[7],
        body=row[8],
        status=MessageStatus(row[9]),
        undecryptable=bool(row[10]),
        sent_at=row[11],
        received_at=row[12],
        read_at=row[13],
        server_ts=row[14],
        expire_timer=row[15],
        expires_at=row[16],
        attachment=attachment,
    )


class MessageRepository:
    """Reads and writes of the ``messages`` table.

    Args:
        database: The open database.
        clock: Current time in ms (the expiry filter's "now").
        attachment_path: Maps an attachment file id to its path (for deletion).
    """

    def __init__(
        self, database: Database, clock: Clock, attachment_path: Callable[[str], Path]
    ) -> None:
        self._db = database
        self._clock = clock
        self._attachment_path = attachment_path

    # --- writes ---------------------------------------------------------------------------

    def insert(self, message: NewMessage) -> bool:
        """Insert a message; False if one with the same id is already in the conversation.

        Creates the conversation if needed, bumps its activity time and, for an unread
        incoming message, its unread count.
        """
        attachment = message.attachment or AttachmentInfo()
        now = self._clock()
        with self._db.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO conversations(id, peer_address, created_at) "
                "VALUES (?, NULL, ?)",
                (message.conversation_id, now),
            )
            cursor = self._db.execute(
                "INSERT INTO messages(id, conversation_id, sender, sender_device, direction, "
                "sort_key, kind, body, status, undecryptable, sent_at, received_at, read_at, "
                "server_ts, expire_timer, expires_at, att_blob_id, att_key, att_digest, "
                "att_size, att_mime, att_file_name, att_width, att_height, att_thumbnail, "
                "att_file_id, att_local_status) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(conversation_id, id) DO NOTHING",
                (
                    message.id,
                    message.conversation_id,
                    message.sender,
                    message.sender_device,
                    message.direction.value,
                    message.sort_key,
                    message.kind,
                    message.body,
                    message.status.value,
                    int(message.undecryptable),
                    message.sent_at,
                    message.received_at,
                    message.read_at,
                    message.server_ts,
                    message.expire_timer,
                    message.expires_at,
                    attachment.blob_id,
                    attachment.key,
                    attachment.digest,
                    attachment.size,
                    attachment.mime,
                    attachment.file_name,
                    attachment.width,
                    attachment.height,
                    attachment.thumbnail,
                    attachment.local_file_id,
                    attachment.local_status,
                ),
            )
            if cursor.rowcount == 0:
                return False
            unread = int(message.direction is Direction.INCOMING and message.read_at is None)
            self._db.execute(
                "UPDATE conversations SET unread_count = unread_count + ?, "
                "last_activity_at = max(last_activity_at, ?) WHERE id = ?",
                (unread, message.sort_key, message.conversation_id),
            )
        return True

    def update_status(
        self, key: MessageKey, status: MessageStatus, *, server_ts: int | None = None
    ) -> bool:
        """Move a message's status forward (pending → sent → delivered → read).

        ``failed`` is only reached from ``pending``; ``pending`` only from ``failed`` (retry).
        A step backwards (a late ``delivered`` after ``read``) is ignored.

        Returns:
            True if the row changed.
        """
        if status is MessageStatus.FAILED:
            condition = "status = 'pending'"
        elif status is MessageStatus.PENDING:
            condition = "status = 'failed'"
        else:
            condition = f"{_RANK_SQL} < {_STATUS_RANK[status]}"
        cursor = self._db.execute(
            f"UPDATE messages SET status = ?, server_ts = coalesce(?, server_ts) "  # noqa: S608
            f"WHERE conversation_id = ? AND id = ? AND {condition}",
            (status.value, server_ts, key.conversation_id, key.message_id),
        )
        return bool(cursor.rowcount)

    def mark_read(self, conversation_id: str, up_to: MessageCursor, read_at: int) -> list[Message]:
        """Mark every unread incoming message up to ``up_to`` (inclusive) as read.

        Returns:
            The messages that became read (their senders get read receipts).
        """
        params = {"conv": conversation_id, "sk": up_to.sort_key, "seq": up_to.seq}
        with self._db.transaction():
            rows = self._db.query_all(
                f"SELECT {MESSAGE_COLUMNS} FROM messages "  # noqa: S608
                "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
                "AND (sort_key, seq) <= (:sk, :seq)",
                params,
            )
            self._db.execute(
                "UPDATE messages SET read_at = :read_at, status = 'read' "
                "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
                "AND (sort_key, seq) <= (:sk, :seq)",
                {**params, "read_at": read_at},
            )
            self._recount_unread(conversation_id)
        return [message_from_row(row) for row in rows]

    def set_expiry(self, key: MessageKey, expires_at: int | None) -> None:
        """Set when a message disappears (e.g. its timer starts once it is read)."""
        self._db.execute(
            "UPDATE messages SET expires_at = ? WHERE conversation_id = ? AND id = ?",
            (expires_at, key.conversation_id, key.message_id),
        )

    def update_attachment_state(
        self, key: MessageKey, *, local_file_id: str | None, local_status: str
    ) -> None:
        """Record the local copy of a message's attachment (its encrypted file) and its state."""
        cursor = self._db.execute(
            "UPDATE messages SET att_file_id = ?, att_local_status = ? "
            "WHERE conversation_id = ? AND id = ?",
            (local_file_id, local_status, key.conversation_id, key.message_id),
        )
        if cursor.rowcount == 0:
            raise NotFound("no such message")

    def delete(self, keys: Sequence[MessageKey]) -> int:
        """Delete messages with their search entries, attachment files and outbox entries.

        Files are unlinked only after the transaction commits. Returns how many were deleted.
        """
        deleted = 0
        file_ids: list[str] = []
        with self._db.transaction():
            touched: set[str] = set()
            for key in keys:
                rows = self._db.query_all(
                    "DELETE FROM messages WHERE conversation_id = ? AND id = ? "
                    "RETURNING att_file_id",
                    (key.conversation_id, key.message_id),
                )
                if not rows:
                    continue
                deleted += 1
                touched.add(key.conversation_id)
                if rows[0][0] is not None:
                    file_ids.append(rows[0][0])
            for file_id in file_ids:
                self._db.execute("DELETE FROM attachment_files WHERE id = ?", (file_id,))
            for key in keys:  # an unsent copy (plaintext until encrypted) must not outlive it
                self._db.execute(
                    "DELETE FROM outbox WHERE conversation_id = ? AND message_id = ?",
                    (key.conversation_id, key.message_id),
                )
            for conversation_id in touched:
                self._recount_unread(conversation_id)
            paths = [self._attachment_path(file_id) for file_id in file_ids]
            self._db.after_commit(lambda: _unlink_all(paths))
        return deleted

    def _recount_unread(self, conversation_id: str) -> None:
        self._db.execute(
            "UPDATE conversations SET unread_count = (SELECT count(*) FROM messages "  # noqa: S608
            "WHERE conversation_id = :conv AND direction = 'in' AND read_at IS NULL "
            f"AND {NOT_EXPIRED}) WHERE id = :conv",
            {"conv": conversation_id, "now": self._clock()},
        )

    # --- reads ----------------------------------------------------------------------------

    def get(self, key: MessageKey) -> Message | None:
        """One message, or None if absent or expired."""
        row = self._db.query_one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages "  # noqa: S608
            f"WHERE conversation_id = :conv AND id = :id AND {NOT_EXPIRED}",
            {"conv": key.conversation_id, "id": key.message_id, "now": self._clock()},
        )
        return None if row is None else message_from_row(row)

    def cursor_of(self, key: MessageKey) -> MessageCursor | None:
        """The keyset position of a message, or None if absent or expired."""
        message = self.get(key)
        return None if message is None else message.cursor

    def count(self, conversation_id: str) -> int:
        """How many visible (not expired) messages the conversation holds."""
        return int(
            self._db.query_value(
                f"SELECT count(*) FROM messages WHERE conversation_id = :conv AND {NOT_EXPIRED}",  # noqa: S608
                {"conv": conversation_id, "now": self._clock()},
            )
        )

    def newest(self, conversation_id: str, limit: int) -> list[Message]:
        """The newest ``limit`` messages, oldest first."""
        return self._page(conversation_id, None, limit, older=True)

    def oldest(self, conversation_id: str, limit: int) -> list[Message]:
        """The oldest ``limit`` messages, oldest first."""
        return self._page(conversation_id, None, limit, older=False)

    def before(self, conversation_id: str, anchor: MessageCursor, limit: int) -> list[Message]:
        """Up to ``limit`` messages strictly older than ``anchor``, oldest first."""
        return self._page(conversation_id, anchor, limit, older=True)

    def after(self, conversation_id: str, anchor: MessageCursor, limit: int) -> list[Message]:
        """Up to ``limit`` messages strictly newer than ``anchor``, oldest first."""
        return self._page(conversation_id, anchor, limit, older=False)

    def around(self, key: MessageKey, limit: int) -> list[Message]:
        """About ``limit`` messages centred on one message (included), oldest first.

        Raises:
            NotFound: The message is absent or expired.
        """
        anchor_message = self.get(key)
        if anchor_message is None:
            raise NotFound("no such message")
        older = self.before(key.conversation_id, anchor_message.cursor, max(0, (limit - 1) // 2))
        newer_count = max(0, limit - 1 - len(older))
        newer = self.after(key.conversation_id, anchor_message.cursor, newer_count)
        if len(older) + len(newer) + 1 < limit:
            missing = limit - 1 - len(newer)
            older = self.before(key.conversation_id, anchor_message.cursor, missing)
        return [*older, anchor_message, *newer]

    def expired(self, limit: int = 500) -> list[MessageKey]:
        """Messages whose time is up, for the sweeper to delete."""
        rows = self._db.query_all(
            "SELECT conversation_id, id FROM messages "
            "WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?",
            (self._clock(), limit),
        )
        return [MessageKey(conversation_id=row[0], message_id=row[1]) for row in rows]

    def _page(
        self, conversation_id: str, anchor: MessageCursor | None, limit: int, *, older: bool
    ) -> list[Message]:
        if limit <= 0:
            return []
        params: dict[str, Any] = {"conv": conversation_id, "now": self._clock(), "limit": limit}
        position = ""
        if anchor is not None:
            position = (
                "AND (sort_key, seq) < (:sk, :seq)"
                if older
                else "AND (sort_key, seq) > (:sk, :seq)"
            )
            params.update(sk=anchor.sort_key, seq=anchor.seq)
        order = "DESC" if older else "ASC"
        rows = self._db.query_all(
            f"SELECT {MESSAGE_COLUMNS} FROM messages "  # noqa: S608 - fixed fragments only
            f"WHERE conversation_id = :conv {position} AND {NOT_EXPIRED} "
            f"ORDER BY sort_key {order}, seq {order} LIMIT :limit",
            params,
        )
        messages = [message_from_row(row) for row in rows]
        if older:
            messages.reverse()
        return messages


def _unlink_all(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
