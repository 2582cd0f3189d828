"""Linked devices in the relay's PostgreSQL store (docs/protocol.md §6.11).

The same decisions as :mod:`chat_desktop.relay.sqlite_devices`, each inside the one
transaction that acts on it. Where SQLite's single writer serialises them, here the
account's row is locked (``FOR NO KEY UPDATE``) before anything depending on the device set
is read: linking, removing, and every send to the account (:func:`lock_accounts`) take that
lock, so a send cannot miss a device linked meanwhile, whichever relay process runs each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat_desktop.protocol.schemas import DeviceInfo
from chat_desktop.relay.pg_pool import PgPool
from chat_desktop.relay.pg_prekeys import insert_keys
from chat_desktop.relay.sqlite_devices import FIRST_DEVICE_ID, compare_device_sets
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


async def lock_accounts(connection: Any, users: Sequence[str]) -> None:
    """Locks the rows of these accounts until the transaction ends, in name order.

    Always in the same order, so two transactions locking overlapping sets cannot deadlock.
    """
    await connection.execute(
        "SELECT 1 FROM accounts WHERE username = ANY($1::text[]) ORDER BY username"
        " FOR NO KEY UPDATE",
        sorted(set(users)),
    )


async def insert_first_device(connection: Any, account: NewAccount, now_ms: int) -> None:
    """Stores device 1 of a new account, with its DK and name when the client sent them."""
    device_key = account.device_key
    await connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at, device_key,"
        " certified_at, certificate, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        account.username,
        FIRST_DEVICE_ID,
        account.identity_key,
        now_ms,
        None if device_key is None else device_key.device_key,
        None if device_key is None else device_key.certified_at,
        None if device_key is None else device_key.certificate,
        account.device_name,
    )


async def device_ids(connection: Any, user: str) -> set[int]:
    """Returns the ids of the account's current devices (empty for an unknown account)."""
    rows = await connection.fetch("SELECT device_id FROM devices WHERE username = $1", user)
    return {int(row[0]) for row in rows}


async def check_device_set(
    connection: Any, sender: str, sender_device: int, recipient: str, named: Sequence[int]
) -> None:
    """Checks that a send names exactly the recipient's devices (minus the sending one).

    Raises:
        UnknownRecipient: The recipient account does not exist.
        MismatchedDevices: Devices are missing from the send or named but not there.
    """
    current = await device_ids(connection, recipient)
    if not current:
        raise UnknownRecipient("no such recipient")
    mismatch = compare_device_sets(current, sender, sender_device, recipient, named)
    if mismatch is not None:
        raise MismatchedDevices(*mismatch)


async def list_devices(connection: Any, user: str) -> list[DeviceInfo]:
    """Returns the account's devices by id, as ``devices:list`` answers them."""
    rows = await connection.fetch(
        "SELECT device_id, created_at, name, last_seen FROM devices WHERE username = $1"
        " ORDER BY device_id",
        user,
    )
    return [
        DeviceInfo(
            device_id=row[0],
            created_at=row[1],
            name=None if row[2] is None else bytes(row[2]),
            last_seen=row[3],
        )
        for row in rows
    ]


async def account_identity_key(connection: Any, user: str) -> bytes | None:
    """Returns the account's IK (every device row of an account carries the same one)."""
    key = await connection.fetchval(
        "SELECT identity_key FROM devices WHERE username = $1 ORDER BY device_id LIMIT 1", user
    )
    return None if key is None else bytes(key)


