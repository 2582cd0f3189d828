"""``message:send_multi`` in the relay's SQLite store: one body, one envelope row per device.

:func:`store_multi_message` runs on the writer thread as ONE write: the repeat check, the
device-set check of every recipient (docs/protocol.md §6.11), the queue quota of every
recipient device (§6.8) and the inserts, so a device linked or removed meanwhile, or a
concurrent send filling a queue, cannot slip between a check and the store. The body goes
into ``shared_bodies`` once; each recipient device gets an ``envelopes`` row of its own (its
own ``seq``: delivery order and per-device acks work as for ``message:send``) with an empty
``body`` and the shared ``body_id``. Schema v5's delete trigger drops the shared body with
the last row that points at it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from chat_desktop.protocol.errors import UserDeviceMismatch
from chat_desktop.protocol.schemas import RecipientDevices
from chat_desktop.relay.sqlite_devices import device_set_mismatch
from chat_desktop.relay.store import QueueQuotaExceeded, StoredEnvelope, StoredMessage
from chat_desktop.relay.store_devices import MismatchedRecipients


def first_server_ts(
    connection: sqlite3.Connection, sender: str, msg_id: str, users: Sequence[str]
) -> int | None:
    """Returns when ``(sender, msg_id)`` was first stored for any of ``users``, else None.

    A record of an older relay has the recipient ``''`` and stands for every recipient.
    """
    marks = ",".join("?" * len(users))
    (server_ts,) = connection.execute(
        "SELECT min(server_ts) FROM sent_messages WHERE sender = ? AND msg_id = ?"  # noqa: S608
        f" AND recipient IN ({marks}, '')",
        (sender, msg_id, *users),
    ).fetchone()
    return None if server_ts is None else int(server_ts)


def check_recipient_devices(
    connection: sqlite3.Connection,
    sender: str,
    sender_device: int,
    recipients: Sequence[RecipientDevices],
) -> None:
    """Checks every recipient's listed devices against its current ones, all of them.

    Raises:
        UnknownRecipient: A recipient account does not exist (whatever the others are).
        MismatchedRecipients: Some recipients' lists are not their current devices (one's own
            account: all but the sending device); each such recipient is named.
    """
    mismatches = []
    for recipient in recipients:
        mismatch = device_set_mismatch(
            connection, sender, sender_device, recipient.user, recipient.device_ids
        )
        if mismatch is not None:
            missing, extra = mismatch
            mismatches.append(UserDeviceMismatch(recipient.user, tuple(missing), tuple(extra)))
    if mismatches:
        raise MismatchedRecipients(mismatches)


def check_multi_queue_quota(
    connection: sqlite3.Connection,
    recipients: Sequence[RecipientDevices],
    body_size: int,
    max_queued_bytes: int,
) -> None:
    """Refuses a send that would put more than ``max_queued_bytes`` in any device's queue.

    The shared body counts in full for every recipient device: each device's queue holds it
    until that device acks (docs/protocol.md §6.8).

    Raises:
        QueueQuotaExceeded: Some listed device would pass the quota.
    """
    for recipient in recipients:
        for device_id in recipient.device_ids:
            row = connection.execute(
                "SELECT bytes FROM queue_usage WHERE recipient = ? AND recipient_device = ?",
                (recipient.user, device_id),
            ).fetchone()
            queued = 0 if row is None else int(row[0])
            if queued + body_size > max_queued_bytes:
                raise QueueQuotaExceeded("a recipient device has too many bytes waiting")


def store_multi_message(
    connection: sqlite3.Connection,
    sender: str,
    sender_device: int,
    msg_id: str,
    recipients: Sequence[RecipientDevices],
    body: bytes,
    expires_at: int | None,
    now_ms: int,
    max_queued_bytes: int | None,
) -> StoredMessage:
    """Stores a ``message:send_multi`` in one write; see :meth:`RelayStore.store_multi_message`."""
    users = [recipient.user for recipient in recipients]
    first = first_server_ts(connection, sender, msg_id, users)
    if first is not None:
        return StoredMessage(server_ts=first, envelopes=())
    check_recipient_devices(connection, sender, sender_device, recipients)
    if max_queued_bytes is not None:
        check_multi_queue_quota(connection, recipients, len(body), max_queued_bytes)
    connection.executemany(
        "INSERT INTO sent_messages (sender, recipient, msg_id, server_ts) VALUES (?, ?, ?, ?)",
        [(sender, user, msg_id, now_ms) for user in users],
    )
    if not any(recipient.device_ids for recipient in recipients):
        return StoredMessage(server_ts=now_ms, envelopes=())  # no row would hold the body
    body_id = connection.execute("INSERT INTO shared_bodies (body) VALUES (?)", (body,)).lastrowid
    envelopes = []
    for recipient in recipients:
        for device_id in recipient.device_ids:
            cursor = connection.execute(
                "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device,"
                " msg_id, server_ts, expires_at, body, body_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, X'', ?)",
                (
                    recipient.user,
                    device_id,
                    sender,
                    sender_device,
                    msg_id,
                    now_ms,
                    expires_at,
                    body_id,
                ),
            )
            assert cursor.lastrowid is not None
            envelopes.append(
                StoredEnvelope(
                    seq=cursor.lastrowid,
                    msg_id=msg_id,
                    sender=sender,
                    sender_device=sender_device,
                    recipient=recipient.user,
                    recipient_device=device_id,
                    server_ts=now_ms,
                    expires_at=expires_at,
                    body=body,
                )
            )
    return StoredMessage(server_ts=now_ms, envelopes=envelopes)
