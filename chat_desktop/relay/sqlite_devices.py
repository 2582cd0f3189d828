"""Linked devices in the relay's SQLite store (docs/protocol.md §6.11).

The row functions run on the writer thread (or a reader for the pure reads);
:class:`SqliteDeviceMethods` is the async part of
:class:`~chat_desktop.relay.sqlite_store.SqliteRelayStore` that deals with devices. Every
decision that depends on stored state (the token is unused, the account has room, the id is
the next unused one, a send names exactly the current devices) is taken inside the single
write that acts on it, so no concurrent request can get between the check and the change.
A link token is bound to the device that asked for it: its row references that device and
is deleted with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from chat_desktop.protocol.errors import MAX_MISMATCHED_IDS
from chat_desktop.protocol.schemas import DeviceInfo
from chat_desktop.relay.sqlite_prekeys import insert_keys
from chat_desktop.relay.sqlite_writer import SqliteWriter
from chat_desktop.relay.store import NewAccount, UnknownRecipient
from chat_desktop.relay.store_devices import (
    CertifiedDeviceKey,
    DeviceCredentials,
    DeviceKeyExists,
    DeviceSetChange,
    InvalidLinkToken,
    LinkToken,
    MismatchedDevices,
    NewLinkedDevice,
    OnlyDevice,
    TooManyDevices,
    UnknownDevice,
)

FIRST_DEVICE_ID: Final = 1


def insert_first_device(connection: sqlite3.Connection, account: NewAccount, now_ms: int) -> None:
    """Stores device 1 of a new account, with its DK and name when the client sent them."""
    device_key = account.device_key
    connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at, device_key,"
        " certified_at, certificate, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account.username,
            FIRST_DEVICE_ID,
            account.identity_key,
            now_ms,
            None if device_key is None else device_key.device_key,
            None if device_key is None else device_key.certified_at,
            None if device_key is None else device_key.certificate,
            account.device_name,
        ),
    )


def device_ids(connection: sqlite3.Connection, user: str) -> set[int]:
    """Returns the ids of the account's current devices (empty for an unknown account)."""
    return {
        device_id
        for (device_id,) in connection.execute(
            "SELECT device_id FROM devices WHERE username = ?", (user,)
        )
    }


def device_set_mismatch(
    connection: sqlite3.Connection,
    sender: str,
    sender_device: int,
    recipient: str,
    named: Sequence[int],
) -> tuple[list[int], list[int]] | None:
    """Compares the devices a send names with the recipient's (minus the sending one).

    Returns:
        None when they are the same; else the sorted ``missing`` and ``extra`` ids, each cut
        to :data:`MAX_MISMATCHED_IDS`.

    Raises:
        UnknownRecipient: The recipient account does not exist.
    """
    current = device_ids(connection, recipient)
    if not current:
        raise UnknownRecipient("no such recipient")
    return compare_device_sets(current, sender, sender_device, recipient, named)


def compare_device_sets(
    current: set[int], sender: str, sender_device: int, recipient: str, named: Sequence[int]
) -> tuple[list[int], list[int]] | None:
    """:func:`device_set_mismatch` on the recipient's ``current`` device ids, already read."""
    expected = current - {sender_device} if recipient == sender else current
    named_set = set(named)
    missing, extra = expected - named_set, named_set - expected
    if not (missing or extra):
        return None
    return sorted(missing)[:MAX_MISMATCHED_IDS], sorted(extra)[:MAX_MISMATCHED_IDS]


def check_device_set(
    connection: sqlite3.Connection,
    sender: str,
    sender_device: int,
    recipient: str,
    named: Sequence[int],
) -> None:
    """Checks that a send names exactly the recipient's devices (minus the sending one).

    Raises:
        UnknownRecipient: The recipient account does not exist.
        MismatchedDevices: Devices are missing from the send or named but not there.
    """
    mismatch = device_set_mismatch(connection, sender, sender_device, recipient, named)
    if mismatch is not None:
        raise MismatchedDevices(*mismatch)


def list_devices(connection: sqlite3.Connection, user: str) -> list[DeviceInfo]:
    """Returns the account's devices by id, as ``devices:list`` answers them."""
    return [
        DeviceInfo(device_id=device_id, created_at=created_at, name=name, last_seen=last_seen)
        for device_id, created_at, name, last_seen in connection.execute(
            "SELECT device_id, created_at, name, last_seen FROM devices WHERE username = ?"
            " ORDER BY device_id",
            (user,),
        )
    ]


