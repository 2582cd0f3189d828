"""Prekey rows of the relay's SQLite store; run on the writer thread only.

Taking a one-time key and deleting it happen in one write job, and the single writer runs
jobs one after another: that is what hands out each one-time key at most once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from chat_desktop.protocol.schemas import (
    DeviceBundle,
    KeyCounts,
    OneTimePreKey,
    PqPreKey,
    SignedPreKey,
)
from chat_desktop.relay.store import TakenBundles, UnknownRecipient


def key_counts(connection: sqlite3.Connection, user: str, device_id: int) -> KeyCounts:
    """Returns the device's one-time X25519 and PQ prekey counts."""
    (one_time,) = connection.execute(
        "SELECT count(*) FROM one_time_prekeys WHERE username = ? AND device_id = ?",
        (user, device_id),
    ).fetchone()
    (pq,) = connection.execute(
        "SELECT count(*) FROM pq_prekeys WHERE username = ? AND device_id = ? AND NOT last_resort",
        (user, device_id),
    ).fetchone()
    return KeyCounts(one_time_count=one_time, pq_count=pq)


def insert_keys(
    connection: sqlite3.Connection,
    user: str,
    device_id: int,
    signed_prekey: SignedPreKey | None,
    pq_prekeys: Sequence[PqPreKey],
    one_time_prekeys: Sequence[OneTimePreKey],
) -> None:
    """Stores verified prekeys; a new signed or last-resort key replaces the old one."""
    if signed_prekey is not None:
        connection.execute(
            "INSERT OR REPLACE INTO signed_prekeys VALUES (?, ?, ?, ?, ?)",
            (user, device_id, signed_prekey.id, signed_prekey.public_key, signed_prekey.signature),
        )
    if any(key.last_resort for key in pq_prekeys):
        connection.execute(
            "DELETE FROM pq_prekeys WHERE username = ? AND device_id = ? AND last_resort",
            (user, device_id),
        )
    # Key ids never repeat for a device (docs/protocol.md §1): a repeated id is a retried upload.
    connection.executemany(
        "INSERT OR IGNORE INTO pq_prekeys VALUES (?, ?, ?, ?, ?, ?)",
        [
            (user, device_id, key.id, key.public_key, key.signature, int(key.last_resort))
            for key in pq_prekeys
        ],
    )
    connection.executemany(
        "INSERT OR IGNORE INTO one_time_prekeys VALUES (?, ?, ?, ?)",
        [(user, device_id, key.id, key.public_key) for key in one_time_prekeys],
    )


def take_bundles(
    connection: sqlite3.Connection, user: str, wanted: Sequence[int] | None = None
) -> TakenBundles:
    """Builds a bundle per device (only the ``wanted`` ones when given), taking one one-time
    key of each kind out of each.

    Raises:
        UnknownRecipient: The user does not exist.
    """
    devices = connection.execute(
        "SELECT d.device_id, d.identity_key, s.key_id, s.public_key, s.signature"
        " FROM devices d JOIN signed_prekeys s USING (username, device_id)"
        " WHERE d.username = ? ORDER BY d.device_id",
        (user,),
    ).fetchall()
    if not devices:
        raise UnknownRecipient("no such user")
    if wanted is not None:
        wanted_ids = set(wanted)
        devices = [row for row in devices if row[0] in wanted_ids]
    bundles: list[DeviceBundle] = []
    remaining: dict[int, KeyCounts] = {}
    for device_id, identity_key, spk_id, spk_public, spk_signature in devices:
        pq_row = connection.execute(
            "SELECT key_id, public_key, signature, last_resort FROM pq_prekeys"
            " WHERE username = ? AND device_id = ? ORDER BY last_resort, key_id LIMIT 1",
            (user, device_id),
        ).fetchone()
        if pq_row is None:
            continue  # no PQ prekey at all: never hand out a bundle that allows a downgrade
        pq_id, pq_public, pq_signature, last_resort = pq_row
        if not last_resort:
            connection.execute(
                "DELETE FROM pq_prekeys WHERE username = ? AND device_id = ? AND key_id = ?",
                (user, device_id, pq_id),
            )
        one_time_row = connection.execute(
            "SELECT key_id, public_key FROM one_time_prekeys"
            " WHERE username = ? AND device_id = ? ORDER BY key_id LIMIT 1",
            (user, device_id),
        ).fetchone()
        if one_time_row is not None:
            connection.execute(
                "DELETE FROM one_time_prekeys WHERE username = ? AND device_id = ? AND key_id = ?",
                (user, device_id, one_time_row[0]),
            )
        bundles.append(
            DeviceBundle(
                device_id=device_id,
                identity_key=identity_key,
                signed_prekey=SignedPreKey(
                    id=spk_id, public_key=spk_public, signature=spk_signature
                ),
                pq_prekey=PqPreKey(
                    id=pq_id,
                    public_key=pq_public,
                    signature=pq_signature,
                    last_resort=bool(last_resort),
                ),
                one_time_prekey=None
                if one_time_row is None
                else OneTimePreKey(id=one_time_row[0], public_key=one_time_row[1]),
            )
        )
        if one_time_row is not None or not last_resort:
            remaining[device_id] = key_counts(connection, user, device_id)
    return TakenBundles(bundles=bundles, remaining=remaining)
