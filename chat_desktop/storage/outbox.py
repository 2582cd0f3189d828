"""The outbox: encrypted messages kept until the relay acks them, resent in order."""

from __future__ import annotations

from collections.abc import Callable

from chat_desktop.storage.db import Database, Row
from chat_desktop.storage.models import MessageStatus, OutboxEntry

Clock = Callable[[], int]

GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000

_COLUMNS = (
    "seq, message_id, conversation_id, recipient, payload, state, attempts, created_at, "
    "last_attempt_at"
)


def _entry_from_row(row: Row) -> OutboxEntry:
    return OutboxEntry(
        seq=row[0],
        message_id=row[1],
        conversation_id=row[2],
        recipient=row[3],
        payload=row[4],
        failed=row[5] == "failed",
        attempts=row[6],
        created_at=row[7],
        last_attempt_at=row[8],
    )


class OutboxRepository:
    """Reads and writes of the ``outbox`` table (and the matching message statuses).

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def enqueue(
        self, conversation_id: str, message_id: str, recipient: str, payload: bytes
    ) -> OutboxEntry:
        """Queue the exact bytes to emit; enqueueing the same message again returns the entry."""
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO outbox(message_id, conversation_id, recipient, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(conversation_id, message_id, recipient) DO NOTHING",
                (message_id, conversation_id, recipient, payload, self._clock()),
            )
            row = self._db.query_one(
                f"SELECT {_COLUMNS} FROM outbox "  # noqa: S608
                "WHERE conversation_id = ? AND message_id = ? AND recipient = ?",
                (conversation_id, message_id, recipient),
            )
        assert row is not None
        return _entry_from_row(row)

    def pending(self, limit: int = 1000) -> list[OutboxEntry]:
        """Entries still to send, in the order they were queued."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?",  # noqa: S608
            (limit,),
        )
        return [_entry_from_row(row) for row in rows]

    def failed(self) -> list[OutboxEntry]:
        """Entries that gave up, in queue order."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = 'failed' ORDER BY seq"  # noqa: S608
        )
        return [_entry_from_row(row) for row in rows]

    def record_attempt(self, seq: int) -> None:
        """Count one emit of an entry."""
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?",
            (self._clock(), seq),
        )

    def mark_acked(self, seq: int, server_ts: int) -> bool:
        """The relay stored the message: drop the entry and mark the message sent (✓).

        Returns:
            False if the entry was already gone (a duplicate ack).
        """
        with self._db.transaction():
            rows = self._db.query_all(
                "DELETE FROM outbox WHERE seq = ? RETURNING conversation_id, message_id, recipient",
                (seq,),
            )
            if not rows:
                return False
            conversation_id, message_id, recipient = rows[0]
            if recipient == conversation_id:  # not a sync copy to our own other devices
                self._db.execute(
                    "UPDATE messages SET status = 'sent', server_ts = ? "
                    "WHERE conversation_id = ? AND id = ? AND status IN ('pending', 'failed')",
                    (server_ts, conversation_id, message_id),
                )
        return True

    def fail_stale(self, max_age_ms: int = GIVE_UP_AFTER_MS) -> list[OutboxEntry]:
        """Give up on entries unacked for ``max_age_ms``: they and their messages become failed."""
        cutoff = self._clock() - max_age_ms
        with self._db.transaction():
            rows = self._db.query_all(
                "UPDATE outbox SET state = 'failed' WHERE state = 'pending' AND created_at <= ? "  # noqa: S608
                f"RETURNING {_COLUMNS}",
                (cutoff,),
            )
            for row in rows:
                entry = _entry_from_row(row)
                if entry.recipient != entry.conversation_id:
                    continue  # a sync copy: the message's own status is the peer entry's
                self._db.execute(
                    "UPDATE messages SET status = ? "
                    "WHERE conversation_id = ? AND id = ? AND status = 'pending'",
                    (MessageStatus.FAILED.value, entry.conversation_id, entry.message_id),
                )
        return sorted((_entry_from_row(row) for row in rows), key=lambda entry: entry.seq)

    def retry(self, conversation_id: str, message_id: str) -> int:
        """Send a failed message again (user's "retry"): its entries and status become pending.

        The entries restart their 24 h window. Returns how many entries were requeued.
        """
        with self._db.transaction():
            cursor = self._db.execute(
                "UPDATE outbox SET state = 'pending', created_at = ? "
                "WHERE conversation_id = ? AND message_id = ? AND state = 'failed'",
                (self._clock(), conversation_id, message_id),
            )
            self._db.execute(
                "UPDATE messages SET status = 'pending' "
                "WHERE conversation_id = ? AND id = ? AND status = 'failed'",
                (conversation_id, message_id),
            )
        return int(cursor.rowcount)

    def update_payload(self, seq: int, payload: bytes) -> None:
        """Replace an entry's bytes (e.g. once encrypted: resends then reuse exactly these)."""
        self._db.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (payload, seq))

    def mark_failed(self, seq: int) -> None:
        """Give up on one entry now (the relay refused it); its message becomes failed."""
        with self._db.transaction():
            rows = self._db.query_all(
                "UPDATE outbox SET state = 'failed' WHERE seq = ? "
                "RETURNING conversation_id, message_id, recipient",
                (seq,),
            )
            for conversation_id, message_id, recipient in rows:
                if recipient != conversation_id:
                    continue  # a sync copy: the message's own status is the peer entry's
                self._db.execute(
                    "UPDATE messages SET status = ? "
                    "WHERE conversation_id = ? AND id = ? AND status = 'pending'",
                    (MessageStatus.FAILED.value, conversation_id, message_id),
                )
