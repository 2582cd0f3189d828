"""A relay database of schema version 2 (before linked devices) migrated to version 3.

The database is built with the relay's own first two schema steps and filled the way the
version-2 relay did; then the current relay opens it and its old device carries on: it
connects with its identity key, registers a device key, and from then on only that key works.

SQLite only: it upgrades an SQLite file an older relay left behind; PostgreSQL has its own
migrations (``chat_desktop/relay/pg_schema.py``), tested in ``test_relay_postgres.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from relay_device_helpers import DeviceAccount, add_device, certificate, public_bytes
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    TestAccount,
    make_pq_prekey,
    make_signed_prekey,
    new_message_id,
)

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.relay.sqlite_schema import SCHEMA_VERSION, migrate
from chat_desktop.relay.sqlite_writer import connect

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]
#: When the version-2 relay stored the message that a retry repeats after the upgrade (an
#: hour ago: well within the retention, so the relay's first sweep keeps its record).
OLD_SERVER_TS = now_ms() - 3_600_000
#: The id of that message.
OLD_MESSAGE_ID = new_message_id()


def add_version_2_account(
    connection: sqlite3.Connection, username: str, identity: IdentityKeyPair, device_ids: list[int]
) -> None:
    """Inserts an account as the version-2 relay stored it (no device keys, no names)."""
    connection.execute(
        "INSERT INTO accounts (username, created_at, last_seen, show_online) VALUES (?, ?, ?, 1)",
        (username, 1, None),
    )
    for device_id in device_ids:
        connection.execute(
            "INSERT INTO devices (username, device_id, identity_key, created_at)"
            " VALUES (?, ?, ?, ?)",
            (username, device_id, identity.public_key, 1),
        )
        spk = make_signed_prekey(identity, 1)
        connection.execute(
            "INSERT INTO signed_prekeys VALUES (?, ?, ?, ?, ?)",
            (username, device_id, spk.id, spk.public_key, spk.signature),
        )
        pq = make_pq_prekey(identity, 999, last_resort=True)
        connection.execute(
            "INSERT INTO pq_prekeys VALUES (?, ?, ?, ?, ?, 1)",
            (username, device_id, pq.id, pq.public_key, pq.signature),
        )


@pytest.fixture
def accounts() -> dict[str, DeviceAccount]:
    """The version-2 relay's accounts (their devices have no device key)."""
    return {
        name: DeviceAccount(username=name, identity=IdentityKeyPair.generate())
        for name in ("alice", "bob", "carol")
    }


@pytest.fixture
async def migrated_relay(
    tmp_path: Path, accounts: dict[str, DeviceAccount]
) -> AsyncIterator[RelayServer]:
    """A relay started on a version-2 database made in ``tmp_path``."""
    data_dir = tmp_path / "relay"
    data_dir.mkdir()
    connection = connect(data_dir / "relay.sqlite3")
    migrate(connection, target_version=2)
    assert connection.execute("PRAGMA user_version").fetchone() == (2,)
    add_version_2_account(connection, "alice", accounts["alice"].identity, [1])
    add_version_2_account(connection, "bob", accounts["bob"].identity, [1])
    add_version_2_account(connection, "carol", accounts["carol"].identity, [1, 4])
    connection.execute(
        "INSERT INTO sent_messages (sender, msg_id, server_ts) VALUES ('alice', ?, ?)",
        (OLD_MESSAGE_ID, OLD_SERVER_TS),
    )
    connection.close()
    server = RelayServer(
        RelayConfig(data_dir=data_dir, port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def rows(relay: RelayServer, sql: str) -> list[tuple[object, ...]]:
    """Runs a read-only query on the relay's database."""
    connection = sqlite3.connect(f"file:{relay.config.database_path}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


async def test_the_schema_is_upgraded_and_ids_continue_after_the_highest(
    migrated_relay: RelayServer,
) -> None:
    assert rows(migrated_relay, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION >= 3  # then on to the newest (version 4: test_relay_migration_v4)
    assert rows(migrated_relay, "SELECT username, next_device_id FROM accounts ORDER BY 1") == [
        ("alice", 2),
        ("bob", 2),
        ("carol", 5),
    ]
    assert rows(migrated_relay, "SELECT count(*) FROM devices WHERE device_key IS NULL") == [(4,)]
    assert rows(migrated_relay, "SELECT sender, recipient, server_ts FROM sent_messages") == [
        ("alice", "", OLD_SERVER_TS)
    ]


async def test_the_old_device_registers_its_key_and_then_needs_it(
    migrated_relay: RelayServer, accounts: dict[str, DeviceAccount], relay_clients: Clients
) -> None:
    relay = migrated_relay
    alice = accounts["alice"]
    legacy = relay_clients(alice)
    await legacy.connect(relay.url)  # signed with the identity key, as before
    device_key = Ed25519PrivateKey.generate()
    created = now_ms()
    ack = await legacy.call(
        events.DEVICES_REGISTER_KEY,
        {
            "device_key": public_bytes(device_key),
            "created_at": created,
            "certificate": certificate(alice.identity, device_key, created),
        },
    )
    assert ack == {"ok": True}

    refused = relay_clients(alice)  # signs with the identity key again
    with pytest.raises(socketio.exceptions.ConnectionError):
        await refused.connect(relay.url)
    assert refused.connect_error["data"]["error"] == "unauthorized"
    upgraded = alice.other_device(1, device_key)
    client = relay_clients(upgraded)
    await client.connect(relay.url)
    assert (await add_device(relay.url, client, upgraded)).device_id == 2


async def test_a_retry_of_a_message_sent_before_the_upgrade_is_still_deduplicated(
    migrated_relay: RelayServer, accounts: dict[str, DeviceAccount], relay_clients: Clients
) -> None:
    relay = migrated_relay
    sender = relay_clients(accounts["alice"])
    await sender.connect(relay.url)
    retry = {
        "id": OLD_MESSAGE_ID,
        "to": "bob",
        "payloads": [{"device_id": 1, "body": b"retried"}],
    }
    assert await sender.call(events.MESSAGE_SEND, retry) == {"ok": True, "server_ts": OLD_SERVER_TS}
    assert await relay.context.store.pending_envelopes("bob", 1, 0, now_ms(), 10) == []
    fresh = {**retry, "id": new_message_id()}
    assert (await sender.call(events.MESSAGE_SEND, fresh))["server_ts"] > OLD_SERVER_TS
