"""A relay database of schema version 3 migrated to version 4 (issue 18).

Version 4 binds link tokens to the device that asked for them (tokens of version 3 name no
device and are dropped) and counts the bytes waiting per recipient device (for the quota of
docs/protocol.md §6.8) from the envelopes already stored.

SQLite only: it upgrades an SQLite file an older relay left behind; PostgreSQL has its own
migrations (``chat_desktop/relay/pg_schema.py``), tested in ``test_relay_postgres.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from relay_device_helpers import DeviceAccount, link_new_device, public_bytes
from relay_harness import RELAXED_LIMITS, RelayClient, TestAccount, new_message_id

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.relay.link_tokens import link_token_hash, new_link_token
from chat_desktop.relay.sqlite_schema import SCHEMA_VERSION, migrate
from chat_desktop.relay.sqlite_writer import connect

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]
#: A link token the version-3 relay made for alice (not used, not expired).
OLD_TOKEN = new_link_token()


def add_version_3_device(
    connection: sqlite3.Connection, username: str, identity: IdentityKeyPair
) -> Ed25519PrivateKey:
    """Inserts an account with device 1 as the version-3 relay stored it; returns its DK."""
    device_key = Ed25519PrivateKey.generate()
    connection.execute(
        "INSERT INTO accounts (username, created_at, show_online, next_device_id)"
        " VALUES (?, 1, 1, 2)",
        (username,),
    )
    connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at, device_key)"
        " VALUES (?, 1, ?, 1, ?)",
        (username, identity.public_key, public_bytes(device_key)),
    )
    return device_key


def add_envelope(connection: sqlite3.Connection, recipient: str, body: bytes) -> None:
    """Stores an envelope for device 1 of ``recipient`` as the version-3 relay did."""
    connection.execute(
        "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device, msg_id,"
        " server_ts, body) VALUES (?, 1, 'bob', 1, ?, ?, ?)",
        (recipient, new_message_id(), now_ms(), body),
    )


@pytest.fixture
def alice() -> DeviceAccount:
    """alice's device 1 on the version-3 relay (its DK is set by the fixture below)."""
    return DeviceAccount(username="alice", identity=IdentityKeyPair.generate())


@pytest.fixture
async def migrated_relay(tmp_path: Path, alice: DeviceAccount) -> AsyncIterator[RelayServer]:
    """A relay started on a version-3 database with a link token and waiting envelopes."""
    data_dir = tmp_path / "relay"
    data_dir.mkdir()
    connection = connect(data_dir / "relay.sqlite3")
    migrate(connection, target_version=3)
    alice.device_key = add_version_3_device(connection, "alice", alice.identity)
    add_version_3_device(connection, "bob", IdentityKeyPair.generate())
    connection.execute(
        "INSERT INTO link_tokens (token_hash, username, expires_at) VALUES (?, 'alice', ?)",
        (link_token_hash(OLD_TOKEN), now_ms() + 600_000),
    )
    add_envelope(connection, "alice", b"x" * 1000)
    add_envelope(connection, "alice", b"y" * 234)
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


async def test_old_tokens_are_dropped_and_the_waiting_bytes_are_counted(
    migrated_relay: RelayServer, alice: DeviceAccount
) -> None:
    relay = migrated_relay
    assert rows(relay, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION >= 4  # then on to the newest (version 5: message:send_multi)
    assert rows(relay, "SELECT count(*) FROM link_tokens") == [(0,)]
    status, answer, _ = await link_new_device(relay.url, alice, OLD_TOKEN)
    assert (status, answer["error"]) == (401, "unauthorized")  # it named no device
    assert rows(relay, "SELECT * FROM queue_usage") == [("alice", 1, 1234)]


async def test_the_count_follows_every_store_and_delete(
    migrated_relay: RelayServer, alice: DeviceAccount, relay_clients: Clients
) -> None:
    relay = migrated_relay
    client = relay_clients(alice)
    await client.connect(relay.url)
    delivered = await client.receive(2)  # the two old envelopes
    assert await client.call(events.MESSAGE_ACK, {"ids": [delivered[0]["id"]]}) == {"ok": True}
    assert rows(relay, "SELECT * FROM queue_usage") == [("alice", 1, 234)]

    send = {
        "id": new_message_id(),
        "to": "bob",
        "payloads": [{"device_id": 1, "body": b"z" * 500}],
    }
    assert (await client.call(events.MESSAGE_SEND, send))["ok"] is True
    assert await client.call(events.MESSAGE_ACK, {"ids": [delivered[1]["id"]]}) == {"ok": True}
    # A drained queue leaves no row; bob's holds the new body.
    assert rows(relay, "SELECT * FROM queue_usage") == [("bob", 1, 500)]