async def link_device(
    connection: Any, device: NewLinkedDevice, max_devices: int, now_ms: int
) -> DeviceSetChange:
    """Adds a linked device in one transaction; see :meth:`RelayStore.link_device`."""
    await lock_accounts(connection, [device.username])
    owner = await connection.fetchval(
        "SELECT username FROM link_tokens WHERE token_hash = $1 AND NOT used"
        " AND expires_at > $2 FOR UPDATE",
        device.token_hash,
        now_ms,
    )
    if owner != device.username:
        raise InvalidLinkToken("link token is not valid for this account")
    if await account_identity_key(connection, device.username) != device.identity_key:
        raise InvalidLinkToken("the account's identity key changed")
    if len(await device_ids(connection, device.username)) >= max_devices:
        raise TooManyDevices("the account has the most devices allowed")
    device_id = await connection.fetchval(
        "UPDATE accounts SET next_device_id = next_device_id + 1 WHERE username = $1"
        " RETURNING next_device_id - 1",
        device.username,
    )
    key = device.device_key
    await connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at, device_key,"
        " certified_at, certificate, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        device.username,
        device_id,
        device.identity_key,
        now_ms,
        key.device_key,
        key.certified_at,
        key.certificate,
        device.name,
    )
    await insert_keys(
        connection,
        device.username,
        device_id,
        device.signed_prekey,
        device.pq_prekeys,
        device.one_time_prekeys,
    )
    await connection.execute(
        "UPDATE link_tokens SET used = TRUE WHERE token_hash = $1", device.token_hash
    )
    return DeviceSetChange(
        device_id=device_id, devices=await list_devices(connection, device.username)
    )


async def remove_device(connection: Any, user: str, device_id: int, now_ms: int) -> DeviceSetChange:
    """Removes a device in one transaction; see :meth:`RelayStore.remove_device`."""
    await lock_accounts(connection, [user])
    row = await connection.fetchrow(
        "SELECT device_key FROM devices WHERE username = $1 AND device_id = $2", user, device_id
    )
    if row is None:
        raise UnknownDevice("the account has no such device")
    if len(await device_ids(connection, user)) == 1:
        raise OnlyDevice("the account's only device cannot be removed")
    await connection.execute(
        "INSERT INTO removed_devices (username, device_id, device_key, removed_at)"
        " VALUES ($1, $2, $3, $4)",
        user,
        device_id,
        row[0],
        now_ms,
    )
    await connection.execute(
        "DELETE FROM envelopes WHERE recipient = $1 AND recipient_device = $2", user, device_id
    )
    # Its link tokens go with the row (ON DELETE CASCADE), as do its prekeys: a removed
    # device must not link itself back.
    await connection.execute(
        "DELETE FROM devices WHERE username = $1 AND device_id = $2", user, device_id
    )
    return DeviceSetChange(device_id=device_id, devices=await list_devices(connection, user))


