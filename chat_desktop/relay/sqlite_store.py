"""The embedded relay store: SQLite in WAL mode with ``synchronous=FULL`` and group commit.

Implements :class:`chat_desktop.relay.store.RelayStore` (the device methods live in
:mod:`chat_desktop.relay.sqlite_devices`). Writes go through
:class:`~chat_desktop.relay.sqlite_writer.SqliteWriter` (one thread, batched transactions),
reads through its reader pool. Since only the writer thread writes, every "take a one-time
key" or "store once per id" decision is serialised without extra locking.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from chat_desktop.protocol.schemas import (
    DevicePayload,
    KeyCounts,
    OneTimePreKey,
    PqPreKey,
    RecipientDevices,
    SignedPreKey,
)
from chat_desktop.relay.sqlite_devices import (
    FIRST_DEVICE_ID,
    SqliteDeviceMethods,
    compare_device_sets,
    insert_first_device,
)
from chat_desktop.relay.sqlite_multi_send import MULTI_SEND_RECIPIENT, store_multi_message
from chat_desktop.relay.sqlite_prekeys import insert_keys, key_counts, take_bundles
from chat_desktop.relay.sqlite_profiles import SqliteProfileMethods
from chat_desktop.relay.sqlite_schema import migrate
from chat_desktop.relay.sqlite_writer import SqliteWriter
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
    UnknownRecipient,
)
from chat_desktop.relay.store_devices import MismatchedDevices


def _row_to_envelope(row: tuple[object, ...]) -> StoredEnvelope:
    seq, recipient, recipient_device, sender, sender_device, msg_id, server_ts, expires, body = row
    assert isinstance(seq, int) and isinstance(recipient, str)
    assert isinstance(recipient_device, int) and isinstance(sender, str)
    assert isinstance(sender_device, int) and isinstance(msg_id, str)
    assert isinstance(server_ts, int) and isinstance(body, bytes)
    assert expires is None or isinstance(expires, int)
    return StoredEnvelope(
        seq=seq,
        msg_id=msg_id,
        sender=sender,
        sender_device=sender_device,
        recipient=recipient,
        recipient_device=recipient_device,
        server_ts=server_ts,
        expires_at=expires,
        body=body,
    )


def check_queue_quota(
    connection: sqlite3.Connection,
    recipient: str,
    payloads: Sequence[DevicePayload],
    max_queued_bytes: int,
) -> None:
    """Refuses a send that would put more than ``max_queued_bytes`` in a device's queue.

    ``queue_usage`` is kept by triggers on ``envelopes`` (schema v4), so this is one indexed
    read per payload, inside the write that then stores the envelopes.

    Raises:
        QueueQuotaExceeded: Some payload's device would pass the quota.
    """
    for payload in payloads:
        row = connection.execute(
            "SELECT bytes FROM queue_usage WHERE recipient = ? AND recipient_device = ?",
            (recipient, payload.device_id),
        ).fetchone()
        queued = 0 if row is None else int(row[0])
        if queued + len(payload.body) > max_queued_bytes:
            raise QueueQuotaExceeded("a recipient device has too many bytes waiting")


class SqliteRelayStore(SqliteDeviceMethods, SqliteProfileMethods):
    """:class:`~chat_desktop.relay.store.RelayStore` on one SQLite file."""

    def __init__(self, path: Path) -> None:
        """Prepares the store at ``path``; :meth:`open` creates or migrates it."""
        self._writer = SqliteWriter(path)

    async def open(self) -> None:
        """Creates or migrates the schema and starts the writer thread."""
        self._writer.start(migrate)

    async def close(self) -> None:
        """Commits pending writes and closes the database."""
        await self._writer.close()

    # accounts ------------------------------------------------------------------------------

    async def create_account(self, account: NewAccount, now_ms: int) -> int:
        """See :meth:`RelayStore.create_account`."""

        def write(connection: sqlite3.Connection) -> int:
            try:
                connection.execute(
                    "INSERT INTO accounts (username, created_at) VALUES (?, ?)",
                    (account.username, now_ms),
                )
            except sqlite3.IntegrityError:
                raise AccountExists("username is taken") from None
            insert_first_device(connection, account, now_ms)
            insert_keys(
                connection,
                account.username,
                FIRST_DEVICE_ID,
                account.signed_prekey,
                account.pq_prekeys,
                account.one_time_prekeys,
            )
            return FIRST_DEVICE_ID

        return await self._writer.submit(write)

    async def delete_account(self, user: str) -> bool:
        """See :meth:`RelayStore.delete_account`."""

        def write(connection: sqlite3.Connection) -> bool:
            connection.execute("DELETE FROM envelopes WHERE recipient = ?", (user,))
            # Devices, prekeys, removed devices and link tokens go with the account row
            # (ON DELETE CASCADE), so the name is entirely free again.
            cursor = connection.execute("DELETE FROM accounts WHERE username = ?", (user,))
            if cursor.rowcount == 0:
                return False
            connection.execute(
                "INSERT INTO account_resets (username, reset_at) VALUES (?, ?)",
                (user, int(time.time() * 1000)),
            )
            return True

        return await self._writer.submit(write)

    async def last_reset_seq(self) -> int:
        """See :meth:`RelayStore.last_reset_seq`."""

        def read(connection: sqlite3.Connection) -> int:
            (seq,) = connection.execute("SELECT max(seq) FROM account_resets").fetchone()
            return int(seq or 0)

        return await self._writer.read(read)

    async def resets_after(self, seq: int, limit: int) -> list[AccountReset]:
        """See :meth:`RelayStore.resets_after`."""

        def read(connection: sqlite3.Connection) -> list[AccountReset]:
            rows = connection.execute(
                "SELECT seq, username FROM account_resets WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
            return [AccountReset(seq=row[0], username=row[1]) for row in rows]

        return await self._writer.read(read)

    async def identity_key(self, user: str, device_id: int) -> bytes | None:
        """See :meth:`RelayStore.identity_key`."""

        def read(connection: sqlite3.Connection) -> bytes | None:
            row = connection.execute(
                "SELECT identity_key FROM devices WHERE username = ? AND device_id = ?",
                (user, device_id),
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._writer.read(read)

    async def remember_nonce(self, nonce: bytes, expires_at: int, now_ms: int) -> bool:
        """See :meth:`RelayStore.remember_nonce`."""

        def write(connection: sqlite3.Connection) -> bool:
            connection.execute(
                "DELETE FROM auth_nonces WHERE nonce = ? AND expires_at <= ?", (nonce, now_ms)
            )
            cursor = connection.execute(
                "INSERT OR IGNORE INTO auth_nonces VALUES (?, ?)", (nonce, expires_at)
            )
            return cursor.rowcount == 1

        return await self._writer.submit(write)

    async def set_last_seen(self, user: str, ts: int) -> None:
        """See :meth:`RelayStore.set_last_seen`."""

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("UPDATE accounts SET last_seen = ? WHERE username = ?", (ts, user))

        await self._writer.submit(write)

    async def last_seen(self, users: Sequence[str]) -> dict[str, int | None]:
        """See :meth:`RelayStore.last_seen`."""
        wanted = list(dict.fromkeys(users))

        def read(connection: sqlite3.Connection) -> dict[str, int | None]:
            found: dict[str, int | None] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for username, seen in connection.execute(
                    f"SELECT username, last_seen FROM accounts WHERE username IN ({marks})",  # noqa: S608
                    chunk,
                ):
                    found[username] = seen
            return found

        return await self._writer.read(read)

    async def presence_records(self, users: Sequence[str]) -> dict[str, PresenceRecord]:
        """See :meth:`RelayStore.presence_records`."""
        wanted = list(dict.fromkeys(users))

        def read(connection: sqlite3.Connection) -> dict[str, PresenceRecord]:
            found: dict[str, PresenceRecord] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for username, seen, show_online in connection.execute(
                    "SELECT username, last_seen, show_online FROM accounts"  # noqa: S608
                    f" WHERE username IN ({marks})",
                    chunk,
                ):
                    found[username] = PresenceRecord(visible=bool(show_online), last_seen=seen)
            return found

        return await self._writer.read(read)

    async def set_show_online(self, user: str, visible: bool) -> None:
        """See :meth:`RelayStore.set_show_online`."""

        def write(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE accounts SET show_online = ? WHERE username = ?", (int(visible), user)
            )

        await self._writer.submit(write)

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

        def write(connection: sqlite3.Connection) -> KeyCounts:
            insert_keys(connection, user, device_id, signed_prekey, pq_prekeys, one_time_prekeys)
            return key_counts(connection, user, device_id)

        return await self._writer.submit(write)

    async def key_counts(self, user: str, device_id: int) -> KeyCounts:
        """See :meth:`RelayStore.key_counts`."""
        return await self._writer.read(lambda connection: key_counts(connection, user, device_id))

    async def take_bundles(self, user: str, devices: Sequence[int] | None = None) -> TakenBundles:
        """See :meth:`RelayStore.take_bundles`.

        Runs as a write so that taking a one-time key and deleting it are one step of the
        single writer: two concurrent fetches can never get the same key.
        """
        return await self._writer.submit(lambda connection: take_bundles(connection, user, devices))

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
        """See :meth:`RelayStore.store_message`."""
        device_sets = self._writer.device_sets

        def write(connection: sqlite3.Connection) -> StoredMessage:
            # A record of an older relay has the recipient '' and stands for every recipient;
            # so does a message:send_multi of this id (one row for all its users).
            existing = connection.execute(
                "SELECT server_ts FROM sent_messages WHERE sender = ? AND msg_id = ?"
                " AND recipient IN (?, '', ?) LIMIT 1",
                (sender, msg_id, recipient, MULTI_SEND_RECIPIENT),
            ).fetchone()
            if existing is not None:
                return StoredMessage(server_ts=existing[0], envelopes=())
            current = device_sets.device_ids(connection, recipient)
            if not current:
                raise UnknownRecipient("no such recipient")
            mismatch = compare_device_sets(
                current, sender, sender_device, recipient, [p.device_id for p in payloads]
            )
            if mismatch is not None:
                raise MismatchedDevices(*mismatch)
            if max_queued_bytes is not None:
                check_queue_quota(connection, recipient, payloads, max_queued_bytes)
            connection.execute(
                "INSERT INTO sent_messages (sender, recipient, msg_id, server_ts)"
                " VALUES (?, ?, ?, ?)",
                (sender, recipient, msg_id, now_ms),
            )
            envelopes = []
            for payload in payloads:
                cursor = connection.execute(
                    "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device,"
                    " msg_id, server_ts, expires_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        recipient,
                        payload.device_id,
                        sender,
                        sender_device,
                        msg_id,
                        now_ms,
                        expires_at,
                        payload.body,
                    ),
                )
                assert cursor.lastrowid is not None
                envelopes.append(
                    StoredEnvelope(
                        seq=cursor.lastrowid,
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

        return await self._writer.submit(write)

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
        """See :meth:`RelayStore.store_multi_message`."""
        return await self._writer.submit(
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

        def read(connection: sqlite3.Connection) -> list[StoredEnvelope]:
            # A ``message:send_multi`` envelope's body is the shared one it points at (v5).
            rows = connection.execute(
                "SELECT seq, recipient, recipient_device, sender, sender_device, msg_id,"
                " server_ts, expires_at, coalesce(shared_bodies.body, envelopes.body)"
                " FROM envelopes LEFT JOIN shared_bodies USING (body_id)"
                " WHERE recipient = :user AND recipient_device = :device AND seq > :after"
                " AND (expires_at IS NULL OR expires_at > :now) ORDER BY seq LIMIT :limit",
                {
                    "user": user,
                    "device": device_id,
                    "after": after_seq,
                    "now": now_ms,
                    "limit": limit,
                },
            ).fetchall()
            return [_row_to_envelope(row) for row in rows]

        return await self._writer.read(read)

    async def recipients_since(self, since_ms: int, limit: int) -> list[tuple[str, int]]:
        """See :meth:`RelayStore.recipients_since` (a range of the ``envelopes_by_age``
        index)."""

        def read(connection: sqlite3.Connection) -> list[tuple[str, int]]:
            rows = connection.execute(
                "SELECT DISTINCT recipient, recipient_device FROM envelopes"
                " WHERE server_ts >= ? LIMIT ?",
                (since_ms, limit),
            ).fetchall()
            return [(str(recipient), int(device_id)) for recipient, device_id in rows]

        return await self._writer.read(read)

    async def delete_envelopes(self, user: str, device_id: int, msg_ids: Sequence[str]) -> int:
        """See :meth:`RelayStore.delete_envelopes`."""
        unique_ids = list(dict.fromkeys(msg_ids))

        def write(connection: sqlite3.Connection) -> int:
            deleted = 0
            for msg_id in unique_ids:
                deleted += connection.execute(
                    "DELETE FROM envelopes WHERE recipient = ? AND recipient_device = ?"
                    " AND msg_id = ?",
                    (user, device_id, msg_id),
                ).rowcount
            return deleted

        return await self._writer.submit(write)

    # blobs ---------------------------------------------------------------------------------

    async def reserve_blob(
        self, blob_id: str, owner: str, max_size: int, expires_at: int, now_ms: int
    ) -> None:
        """See :meth:`RelayStore.reserve_blob`."""

        def write(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT INTO blobs (blob_id, owner, max_size, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (blob_id, owner, max_size, now_ms, expires_at),
            )

        await self._writer.submit(write)

    async def blob(self, blob_id: str, now_ms: int) -> BlobRecord | None:
        """See :meth:`RelayStore.blob`."""

        def read(connection: sqlite3.Connection) -> BlobRecord | None:
            row = connection.execute(
                "SELECT max_size, size, expires_at, uploaded FROM blobs"
                " WHERE blob_id = ? AND expires_at > ?",
                (blob_id, now_ms),
            ).fetchone()
            if row is None:
                return None
            max_size, size, expires_at, uploaded = row
            return BlobRecord(blob_id, max_size, size, expires_at, bool(uploaded))

        return await self._writer.read(read)

    async def mark_blob_uploaded(self, blob_id: str, size: int, now_ms: int) -> None:
        """See :meth:`RelayStore.mark_blob_uploaded`."""

        def write(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                "SELECT uploaded FROM blobs WHERE blob_id = ? AND expires_at > ?",
                (blob_id, now_ms),
            ).fetchone()
            if row is None:
                raise UnknownBlob("no such blob")
            if row[0]:
                raise BlobAlreadyUploaded("blob was already uploaded")
            connection.execute(
                "UPDATE blobs SET uploaded = 1, size = ? WHERE blob_id = ?", (size, blob_id)
            )

        await self._writer.submit(write)

    # retention -----------------------------------------------------------------------------

    async def sweep(self, now_ms: int, retention_ms: int) -> SweepResult:
        """See :meth:`RelayStore.sweep`."""
        oldest = now_ms - retention_ms

        def write(connection: sqlite3.Connection) -> SweepResult:
            envelopes = connection.execute(
                "DELETE FROM envelopes WHERE expires_at <= ? OR server_ts < ?", (now_ms, oldest)
            ).rowcount
            connection.execute("DELETE FROM sent_messages WHERE server_ts < ?", (oldest,))
            connection.execute("DELETE FROM auth_nonces WHERE expires_at <= ?", (now_ms,))
            connection.execute("DELETE FROM account_resets WHERE reset_at < ?", (oldest,))
            connection.execute("DELETE FROM link_tokens WHERE expires_at <= ?", (now_ms,))
            blob_ids = [
                blob_id
                for (blob_id,) in connection.execute(
                    "DELETE FROM blobs WHERE expires_at <= ? OR created_at < ? RETURNING blob_id",
                    (now_ms, oldest),
                )
            ]
            return SweepResult(envelopes=envelopes, blob_ids=blob_ids)

        return await self._writer.submit(write)
