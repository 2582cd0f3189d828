"""The relay store on PostgreSQL, for relays that run as several processes on one database.

Implements :class:`chat_desktop.relay.store.RelayStore` with the semantics of the embedded
SQLite store (:mod:`chat_desktop.relay.sqlite_store`): the same dedupe, quotas, envelope
order per device, expiry, link tokens, resets log and nonces. The device methods live in
:mod:`chat_desktop.relay.pg_devices`, the profiles in :mod:`chat_desktop.relay.pg_profiles`,
``message:send_multi`` in :mod:`chat_desktop.relay.pg_multi_send`. Every call is one
transaction (:class:`~chat_desktop.relay.pg_pool.PgPool`); what SQLite's single writer
serialises is serialised here by row and advisory locks, because other relay processes write
to the same database. Selected with ``chat-relay --database postgresql://…``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Final

from chat_desktop.protocol.schemas import (
    DevicePayload,
    KeyCounts,
    OneTimePreKey,
    PqPreKey,
    RecipientDevices,
    SignedPreKey,
)
from chat_desktop.relay.pg_devices import (
    PgDeviceMethods,
    check_device_set,
    insert_first_device,
    lock_accounts,
)
from chat_desktop.relay.pg_multi_send import lock_message_id, store_multi_message
from chat_desktop.relay.pg_order import RecipientOrder
from chat_desktop.relay.pg_pool import PgPool
from chat_desktop.relay.pg_prekeys import insert_keys, key_counts, take_bundles
from chat_desktop.relay.pg_profiles import PgProfileMethods
from chat_desktop.relay.pg_schema import migrate
from chat_desktop.relay.sqlite_devices import FIRST_DEVICE_ID
from chat_desktop.relay.sqlite_multi_send import MULTI_SEND_RECIPIENT
from chat_desktop.relay.store import (
    AccountExists,
    AccountReset,
    BlobAlreadyUploaded,
    BlobRecord,
    NewAccount,
    PresenceRecord,
    QueueQuotaExceeded,
    StoredEnvelope,
    StoredMessage,
    SweepResult,
    TakenBundles,
    UnknownBlob,
)

#: The advisory lock one sweep holds; another process's sweep meanwhile is skipped
#: ("chatswep").
SWEEP_LOCK: Final = 0x6368617473776570
#: The advisory lock an account deletion holds while it appends to the reset log, so the
#: log's ``seq`` grows in commit order and a watcher reading past a seq misses nothing
#: ("chatrset").
RESET_LOG_LOCK: Final = 0x6368617472736574


def _row_to_envelope(row: Any) -> StoredEnvelope:
    return StoredEnvelope(
        seq=int(row[0]),
        recipient=str(row[1]),
        recipient_device=int(row[2]),
        sender=str(row[3]),
        sender_device=int(row[4]),
        msg_id=str(row[5]),
        server_ts=int(row[6]),
        expires_at=None if row[7] is None else int(row[7]),
        body=bytes(row[8]),
    )


async def check_queue_quota(
    connection: Any, recipient: str, payloads: Sequence[DevicePayload], max_queued_bytes: int
) -> None:
    """Refuses a send that would put more than ``max_queued_bytes`` in a device's queue.

    Run with the recipient's account row locked, so concurrent sends cannot pass together.

    Raises:
        QueueQuotaExceeded: Some payload's device would pass the quota.
    """
    rows = await connection.fetch(
        "SELECT recipient_device, bytes FROM queue_usage WHERE recipient = $1", recipient
    )
    queued = {int(row[0]): int(row[1]) for row in rows}
    for payload in payloads:
        if queued.get(payload.device_id, 0) + len(payload.body) > max_queued_bytes:
            raise QueueQuotaExceeded("a recipient device has too many bytes waiting")


class PgRelayStore(PgDeviceMethods, PgProfileMethods):
    """:class:`~chat_desktop.relay.store.RelayStore` on one PostgreSQL database."""

    def __init__(self, dsn: str) -> None:
        """Prepares the store for ``dsn``; :meth:`open` connects and migrates."""
        self._pool = PgPool(dsn)
        self._order = RecipientOrder()

    async def open(self) -> None:
        """Migrates the schema (once, whoever else starts now) and opens the pool."""
        await self._pool.open(migrate)

    async def close(self) -> None:
        """Closes the pool; every write that returned had committed."""
        await self._pool.close()

    # accounts ------------------------------------------------------------------------------

    async def create_account(self, account: NewAccount, now_ms: int) -> int:
        """See :meth:`RelayStore.create_account`."""

        async def write(connection: Any) -> int:
            status = await connection.execute(
                "INSERT INTO accounts (username, created_at) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                account.username,
                now_ms,
            )
            if status != "INSERT 0 1":
                raise AccountExists("username is taken")
            await insert_first_device(connection, account, now_ms)
            await insert_keys(
                connection,
                account.username,
                FIRST_DEVICE_ID,
                account.signed_prekey,
                account.pq_prekeys,
                account.one_time_prekeys,
            )
            return FIRST_DEVICE_ID

        return await self._pool.write(write)

    async def delete_account(self, user: str) -> bool:
        """See :meth:`RelayStore.delete_account`."""

        async def write(connection: Any) -> bool:
            await lock_accounts(connection, [user])
            await connection.execute("DELETE FROM envelopes WHERE recipient = $1", user)
            # Devices, prekeys, removed devices, link tokens and the profile go with the
            # account row (ON DELETE CASCADE), so the name is entirely free again.
            status = await connection.execute("DELETE FROM accounts WHERE username = $1", user)
            if status == "DELETE 0":
                return False
            await connection.execute("SELECT pg_advisory_xact_lock($1)", RESET_LOG_LOCK)
            await connection.execute(
                "INSERT INTO account_resets (username, reset_at) VALUES ($1, $2)",
                user,
                int(time.time() * 1000),
            )
            return True

        return await self._pool.write(write)

    async def last_reset_seq(self) -> int:
        """See :meth:`RelayStore.last_reset_seq`."""
        return await self._pool.read(
            lambda connection: _int(connection.fetchval("SELECT max(seq) FROM account_resets"))
        )

    async def resets_after(self, seq: int, limit: int) -> list[AccountReset]:
        """See :meth:`RelayStore.resets_after`."""

        async def read(connection: Any) -> list[AccountReset]:
            rows = await connection.fetch(
                "SELECT seq, username FROM account_resets WHERE seq > $1 ORDER BY seq LIMIT $2",
                seq,
                limit,
            )
            return [AccountReset(seq=int(row[0]), username=str(row[1])) for row in rows]

        return await self._pool.read(read)

    async def identity_key(self, user: str, device_id: int) -> bytes | None:
        """See :meth:`RelayStore.identity_key`."""

        async def read(connection: Any) -> bytes | None:
            key = await connection.fetchval(
                "SELECT identity_key FROM devices WHERE username = $1 AND device_id = $2",
                user,
                device_id,
            )
            return None if key is None else bytes(key)

        return await self._pool.read(read)

    async def remember_nonce(self, nonce: bytes, expires_at: int, now_ms: int) -> bool:
        """See :meth:`RelayStore.remember_nonce`.

        One statement: a nonce still valid is never replaced, an expired one is taken over;
        two relay processes inserting the same nonce at once are decided by its primary key.
        """

        async def write(connection: Any) -> bool:
            taken = await connection.fetchval(
                "INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)"
                " ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at"
                " WHERE auth_nonces.expires_at <= $3 RETURNING 1",
                nonce,
                expires_at,
                now_ms,
            )
            return taken is not None

        return await self._pool.write(write)

    async def set_last_seen(self, user: str, ts: int) -> None:
        """See :meth:`RelayStore.set_last_seen`."""

        async def write(connection: Any) -> None:
            await connection.execute(
                "UPDATE accounts SET last_seen = $1 WHERE username = $2", ts, user
            )

        await self._pool.write(write)

    async def last_seen(self, users: Sequence[str]) -> dict[str, int | None]:
        """See :meth:`RelayStore.last_seen`."""
        records = await self.presence_records(users)
        return {user: record.last_seen for user, record in records.items()}

    async def presence_records(self, users: Sequence[str]) -> dict[str, PresenceRecord]:
        """See :meth:`RelayStore.presence_records`."""
        wanted = list(dict.fromkeys(users))

        async def read(connection: Any) -> dict[str, PresenceRecord]:
            rows = await connection.fetch(
                "SELECT username, last_seen, show_online FROM accounts"
                " WHERE username = ANY($1::text[])",
                wanted,
            )
            return {
                str(row[0]): PresenceRecord(visible=bool(row[2]), last_seen=row[1]) for row in rows
            }

        return await self._pool.read(read)

    async def set_show_online(self, user: str, visible: bool) -> None:
        """See :meth:`RelayStore.set_show_online`."""

        async def write(connection: Any) -> None:
            await connection.execute(
                "UPDATE accounts SET show_online = $1 WHERE username = $2", visible, user
            )

        await self._pool.write(write)

    # prekeys -------------------------------------------------------------------------------

    async def upload_keys(
        self,
        user: str,
        device_id: int,
        signed_prekey: SignedPreKey | None,
        pq_prekeys: Sequence[PqPreKey],
        one_time_prekeys: Sequence[OneTimePreKey],
    ) -> KeyCounts:
        """See :meth:`RelayStore.upload_keys`."""

        async def write(connection: Any) -> KeyCounts:
            await lock_accounts(connection, [user])
            await insert_keys(
                connection, user, device_id, signed_prekey, pq_prekeys, one_time_prekeys
            )
            return await key_counts(connection, user, device_id)

        return await self._pool.write(write)

    async def key_counts(self, user: str, device_id: int) -> KeyCounts:
        """See :meth:`RelayStore.key_counts`."""
        return await self._pool.read(lambda connection: key_counts(connection, user, device_id))

    async def take_bundles(self, user: str, devices: Sequence[int] | None = None) -> TakenBundles:
        """See :meth:`RelayStore.take_bundles` (the account row is locked: one fetch of a
        user's keys at a time, across processes)."""
        return await self._pool.write(lambda connection: take_bundles(connection, user, devices))

    # envelopes -----------------------------------------------------------------------------

    async def store_message(
        self,
        sender: str,
        sender_device: int,
        msg_id: str,
        recipient: str,
        payloads: Sequence[DevicePayload],
        expires_at: int | None,
        now_ms: int,
        *,
        max_queued_bytes: int | None = None,
    ) -> StoredMessage:
        """See :meth:`RelayStore.store_message`.

        Sends to one recipient run in arrival order in this process
        (:class:`~chat_desktop.relay.pg_order.RecipientOrder`). The ``(sender, msg_id)``
        advisory lock serialises repeats (a ``message:send_multi``
        of the same id too); the recipient's account lock serialises the device-set and
        quota checks with links, removals and other sends to it, and makes each device's
        ``seq`` grow in commit order.
        """

        async def write(connection: Any) -> StoredMessage:
            await lock_message_id(connection, sender, msg_id)
            existing = await connection.fetchval(
                "SELECT server_ts FROM sent_messages WHERE sender = $1 AND msg_id = $2"
                " AND recipient IN ($3, $4) LIMIT 1",
                sender,
                msg_id,
                recipient,
                MULTI_SEND_RECIPIENT,
            )
            if existing is not None:
                return StoredMessage(server_ts=int(existing), envelopes=())
            await lock_accounts(connection, [recipient])
            await check_device_set(
                connection, sender, sender_device, recipient, [p.device_id for p in payloads]
            )
            if max_queued_bytes is not None:
                await check_queue_quota(connection, recipient, payloads, max_queued_bytes)
            await connection.execute(
                "INSERT INTO sent_messages (sender, recipient, msg_id, server_ts)"
                " VALUES ($1, $2, $3, $4)",
                sender,
                recipient,
                msg_id,
                now_ms,
            )
            envelopes = []
            for payload in payloads:
                seq = await connection.fetchval(
                    "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device,"
                    " msg_id, server_ts, expires_at, body)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
                    recipient,
                    payload.device_id,
                    sender,
                    sender_device,
                    msg_id,
                    now_ms,
                    expires_at,
                    payload.body,
                )
                envelopes.append(
                    StoredEnvelope(
                        seq=int(seq),
                        msg_id=msg_id,
                        sender=sender,
                        sender_device=sender_device,
                        recipient=recipient,
                        recipient_device=payload.device_id,
                        server_ts=now_ms,
                        expires_at=expires_at,
                        body=payload.body,
                    )
                )
            return StoredMessage(server_ts=now_ms, envelopes=envelopes)

        async with self._order.turn([recipient]):
            return await self._pool.write(write)

    async def store_multi_message(
        self,
        sender: str,
        sender_device: int,
        msg_id: str,
        recipients: Sequence[RecipientDevices],
        body: bytes,
        expires_at: int | None,
        now_ms: int,
        *,
        max_queued_bytes: int | None = None,
    ) -> StoredMessage:
        """See :meth:`RelayStore.store_multi_message` (in order with other sends to these
        recipients, see :class:`~chat_desktop.relay.pg_order.RecipientOrder`)."""
        async with self._order.turn(recipient.user for recipient in recipients):
            return await self._pool.write(
                lambda connection: store_multi_message(
                    connection,
                    sender,
                    sender_device,
                    msg_id,
                    recipients,
                    body,
                    expires_at,
                    now_ms,
                    max_queued_bytes,
                )
            )

    async def pending_envelopes(
        self, user: str, device_id: int, after_seq: int, now_ms: int, limit: int
    ) -> list[StoredEnvelope]:
        """See :meth:`RelayStore.pending_envelopes`."""

        async def read(connection: Any) -> list[StoredEnvelope]:
            # A ``message:send_multi`` envelope's body is the shared one it points at.
            rows = await connection.fetch(
                "SELECT e.seq, e.recipient, e.recipient_device, e.sender, e.sender_device,"
                " e.msg_id, e.server_ts, e.expires_at, coalesce(s.body, e.body)"
                " FROM envelopes e LEFT JOIN shared_bodies s USING (body_id)"
                " WHERE e.recipient = $1 AND e.recipient_device = $2 AND e.seq > $3"
                " AND (e.expires_at IS NULL OR e.expires_at > $4) ORDER BY e.seq LIMIT $5",
                user,
                device_id,
                after_seq,
                now_ms,
                limit,
            )
            return [_row_to_envelope(row) for row in rows]

        return await self._pool.read(read)

    async def recipients_since(self, since_ms: int, limit: int) -> list[tuple[str, int]]:
        """See :meth:`RelayStore.recipients_since` (a range of the ``envelopes_by_age``
        index)."""

        async def read(connection: Any) -> list[tuple[str, int]]:
            rows = await connection.fetch(
                "SELECT DISTINCT recipient, recipient_device FROM envelopes"
                " WHERE server_ts >= $1 LIMIT $2",
                since_ms,
                limit,
            )
            return [(str(row[0]), int(row[1])) for row in rows]

        return await self._pool.read(read)

    async def delete_envelopes(self, user: str, device_id: int, msg_ids: Sequence[str]) -> int:
        """See :meth:`RelayStore.delete_envelopes`."""
        unique_ids = list(dict.fromkeys(msg_ids))

        async def write(connection: Any) -> int:
            status = await connection.execute(
                "DELETE FROM envelopes WHERE recipient = $1 AND recipient_device = $2"
                " AND msg_id = ANY($3::text[])",
                user,
                device_id,
                unique_ids,
            )
            return _row_count(status)

        return await self._pool.write(write)

    # blobs ---------------------------------------------------------------------------------

    async def reserve_blob(
        self, blob_id: str, owner: str, max_size: int, expires_at: int, now_ms: int
    ) -> None:
        """See :meth:`RelayStore.reserve_blob`."""

        async def write(connection: Any) -> None:
            await connection.execute(
                "INSERT INTO blobs (blob_id, owner, max_size, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                blob_id,
                owner,
                max_size,
                now_ms,
                expires_at,
            )

        await self._pool.write(write)

    async def blob(self, blob_id: str, now_ms: int) -> BlobRecord | None:
        """See :meth:`RelayStore.blob`."""

        async def read(connection: Any) -> BlobRecord | None:
            row = await connection.fetchrow(
                "SELECT max_size, size, expires_at, uploaded FROM blobs"
                " WHERE blob_id = $1 AND expires_at > $2",
                blob_id,
                now_ms,
            )
            if row is None:
                return None
            max_size, size, expires_at, uploaded = row
            return BlobRecord(blob_id, max_size, size, expires_at, bool(uploaded))

        return await self._pool.read(read)

    async def mark_blob_uploaded(self, blob_id: str, size: int, now_ms: int) -> None:
        """See :meth:`RelayStore.mark_blob_uploaded`."""

        async def write(connection: Any) -> None:
            uploaded = await connection.fetchval(
                "SELECT uploaded FROM blobs WHERE blob_id = $1 AND expires_at > $2 FOR UPDATE",
                blob_id,
                now_ms,
            )
            if uploaded is None:
                raise UnknownBlob("no such blob")
            if uploaded:
                raise BlobAlreadyUploaded("blob was already uploaded")
            await connection.execute(
                "UPDATE blobs SET uploaded = TRUE, size = $1 WHERE blob_id = $2", size, blob_id
            )

        await self._pool.write(write)

    # retention -----------------------------------------------------------------------------

    async def sweep(self, now_ms: int, retention_ms: int) -> SweepResult:
        """See :meth:`RelayStore.sweep`.

        Only one relay process sweeps at a time: a sweep that finds another one running
        (its advisory lock held) deletes nothing and returns an empty result; the row
        deletes would be safe anyway, but two sweeps would only wait on each other's locks.
        """
        oldest = now_ms - retention_ms

        async def write(connection: Any) -> SweepResult:
            if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", SWEEP_LOCK):
                return SweepResult(envelopes=0, blob_ids=())
            envelopes = _row_count(
                await connection.execute(
                    "DELETE FROM envelopes WHERE expires_at <= $1 OR server_ts < $2",
                    now_ms,
                    oldest,
                )
            )
            await connection.execute("DELETE FROM sent_messages WHERE server_ts < $1", oldest)
            await connection.execute("DELETE FROM auth_nonces WHERE expires_at <= $1", now_ms)
            await connection.execute("DELETE FROM account_resets WHERE reset_at < $1", oldest)
            await connection.execute("DELETE FROM link_tokens WHERE expires_at <= $1", now_ms)
            rows = await connection.fetch(
                "DELETE FROM blobs WHERE expires_at <= $1 OR created_at < $2 RETURNING blob_id",
                now_ms,
                oldest,
            )
            return SweepResult(envelopes=envelopes, blob_ids=[str(row[0]) for row in rows])

        return await self._pool.write(write)


async def _int(value: Any) -> int:
    """Awaits a ``fetchval`` of a nullable count or max, NULL read as 0."""
    return int(await value or 0)


def _row_count(status: str) -> int:
    """The row count of an asyncpg command status such as ``DELETE 3``."""
    return int(status.rsplit(" ", 1)[-1])
