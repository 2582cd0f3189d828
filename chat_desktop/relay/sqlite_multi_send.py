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
from chat_desktop.relay.sqlite_devices import compare_device_sets
from chat_desktop.relay.store import (
    QueueQuotaExceeded,
    StoredEnvelope,
    StoredMessage,
    UnknownRecipient,
)
from chat_desktop.relay.store_devices import MismatchedRecipients

#: The ``sent_messages`` recipient that records a ``message:send_multi``: ONE row for the whole
#: send (not a username: the pattern allows no ``*``). A row per listed user would scatter
#: the write over a page of the table per recipient (about a third of a 100-member group
#: message's pages), for a record that only ever answers "was this id stored already".
MULTI_SEND_RECIPIENT = "*"


def first_server_ts(
    connection: sqlite3.Connection, sender: str, msg_id: str, users: Sequence[str]
) -> int | None:
    """Returns when ``(sender, msg_id)`` was first stored for any of ``users``, else None.

    A record of an older relay has the recipient ``''`` and stands for every recipient; a
    ``message:send_multi`` of this id (:data:`MULTI_SEND_RECIPIENT`) counts whatever users
    it listed.
    """
    marks = ",".join("?" * len(users))
    (server_ts,) = connection.execute(
        "SELECT min(server_ts) FROM sent_messages WHERE sender = ? AND msg_id = ?"  # noqa: S608
        f" AND recipient IN ({marks}, '', ?)",
        (sender, msg_id, *users, MULTI_SEND_RECIPIENT),
    ).fetchone()
    return None if server_ts is None else int(server_ts)


def _in_marks(count: int) -> str:
    """``?, ?, …``: the placeholders of an ``IN`` list of ``count`` values (≤ 256 users)."""
    return ",".join("?" * count)


def check_recipient_devices(
    connection: sqlite3.Connection,
    sender: str,
    sender_device: int,
    recipients: Sequence[RecipientDevices],
) -> None:
    """Checks every recipient's listed devices against its current ones, all of them.

    One read for all the users (the rules are :func:`device_set_mismatch`'s).

    Raises:
        UnknownRecipient: A recipient account does not exist (whatever the others are).
        MismatchedRecipients: Some recipients' lists are not their current devices (one's own
            account: all but the sending device); each such recipient is named.
    """
    users = [recipient.user for recipient in recipients]
    current: dict[str, set[int]] = {}
    for user, device_id in connection.execute(
        f"SELECT username, device_id FROM devices WHERE username IN ({_in_marks(len(users))})",  # noqa: S608
        users,
    ):
        current.setdefault(user, set()).add(device_id)
    if any(user not in current for user in users):
        raise UnknownRecipient("no such recipient")
    mismatches = []
    for recipient in recipients:
        mismatch = compare_device_sets(
            current[recipient.user], sender, sender_device, recipient.user, recipient.device_ids
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
    until that device acks (docs/protocol.md §6.8). One read for all the users.

    Raises:
        QueueQuotaExceeded: Some listed device would pass the quota.
    """
    users = [recipient.user for recipient in recipients]
    queued = {
        (user, device_id): int(queued_bytes)
        for user, device_id, queued_bytes in connection.execute(
            "SELECT recipient, recipient_device, bytes FROM queue_usage"  # noqa: S608
            f" WHERE recipient IN ({_in_marks(len(users))})",
            users,
        )
    }
    for recipient in recipients:
        for device_id in recipient.device_ids:
            if queued.get((recipient.user, device_id), 0) + body_size > max_queued_bytes:
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
    connection.execute(
        "INSERT INTO sent_messages (sender, recipient, msg_id, server_ts) VALUES (?, ?, ?, ?)",
        (sender, MULTI_SEND_RECIPIENT, msg_id, now_ms),
    )
    if not any(recipient.device_ids for recipient in recipients):
        return StoredMessage(server_ts=now_ms, envelopes=())  # no row would hold the body
    body_id = connection.execute("INSERT INTO shared_bodies (body) VALUES (?)", (body,)).lastrowid
    devices = [
        (recipient.user, device_id)
        for recipient in recipients
        for device_id in recipient.device_ids
    ]
    # One statement for every row (a 100-member group: 100 rows), each row's seq read back.
    rows = connection.execute(
        "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device,"  # noqa: S608
        " msg_id, server_ts, expires_at, body, body_id) VALUES "
        + ",".join(["(?, ?, ?, ?, ?, ?, ?, X'', ?)"] * len(devices))
        + " RETURNING seq, recipient, recipient_device",
        [
            value
            for user, device_id in devices
            for value in (
                user,
                device_id,
                sender,
                sender_device,
                msg_id,
                now_ms,
                expires_at,
                body_id,
            )
        ],
    ).fetchall()
    seqs = {(user, device_id): seq for seq, user, device_id in rows}
    envelopes = [
        StoredEnvelope(
            seq=seqs[user, device_id],
            msg_id=msg_id,
            sender=sender,
            sender_device=sender_device,
            recipient=user,
            recipient_device=device_id,
            server_ts=now_ms,
            expires_at=expires_at,
            body=body,
        )
        for user, device_id in devices
    ]
    return StoredMessage(server_ts=now_ms, envelopes=envelopes)