def account_identity_key(connection: sqlite3.Connection, user: str) -> bytes | None:
    """Returns the account's IK (every device row of an account carries the same one)."""
    row = connection.execute(
        "SELECT identity_key FROM devices WHERE username = ? ORDER BY device_id LIMIT 1", (user,)
    ).fetchone()
    return None if row is None else bytes(row[0])


def link_device(
    connection: sqlite3.Connection, device: NewLinkedDevice, max_devices: int, now_ms: int
) -> DeviceSetChange:
    """Adds a linked device in one write; see :meth:`RelayStore.link_device`."""
    # The token's row exists only while the device that asked for it does (ON DELETE
    # CASCADE): a removed device's tokens are gone with it.
    owner = connection.execute(
        "SELECT username FROM link_tokens WHERE token_hash = ? AND NOT used AND expires_at > ?",
        (device.token_hash, now_ms),
    ).fetchone()
    if owner is None or owner[0] != device.username:
        raise InvalidLinkToken("link token is not valid for this account")
    if account_identity_key(connection, device.username) != device.identity_key:
        raise InvalidLinkToken("the account's identity key changed")
    if len(device_ids(connection, device.username)) >= max_devices:
        raise TooManyDevices("the account has the most devices allowed")
    (device_id,) = connection.execute(
        "UPDATE accounts SET next_device_id = next_device_id + 1 WHERE username = ?"
        " RETURNING next_device_id - 1",
        (device.username,),
    ).fetchone()
    key = device.device_key
    connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at, device_key,"
        " certified_at, certificate, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            device.username,
            device_id,
            device.identity_key,
            now_ms,
            key.device_key,
            key.certified_at,
            key.certificate,
            device.name,
        ),
    )
    insert_keys(
        connection,
        device.username,
        device_id,
        device.signed_prekey,
        device.pq_prekeys,
        device.one_time_prekeys,
    )
    connection.execute("UPDATE link_tokens SET used = 1 WHERE token_hash = ?", (device.token_hash,))
    return DeviceSetChange(device_id=device_id, devices=list_devices(connection, device.username))


def remove_device(
    connection: sqlite3.Connection, user: str, device_id: int, now_ms: int
) -> DeviceSetChange:
    """Removes a device in one write; see :meth:`RelayStore.remove_device`."""
    row = connection.execute(
        "SELECT device_key FROM devices WHERE username = ? AND device_id = ?", (user, device_id)
    ).fetchone()
    if row is None:
        raise UnknownDevice("the account has no such device")
    if len(device_ids(connection, user)) == 1:
        raise OnlyDevice("the account's only device cannot be removed")
    connection.execute(
        "INSERT INTO removed_devices (username, device_id, device_key, removed_at)"
        " VALUES (?, ?, ?, ?)",
        (user, device_id, row[0], now_ms),
    )
    connection.execute(
        "DELETE FROM envelopes WHERE recipient = ? AND recipient_device = ?", (user, device_id)
    )
    # Its link tokens are revoked here: a removed device must not link itself back.
    connection.execute(
        "DELETE FROM link_tokens WHERE username = ? AND device_id = ?", (user, device_id)
    )
    # Its prekeys go with the row (ON DELETE CASCADE).
    connection.execute(
        "DELETE FROM devices WHERE username = ? AND device_id = ?", (user, device_id)
    )
    return DeviceSetChange(device_id=device_id, devices=list_devices(connection, user))


