"""Prekey rows of the relay's PostgreSQL store; each function runs inside a write.

Handing out each one-time key at most once: :func:`take_bundles` locks the account row
first (``FOR NO KEY UPDATE``), so two fetches of one user's bundles, from any relay process,
run one after the other and the second finds the first's keys deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat_desktop.protocol.schemas import (
    DeviceBundle,
    KeyCounts,
    OneTimePreKey,
    PqPreKey,
    SignedPreKey,
)
from chat_desktop.relay.store import TakenBundles, UnknownRecipient


async def key_counts(connection: Any, user: str, device_id: int) -> KeyCounts:
    """Returns the device's one-time X25519 and PQ prekey counts."""
    row = await connection.fetchrow(
        "SELECT (SELECT count(*) FROM one_time_prekeys WHERE username = $1 AND device_id = $2),"
        " (SELECT count(*) FROM pq_prekeys WHERE username = $1 AND device_id = $2"
        " AND NOT last_resort)",
        user,
        device_id,
    )
    return KeyCounts(one_time_count=int(row[0]), pq_count=int(row[1]))


async def insert_keys(
    connection: Any,
    user: str,
    device_id: int,
    signed_prekey: SignedPreKey | None,
    pq_prekeys: Sequence[PqPreKey],
    one_time_prekeys: Sequence[OneTimePreKey],
) -> None:
    """Stores verified prekeys; a new signed or last-resort key replaces the old one."""
    if signed_prekey is not None:
        await connection.execute(
            "INSERT INTO signed_prekeys VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (username, device_id) DO UPDATE SET key_id = excluded.key_id,"
            " public_key = excluded.public_key, signature = excluded.signature",
            user,
            device_id,
            signed_prekey.id,
            signed_prekey.public_key,
            signed_prekey.signature,
        )
    if any(key.last_resort for key in pq_prekeys):
        await connection.execute(
            "DELETE FROM pq_prekeys WHERE username = $1 AND device_id = $2 AND last_resort",
            user,
            device_id,
        )
    # Key ids never repeat for a device (docs/protocol.md §1): a repeated id is a retried upload.
    if pq_prekeys:
        await connection.executemany(
            "INSERT INTO pq_prekeys VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            [
                (user, device_id, key.id, key.public_key, key.signature, key.last_resort)
                for key in pq_prekeys
            ],
        )
    if one_time_prekeys:
        await connection.executemany(
            "INSERT INTO one_time_prekeys VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [(user, device_id, key.id, key.public_key) for key in one_time_prekeys],
        )


async def take_bundles(
    connection: Any, user: str, wanted: Sequence[int] | None = None
) -> TakenBundles:
    """Builds a bundle per device (only the ``wanted`` ones when given), taking one one-time
    key of each kind out of each.

    Raises:
        UnknownRecipient: The user does not exist.
    """
    await connection.execute("SELECT 1 FROM accounts WHERE username = $1 FOR NO KEY UPDATE", user)
    devices = await connection.fetch(
        "SELECT d.device_id, d.identity_key, s.key_id, s.public_key, s.signature"
        " FROM devices d JOIN signed_prekeys s USING (username, device_id)"
        " WHERE d.username = $1 ORDER BY d.device_id",
        user,
    )
    if not devices:
        raise UnknownRecipient("no such user")
    if wanted is not None:
        wanted_ids = set(wanted)
        devices = [row for row in devices if row[0] in wanted_ids]
    bundles: list[DeviceBundle] = []
    remaining: dict[int, KeyCounts] = {}
    for device_id, identity_key, spk_id, spk_public, spk_signature in devices:
        pq_row = await connection.fetchrow(
            "SELECT key_id, public_key, signature, last_resort FROM pq_prekeys"
            " WHERE username = $1 AND device_id = $2 ORDER BY last_resort, key_id LIMIT 1",
            user,
            device_id,
        )
        if pq_row is None:
            continue  # no PQ prekey at all: never hand out a bundle that allows a downgrade
        pq_id, pq_public, pq_signature, last_resort = pq_row
        if not last_resort:
            await connection.execute(
                "DELETE FROM pq_prekeys WHERE username = $1 AND device_id = $2 AND key_id = $3",
                user,
                device_id,
                pq_id,
            )
        one_time_row = await connection.fetchrow(
            "DELETE FROM one_time_prekeys WHERE (username, device_id, key_id) = ("
            "SELECT username, device_id, key_id FROM one_time_prekeys"
            " WHERE username = $1 AND device_id = $2 ORDER BY key_id LIMIT 1)"
            " RETURNING key_id, public_key",
            user,
            device_id,
        )
        bundles.append(
            DeviceBundle(
                device_id=device_id,
                identity_key=bytes(identity_key),
                signed_prekey=SignedPreKey(
                    id=spk_id, public_key=bytes(spk_public), signature=bytes(spk_signature)
                ),
                pq_prekey=PqPreKey(
                    id=pq_id,
                    public_key=bytes(pq_public),
                    signature=bytes(pq_signature),
                    last_resort=bool(last_resort),
                ),
                one_time_prekey=None
                if one_time_row is None
                else OneTimePreKey(id=one_time_row[0], public_key=bytes(one_time_row[1])),
            )
        )
        if one_time_row is not None or not last_resort:
            remaining[device_id] = await key_counts(connection, user, device_id)
    return TakenBundles(bundles=bundles, remaining=remaining)
