"""The send log: which of our messages a device may have re-sent, and to which identity key.

Signal's message send log, for one-to-one messages: a row per (conversation, message,
recipient device) that a text or attachment message of ours was encrypted to, bound to the
identity key of that encryption. A retry request is honoured only against a row of the
requesting device with the key it asks with (``services/resending.py``). A row goes when the
device's delivery receipt arrives (:meth:`SendLogRepository.forget_delivered`), after
:data:`KEEP_MS` (:meth:`SendLogRepository.purge`), and with its message (schema v5's
triggers: a delete for everyone also cancels the resends still queued).

A message the device asked for with a new identity key is queued once more as ordinary
sending (:meth:`SendLogRepository.note_requeue`): once per message, whatever asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from chat_desktop.storage.db import Database, Row

Clock = Callable[[], int]

#: How long a message may be re-sent to a device after it was first encrypted to it (ms).
KEEP_MS = 24 * 60 * 60 * 1000

_COLUMNS = (
    "conversation_id, message_id, device_id, identity_key, sent_at, resend_count, "
    "resend_envelope_id, requeued"
)


class SendLogEntry(msgspec.Struct, frozen=True):
    """What may be re-sent of one message to one device.

    Attributes:
        conversation_id: The peer.
        message_id: Our message's id (the content id).
        device_id: The peer's device it was encrypted to.
        identity_key: The identity key of the session it was first encrypted on.
        sent_at: When it was first encrypted to the device (ms, our clock).
        resend_count: Resends queued for this device so far.
        resend_envelope_id: The envelope id of a resend that was queued last (its outbox
            entry may be gone already: sent, or cancelled).
        requeued: The message was queued once more for a new identity key already.
    """

    conversation_id: str
    message_id: str
    device_id: int
    identity_key: bytes
    sent_at: int
    resend_count: int
    resend_envelope_id: str | None
    requeued: bool = False


def _entry(row: Row) -> SendLogEntry:
    return SendLogEntry(
        conversation_id=row[0],
        message_id=row[1],
        device_id=row[2],
        identity_key=bytes(row[3]),
        sent_at=row[4],
        resend_count=row[5],
        resend_envelope_id=row[6],
        requeued=bool(row[7]),
    )


class SendLogRepository:
    """Reads and writes of the ``send_log`` table.

    Args:
        database: The open database.
        clock: Current time in ms.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def record(
        self, conversation_id: str, message_id: str, device_ids: Iterable[int], identity_key: bytes
    ) -> None:
        """Notes that a message was encrypted to these devices under ``identity_key``.

        A row that exists stays as it is: it keeps the key the message was first encrypted
        to, its time and its resend count.
        """
        now = self._clock()
        for device_id in device_ids:
            self._db.execute(
                "INSERT INTO send_log(conversation_id, message_id, device_id, identity_key, "
                "sent_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(conversation_id, message_id, device_id) DO NOTHING",
                (conversation_id, message_id, device_id, identity_key, now),
            )

    def entry(self, conversation_id: str, message_id: str, device_id: int) -> SendLogEntry | None:
        """The row of one message and device, or None (never sent there, delivered, too old)."""
        row = self._db.query_one(
            f"SELECT {_COLUMNS} FROM send_log "  # noqa: S608
            "WHERE conversation_id = ? AND message_id = ? AND device_id = ? AND sent_at > ?",
            (conversation_id, message_id, device_id, self._clock() - KEEP_MS),
        )
        return None if row is None else _entry(row)

    def entries(self, conversation_id: str, message_id: str) -> list[SendLogEntry]:
        """Every row of one message, by device."""
        rows = self._db.query_all(
            f"SELECT {_COLUMNS} FROM send_log "  # noqa: S608
            "WHERE conversation_id = ? AND message_id = ? AND sent_at > ? ORDER BY device_id",
            (conversation_id, message_id, self._clock() - KEEP_MS),
        )
        return [_entry(row) for row in rows]

    def resend_queued(self, entry: SendLogEntry) -> bool:
        """Whether the resend last queued for this row is still in the outbox."""
        if entry.resend_envelope_id is None:
            return False
        return (
            self._db.query_one(
                "SELECT 1 FROM outbox WHERE conversation_id = ? AND message_id = ?",
                (entry.conversation_id, entry.resend_envelope_id),
            )
            is not None
        )

    def note_resend(self, entry: SendLogEntry, envelope_id: str) -> None:
        """Counts one more resend of the row, queued under ``envelope_id``."""
        self._db.execute(
            "UPDATE send_log SET resend_count = resend_count + 1, resend_envelope_id = ? "
            "WHERE conversation_id = ? AND message_id = ? AND device_id = ?",
            (envelope_id, entry.conversation_id, entry.message_id, entry.device_id),
        )

    def note_requeue(self, entry: SendLogEntry, envelope_id: str) -> None:
        """Notes that ``entry``'s message was queued once more under ``envelope_id``.

        Every row of the message is marked (never a second time, whichever device asks);
        the asking device's row names the entry, so a delete for everyone or that device's
        receipt cancels it.
        """
        self._db.execute(
            "UPDATE send_log SET requeued = 1 WHERE conversation_id = ? AND message_id = ?",
            (entry.conversation_id, entry.message_id),
        )
        self._db.execute(
            "UPDATE send_log SET requeue_envelope_id = ? "
            "WHERE conversation_id = ? AND message_id = ? AND device_id = ?",
            (envelope_id, entry.conversation_id, entry.message_id, entry.device_id),
        )

    def waiting(self, conversation_id: str) -> int:
        """How many of our messages to the peer wait in the outbox (not sent yet).

        Counts the entries of our text and attachment messages and the messages queued
        once more for a new key (:meth:`note_requeue`); not receipts, sync copies or
        resends for one device.
        """
        row = self._db.query_one(
            "SELECT count(*) FROM outbox o WHERE o.conversation_id = ? "
            "AND o.recipient = o.conversation_id AND o.state = 'pending' AND ("
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = o.conversation_id "
            "AND m.id = o.message_id AND m.direction = 'out' AND m.deleted = 0 "
            "AND m.kind IN ('text', 'attachment')) "
            "OR EXISTS (SELECT 1 FROM send_log s WHERE s.conversation_id = o.conversation_id "
            "AND s.requeue_envelope_id = o.message_id))",
            (conversation_id,),
        )
        return 0 if row is None else int(row[0])

    def forget_delivered(
        self, conversation_id: str, message_ids: Iterable[str], device_id: int
    ) -> int:
        """The device confirmed these messages: drop their rows and cancel queued resends.

        Returns how many rows went.
        """
        forgotten = 0
        for message_id in message_ids:
            forgotten += self._forget(
                "conversation_id = ? AND message_id = ? AND device_id = ?",
                (conversation_id, message_id, device_id),
            )
        return forgotten

    def purge(self) -> int:
        """Drops the rows older than :data:`KEEP_MS` (and their queued resends).

        A row whose requeued send still waits stays (until it went): it is what lets a
        delete for everyone cancel that send.
        """
        return self._forget(
            "sent_at <= ? AND (requeue_envelope_id IS NULL OR NOT EXISTS ("
            "SELECT 1 FROM outbox WHERE outbox.conversation_id = send_log.conversation_id "
            "AND outbox.message_id = send_log.requeue_envelope_id))",
            (self._clock() - KEEP_MS,),
        )

    def _forget(self, where: str, params: tuple[object, ...]) -> int:
        with self._db.transaction():
            rows = self._db.query_all(
                f"DELETE FROM send_log WHERE {where} "  # noqa: S608
                "RETURNING conversation_id, resend_envelope_id, requeue_envelope_id",
                params,
            )
            for conversation_id, *envelope_ids in rows:
                for envelope_id in envelope_ids:
                    if envelope_id is not None:
                        self._db.execute(
                            "DELETE FROM outbox WHERE conversation_id = ? AND message_id = ?",
                            (conversation_id, envelope_id),
                        )
        return len(rows)