class SqliteDeviceMethods:
    """The device methods of :class:`~chat_desktop.relay.store.RelayStore` on SQLite.

    A mixin of :class:`~chat_desktop.relay.sqlite_store.SqliteRelayStore`, which sets
    ``_writer``.
    """

    _writer: SqliteWriter

    async def device_credentials(self, user: str, device_id: int) -> DeviceCredentials | None:
        """See :meth:`RelayStore.device_credentials`."""

        def read(connection: sqlite3.Connection) -> DeviceCredentials | None:
            row = connection.execute(
                "SELECT identity_key, device_key FROM devices WHERE username = ? AND device_id = ?",
                (user, device_id),
            ).fetchone()
            if row is None:
                return None
            return DeviceCredentials(
                identity_key=bytes(row[0]), device_key=None if row[1] is None else bytes(row[1])
            )

        return await self._writer.read(read)

    async def removed_device_key(self, user: str, device_id: int) -> bytes | None:
        """See :meth:`RelayStore.removed_device_key`."""

        def read(connection: sqlite3.Connection) -> bytes | None:
            row = connection.execute(
                "SELECT device_key FROM removed_devices WHERE username = ? AND device_id = ?",
                (user, device_id),
            ).fetchone()
            return None if row is None or row[0] is None else bytes(row[0])

        return await self._writer.read(read)

    async def set_device_last_seen(self, user: str, device_id: int, ts: int) -> None:
        """See :meth:`RelayStore.set_device_last_seen`."""

        def write(connection: sqlite3.Connection) -> None:
            connection.execute(
                "UPDATE devices SET last_seen = ? WHERE username = ? AND device_id = ?",
                (ts, user, device_id),
            )

        await self._writer.submit(write)

    async def register_device_key(
        self, user: str, device_id: int, device_key: CertifiedDeviceKey
    ) -> None:
        """See :meth:`RelayStore.register_device_key`."""

        def write(connection: sqlite3.Connection) -> None:
            row = connection.execute(
                "SELECT device_key FROM devices WHERE username = ? AND device_id = ?",
                (user, device_id),
            ).fetchone()
            if row is None:
                raise UnknownDevice("the account has no such device")
            if row[0] is not None:
                raise DeviceKeyExists("the device has a device key already")
            connection.execute(
                "UPDATE devices SET device_key = ?, certified_at = ?, certificate = ?"
                " WHERE username = ? AND device_id = ?",
                (
                    device_key.device_key,
                    device_key.certified_at,
                    device_key.certificate,
                    user,
                    device_id,
                ),
            )

        await self._writer.submit(write)

    async def account_identity_key(self, user: str) -> bytes | None:
        """See :meth:`RelayStore.account_identity_key`."""
        return await self._writer.read(lambda connection: account_identity_key(connection, user))

    async def list_devices(self, user: str) -> list[DeviceInfo]:
        """See :meth:`RelayStore.list_devices`."""
        return await self._writer.read(lambda connection: list_devices(connection, user))

    async def create_link_token(
        self, user: str, device_id: int, token_hash: bytes, expires_at: int
    ) -> None:
        """See :meth:`RelayStore.create_link_token`."""

        def write(connection: sqlite3.Connection) -> None:
            if device_id not in device_ids(connection, user):
                raise UnknownDevice("the account has no such device")
            connection.execute(
                "INSERT INTO link_tokens (token_hash, username, device_id, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, user, device_id, expires_at),
            )

        await self._writer.submit(write)

    async def link_token(self, token_hash: bytes, now_ms: int) -> LinkToken | None:
        """See :meth:`RelayStore.link_token`."""

        def read(connection: sqlite3.Connection) -> LinkToken | None:
            row = connection.execute(
                "SELECT username, device_id, filled FROM link_tokens WHERE token_hash = ?"
                " AND NOT used AND expires_at > ?",
                (token_hash, now_ms),
            ).fetchone()
            if row is None:
                return None
            return LinkToken(username=str(row[0]), device_id=int(row[1]), filled=bool(row[2]))

        return await self._writer.read(read)

    async def fill_with_link_token(self, token_hash: bytes, now_ms: int) -> bool:
        """See :meth:`RelayStore.fill_with_link_token`."""

        def write(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "UPDATE link_tokens SET filled = 1 WHERE token_hash = ? AND NOT filled"
                " AND NOT used AND expires_at > ?",
                (token_hash, now_ms),
            )
            return cursor.rowcount == 1

        return await self._writer.submit(write)

    async def link_device(
        self, device: NewLinkedDevice, max_devices: int, now_ms: int
    ) -> DeviceSetChange:
        """See :meth:`RelayStore.link_device`."""
        return await self._writer.submit(
            lambda connection: link_device(connection, device, max_devices, now_ms)
        )

    async def remove_device(self, user: str, device_id: int, now_ms: int) -> DeviceSetChange:
        """See :meth:`RelayStore.remove_device`."""
        return await self._writer.submit(
            lambda connection: remove_device(connection, user, device_id, now_ms)
        )
