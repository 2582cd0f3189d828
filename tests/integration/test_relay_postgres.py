"""The relay on PostgreSQL with several processes on one database (issue 25).

What only a shared database raises: two relays starting at once on an empty database
(migrations run once, under an advisory lock), two sweepers at once (each expired item
deleted once, a sweep skipped while another holds the sweep lock), two processes storing
the same message or taking the same one-time keys at once, and a database a newer relay
made. Each test gets a fresh database on the session's PostgreSQL server.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from postgres_server import PostgresServer
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    RelayProcess,
    make_one_time_prekeys,
    make_pq_prekey,
    make_signed_prekey,
    register_account,
)

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol.schemas import DevicePayload
from chat_desktop.relay.config import DAY_MS
from chat_desktop.relay.pg_schema import SCHEMA_VERSION
from chat_desktop.relay.pg_store import SWEEP_LOCK, PgRelayStore
from chat_desktop.relay.store import NewAccount

pytestmark = pytest.mark.integration

RETENTION = 30 * DAY_MS
#: Enough of each kind that two sweeps at once would overlap if they could.
EXPIRED_ENVELOPES = 200
EXPIRED_BLOBS = 40


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of an empty database, emptied again afterwards."""
    url = postgres_server.create_database()
    yield url
    postgres_server.release_database(url)


@pytest.fixture
async def two_stores(database: str) -> AsyncIterator[tuple[PgRelayStore, PgRelayStore]]:
    """Two stores on one database, each with its own pool: two relay processes' worth of
    PostgreSQL sessions (locks are per session), with alice and bob registered."""
    stores = (PgRelayStore(database), PgRelayStore(database))
    await asyncio.gather(*(store.open() for store in stores))
    identity = IdentityKeyPair.generate()
    for name in ("alice", "bob"):
        await stores[0].create_account(
            NewAccount(
                username=name,
                identity_key=identity.public_key,
                signed_prekey=make_signed_prekey(identity, 1),
                pq_prekeys=[make_pq_prekey(identity, 9, last_resort=True)],
                one_time_prekeys=make_one_time_prekeys(1, 40),
            ),
            now_ms=0,
        )
    yield stores
    await asyncio.gather(*(store.close() for store in stores))


def _relay_args(database: str) -> list[str]:
    limits = [arg for limit in RELAXED_LIMITS for arg in ("--rate-limit", limit)]
    return ["--database", database, *limits]


async def test_two_relays_started_at_once_on_an_empty_database_migrate_it_once(
    tmp_path: Path, database: str, postgres_server: PostgresServer, relay_clients
) -> None:
    relays = [RelayProcess(tmp_path / f"relay{index}", _relay_args(database)) for index in (0, 1)]
    try:
        await asyncio.gather(*(asyncio.to_thread(relay.start) for relay in relays))
        name = database.rsplit("/", 1)[1]
        # One row per applied step: a second migration would have failed on its key, and
        # the relay that ran it would not have come up.
        assert postgres_server.execute(name, "SELECT version FROM schema_migrations") == [
            (version,) for version in range(1, SCHEMA_VERSION + 1)
        ]
        # Both serve the one store: registered through one, found through the other.
        alice = await register_account(relays[0].url)
        bob = await register_account(relays[1].url)
        sender: RelayClient = relay_clients(alice)
        await sender.connect(relays[1].url)
        assert (await sender.send_text(bob, b"across"))["ok"]
        receiver: RelayClient = relay_clients(bob)
        await receiver.connect(relays[0].url)
        assert (await receiver.next_message())["body"] == b"across"
    finally:
        for relay in relays:
            relay.kill()