class PgDeviceMethods:
    """The device methods of :class:`~chat_desktop.relay.store.RelayStore` on PostgreSQL.

    A mixin of :class:`~chat_desktop.relay.pg_store.PgRelayStore`, which sets ``_pool``.
    """

    _pool: PgPool

    async def device_credentials(self, user: str, device_id: int) -> DeviceCredentials | None:
        """See :meth:`RelayStore.device_credentials`."""

        async def read(connection: Any) -> DeviceCredentials | None:
            row = await connection.fetchrow(
                "SELECT identity_key, device_key FROM devices"
                " WHERE username = $1 AND device_id = $2",
                user,
                device_id,
            )
            if row is None:
                return None
            return DeviceCredentials(
                identity_key=bytes(row[0]), device_key=None if row[1] is None else bytes(row[1])
            )

        return await self._pool.read(read)

    async def removed_device_key(self, user: str, device_id: int) -> bytes | None:
        """See :meth:`RelayStore.removed_device_key`."""

        async def read(connection: Any) -> bytes | None:
            key = await connection.fetchval(
                "SELECT device_key FROM removed_devices WHERE username = $1 AND device_id = $2",
                user,
                device_id,
            )
            return None if key is None else bytes(key)

        return await self._pool.read(read)

    async def set_device_last_seen(self, user: str, device_id: int, ts: int) -> None:
        """See :meth:`RelayStore.set_device_last_seen`."""

        async def write(connection: Any) -> None:
            await connection.execute(
                "UPDATE devices SET last_seen = $1 WHERE username = $2 AND device_id = $3",
                ts,
                user,
                device_id,
            )

        await self._pool.write(write)

    async def register_device_key(
        self, user: str, device_id: int, device_key: CertifiedDeviceKey
    ) -> None:
        """See :meth:`RelayStore.register_device_key`."""

        async def write(connection: Any) -> None:
            row = await connection.fetchrow(
                "SELECT device_key FROM devices WHERE username = $1 AND device_id = $2 FOR UPDATE",
                user,
                device_id,
            )
            if row is None:
                raise UnknownDevice("the account has no such device")
            if row[0] is not None:
                raise DeviceKeyExists("the device has a device key already")
            await connection.execute(
                "UPDATE devices SET device_key = $1, certified_at = $2, certificate = $3"
                " WHERE username = $4 AND device_id = $5",
                device_key.device_key,
                device_key.certified_at,
                device_key.certificate,
                user,
                device_id,
            )

        await self._pool.write(write)

    async def account_identity_key(self, user: str) -> bytes | None:
        """See :meth:`RelayStore.account_identity_key`."""
        return await self._pool.read(lambda connection: account_identity_key(connection, user))

    async def list_devices(self, user: str) -> list[DeviceInfo]:
        """See :meth:`RelayStore.list_devices`."""
        return await self._pool.read(lambda connection: list_devices(connection, user))

    async def create_link_token(
        self, user: str, device_id: int, token_hash: bytes, expires_at: int
    ) -> None:
        """See :meth:`RelayStore.create_link_token`."""

        async def write(connection: Any) -> None:
            # The device row's lock keeps a removal from running between check and insert
            # (the insert's foreign key check would refuse it anyway).
            exists = await connection.fetchval(
                "SELECT 1 FROM devices WHERE username = $1 AND device_id = $2 FOR KEY SHARE",
                user,
                device_id,
            )
            if exists is None:
                raise UnknownDevice("the account has no such device")
            await connection.execute(
                "INSERT INTO link_tokens (token_hash, username, device_id, expires_at)"
                " VALUES ($1, $2, $3, $4)",
                token_hash,
                user,
                device_id,
                expires_at,
            )

        await self._pool.write(write)

    async def link_token(self, token_hash: bytes, now_ms: int) -> LinkToken | None:
        """See :meth:`RelayStore.link_token`."""

        async def read(connection: Any) -> LinkToken | None:
            row = await connection.fetchrow(
                "SELECT username, device_id, filled FROM link_tokens WHERE token_hash = $1"
                " AND NOT used AND expires_at > $2",
                token_hash,
                now_ms,
            )
            if row is None:
                return None
            return LinkToken(username=str(row[0]), device_id=int(row[1]), filled=bool(row[2]))

        return await self._pool.read(read)

    async def fill_with_link_token(self, token_hash: bytes, now_ms: int) -> bool:
        """See :meth:`RelayStore.fill_with_link_token`."""

        async def write(connection: Any) -> bool:
            status = await connection.execute(
                "UPDATE link_tokens SET filled = TRUE WHERE token_hash = $1 AND NOT filled"
                " AND NOT used AND expires_at > $2",
                token_hash,
                now_ms,
            )
            return bool(status == "UPDATE 1")

        return await self._pool.write(write)

    async def link_device(
        self, device: NewLinkedDevice, max_devices: int, now_ms: int
    ) -> DeviceSetChange:
        """See :meth:`RelayStore.link_device`."""
        return await self._pool.write(
            lambda connection: link_device(connection, device, max_devices, now_ms)
        )

    async def remove_device(self, user: str, device_id: int, now_ms: int) -> DeviceSetChange:
        """See :meth:`RelayStore.remove_device`."""
        return await self._pool.write(
            lambda connection: remove_device(connection, user, device_id, now_ms)
        )
