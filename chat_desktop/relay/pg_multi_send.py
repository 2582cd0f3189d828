"""``message:send_multi`` in the relay's PostgreSQL store: one body, one envelope row per device.

The same single transaction as :mod:`chat_desktop.relay.sqlite_multi_send`: the repeat
check, every recipient's device-set check, every device's queue quota and the inserts.
Where SQLite's single writer makes that one step, here two locks do: an advisory lock on
``(sender, msg_id)`` (:func:`lock_message_id`, taken by ``message:send`` too) makes two
sends of one id run one after the other, and the recipients' account rows, locked in name
order (:func:`~chat_desktop.relay.pg_devices.lock_accounts`), keep a link, a removal or
another send to them from getting between a check and the store. Holding the recipients'
locks until commit also makes ``seq`` grow in commit order for each device, which the
delivery cursor relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat_desktop.protocol.errors import UserDeviceMismatch
from chat_desktop.protocol.schemas import RecipientDevices
from chat_desktop.relay.pg_devices import lock_accounts
from chat_desktop.relay.sqlite_devices import compare_device_sets
from chat_desktop.relay.sqlite_multi_send import MULTI_SEND_RECIPIENT
from chat_desktop.relay.store import (
    QueueQuotaExceeded,
    StoredEnvelope,
    StoredMessage,
    UnknownRecipient,
)
from chat_desktop.relay.store_devices import MismatchedRecipients


async def lock_message_id(connection: Any, sender: str, msg_id: str) -> None:
    """Serialises the stores of one ``(sender, msg_id)`` until the transaction ends."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(10) || $2, 0))", sender, msg_id
    )


async def first_server_ts(
    connection: Any, sender: str, msg_id: str, users: Sequence[str]
) -> int | None:
    """Returns when ``(sender, msg_id)`` was first stored for any of ``users``, else None.

    A ``message:send_multi`` of this id (:data:`MULTI_SEND_RECIPIENT`) counts whatever users
    it listed.
    """
    server_ts = await connection.fetchval(
        "SELECT min(server_ts) FROM sent_messages WHERE sender = $1 AND msg_id = $2"
        " AND recipient = ANY($3::text[])",
        sender,
        msg_id,
        [*users, MULTI_SEND_RECIPIENT],
    )
    return None if server_ts is None else int(server_ts)


async def check_recipient_devices(
    connection: Any, sender: str, sender_device: int, recipients: Sequence[RecipientDevices]
) -> None:
    """Checks every recipient's listed devices against its current ones, all of them.

    Raises:
        UnknownRecipient: A recipient account does not exist (whatever the others are).
        MismatchedRecipients: Some recipients' lists are not their current devices.
    """
    users = [recipient.user for recipient in recipients]
    current: dict[str, set[int]] = {}
    for user, device_id in await connection.fetch(
        "SELECT username, device_id FROM devices WHERE username = ANY($1::text[])", users
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


async def queued_bytes(connection: Any, users: Sequence[str]) -> dict[tuple[str, int], int]:
    """Returns the body bytes waiting for each device of these users (absent: none)."""
    rows = await connection.fetch(
        "SELECT recipient, recipient_device, bytes FROM queue_usage"
        " WHERE recipient = ANY($1::text[])",
        list(users),
    )
    return {(row[0], row[1]): int(row[2]) for row in rows}


async def check_multi_queue_quota(
    connection: Any, recipients: Sequence[RecipientDevices], body_size: int, max_queued: int
) -> None:
    """Refuses a send that would put more than ``max_queued`` bytes in any device's queue.

    Raises:
        QueueQuotaExceeded: Some listed device would pass the quota.
    """
    queued = await queued_bytes(connection, [recipient.user for recipient in recipients])
    for recipient in recipients:
        for device_id in recipient.device_ids:
            if queued.get((recipient.user, device_id), 0) + body_size > max_queued:
                raise QueueQuotaExceeded("a recipient device has too many bytes waiting")


async def store_multi_message(
    connection: Any,
    sender: str,
    sender_device: int,
    msg_id: str,
    recipients: Sequence[RecipientDevices],
    body: bytes,
    expires_at: int | None,
    now_ms: int,
    max_queued_bytes: int | None,
) -> StoredMessage:
    """Stores a ``message:send_multi`` in one transaction; see
    :meth:`RelayStore.store_multi_message`."""
    users = [recipient.user for recipient in recipients]
    await lock_message_id(connection, sender, msg_id)
    first = await first_server_ts(connection, sender, msg_id, users)
    if first is not None:
        return StoredMessage(server_ts=first, envelopes=())
    await lock_accounts(connection, users)
    await check_recipient_devices(connection, sender, sender_device, recipients)
    if max_queued_bytes is not None:
        await check_multi_queue_quota(connection, recipients, len(body), max_queued_bytes)
    await connection.execute(
        "INSERT INTO sent_messages (sender, recipient, msg_id, server_ts) VALUES ($1, $2, $3, $4)",
        sender,
        MULTI_SEND_RECIPIENT,
        msg_id,
        now_ms,
    )
    devices = [
        (recipient.user, device_id)
        for recipient in recipients
        for device_id in recipient.device_ids
    ]
    if not devices:
        return StoredMessage(server_ts=now_ms, envelopes=())  # no row would hold the body
    body_id = await connection.fetchval(
        "INSERT INTO shared_bodies (body) VALUES ($1) RETURNING body_id", body
    )
    # One statement for every row (a 100-member group: 100 rows), in list order.
    rows = await connection.fetch(
        "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device, msg_id,"
        " server_ts, expires_at, body, body_id)"
        " SELECT user_name, device, $3, $4, $5, $6, $7, ''::bytea, $8"
        " FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS t(user_name, device, position)"
        " ORDER BY position RETURNING seq, recipient, recipient_device",
        [user for user, _ in devices],
        [device_id for _, device_id in devices],
        sender,
        sender_device,
        msg_id,
        now_ms,
        expires_at,
        body_id,
    )
    seqs = {(row[1], row[2]): int(row[0]) for row in rows}
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