async def test_two_sweepers_at_once_delete_each_expired_item_once(
    two_stores: tuple[PgRelayStore, PgRelayStore],
) -> None:
    first, _ = two_stores
    for index in range(EXPIRED_ENVELOPES):
        await first.store_message(
            "alice", 1, f"m{index}", "bob", [DevicePayload(device_id=1, body=b"x")], 1_000, 0
        )
    await first.store_message("alice", 1, "kept", "bob", [DevicePayload(1, b"k")], None, 0)
    blob_ids = [secrets.token_hex(16) for _ in range(EXPIRED_BLOBS)]
    for blob_id in blob_ids:
        await first.reserve_blob(blob_id, "alice", 10, expires_at=1_000, now_ms=0)

    # Four sweeps on each "process" at once: the blob ids a sweep returns are the objects
    # its process deletes, so each must come out of exactly one sweep.
    results = await asyncio.gather(*(store.sweep(2_000, RETENTION) for store in two_stores * 4))

    assert sum(result.envelopes for result in results) == EXPIRED_ENVELOPES
    swept_blobs = [blob_id for result in results for blob_id in result.blob_ids]
    assert sorted(swept_blobs) == sorted(blob_ids)  # each once, none twice
    left = await first.pending_envelopes("bob", 1, 0, 0, 1000)
    assert [envelope.msg_id for envelope in left] == ["kept"]


async def test_a_sweep_is_skipped_while_another_process_holds_the_sweep_lock(
    database: str, two_stores: tuple[PgRelayStore, PgRelayStore]
) -> None:
    store, _ = two_stores
    await store.store_message("alice", 1, "old", "bob", [DevicePayload(1, b"x")], 1_000, 0)
    other = await asyncpg.connect(database)
    try:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", SWEEP_LOCK)
        skipped = await store.sweep(2_000, RETENTION)
        assert (skipped.envelopes, list(skipped.blob_ids)) == (0, [])
        assert await other.fetchval("SELECT count(*) FROM envelopes") == 1
        assert await other.fetchval("SELECT pg_advisory_unlock($1)", SWEEP_LOCK)
    finally:
        await other.close()
    assert (await store.sweep(2_000, RETENTION)).envelopes == 1


async def test_one_message_stored_through_two_processes_at_once_is_stored_once(
    two_stores: tuple[PgRelayStore, PgRelayStore],
) -> None:
    payload = [DevicePayload(device_id=1, body=b"once")]
    results = await asyncio.gather(
        *(
            store.store_message("alice", 1, f"same{round_}", "bob", payload, None, 100 + index)
            for round_ in range(20)
            for index, store in enumerate(two_stores)
        )
    )
    for round_ in range(20):
        pair = results[2 * round_ : 2 * round_ + 2]
        assert sum(len(result.envelopes) for result in pair) == 1
        assert pair[0].server_ts == pair[1].server_ts
    assert len(await two_stores[1].pending_envelopes("bob", 1, 0, 0, 1000)) == 20


async def test_one_time_keys_taken_through_two_processes_at_once_go_out_once(
    two_stores: tuple[PgRelayStore, PgRelayStore],
) -> None:
    taken = await asyncio.gather(*(store.take_bundles("bob") for store in two_stores * 25))
    keys = [bundle.one_time_prekey for result in taken for bundle in result.bundles]
    handed_out = [key.id for key in keys if key is not None]
    assert sorted(handed_out) == list(range(1, 41))  # all 40, none twice
    assert keys.count(None) == 10


async def test_a_database_of_a_newer_relay_is_refused(
    tmp_path: Path, database: str, postgres_server: PostgresServer
) -> None:
    store = PgRelayStore(database)
    await store.open()
    await store.close()
    name = database.rsplit("/", 1)[1]
    postgres_server.execute(name, "INSERT INTO schema_migrations (version) VALUES (99)")
    with pytest.raises(RuntimeError, match="unknown schema version 99"):
        await PgRelayStore(database).open()
    relay = RelayProcess(tmp_path / "relay", _relay_args(database))
    with pytest.raises(RuntimeError, match="relay exited early"):
        await asyncio.to_thread(relay.start)
    relay.kill()


@pytest.mark.parametrize("bad", ["sqlite:///relay.db", "http://127.0.0.1/db", ""])
def test_a_database_that_is_not_a_postgresql_url_is_refused(tmp_path: Path, bad: str) -> None:
    command = [sys.executable, "-m", "chat_desktop.relay", "--data-dir", str(tmp_path)]
    result = subprocess.run(
        [*command, "--database", bad, "--reset-account", "alice"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "postgresql:// URL" in result.stderr
