"""The SQLite writer's cached device sets (issue 25) never let a send see a stale set.

Each test first sends, so the recipient's set is cached, then changes the devices in one of
the ways the cache must notice: a write on the writer's own connection (triggers), a write
that rolls back after reading the set, another process deleting the account.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from relay_harness import make_pq_prekey, make_signed_prekey

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol.schemas import DevicePayload
from chat_desktop.relay.sqlite_store import SqliteRelayStore
from chat_desktop.relay.store import NewAccount, UnknownRecipient
from chat_desktop.relay.store_devices import MismatchedDevices

pytestmark = pytest.mark.unit


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRelayStore]:
    relay_store = SqliteRelayStore(tmp_path / "relay.sqlite3")
    await relay_store.open()
    identity = IdentityKeyPair.generate()
    for name in ("alice", "bob"):
        await relay_store.create_account(
            NewAccount(
                username=name,
                identity_key=identity.public_key,
                signed_prekey=make_signed_prekey(identity, 1),
                pq_prekeys=[make_pq_prekey(identity, 9, last_resort=True)],
                one_time_prekeys=[],
            ),
            now_ms=0,
        )
    yield relay_store
    await relay_store.close()


async def send(store: SqliteRelayStore, msg_id: str, devices: list[int]) -> None:
    payloads = [DevicePayload(device_id=device, body=b"x") for device in devices]
    await store.store_message("alice", 1, msg_id, "bob", payloads, None, 1)


def add_bob_device(connection: sqlite3.Connection, device_id: int) -> None:
    connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at)"
        " SELECT username, ?, identity_key, created_at FROM devices"
        " WHERE username = 'bob' AND device_id = 1",
        (device_id,),
    )


async def test_a_device_added_or_removed_by_the_writer_is_seen_by_the_next_send(
    store: SqliteRelayStore,
) -> None:
    await send(store, "m1", [1])  # bob's set {1} is cached now
    await store._writer.submit(lambda connection: add_bob_device(connection, 2))
    with pytest.raises(MismatchedDevices) as mismatch:
        await send(store, "m2", [1])
    assert mismatch.value.missing == (2,)
    await send(store, "m3", [1, 2])
    await store._writer.submit(
        lambda c: c.execute("DELETE FROM devices WHERE username = 'bob' AND device_id = 2")
    )
    await send(store, "m4", [1])


async def test_a_set_read_by_a_write_that_rolled_back_is_not_kept(
    store: SqliteRelayStore,
) -> None:
    def add_then_fail(connection: sqlite3.Connection) -> None:
        add_bob_device(connection, 2)
        # The uncommitted set {1, 2} is read (and cached) before the job fails.
        assert store._writer.device_sets.device_ids(connection, "bob") == {1, 2}
        raise RuntimeError("the job fails after reading")

    await send(store, "m1", [1])
    with pytest.raises(RuntimeError):
        await store._writer.submit(add_then_fail)
    await send(store, "m2", [1])  # bob still has device 1 only


async def test_an_account_deleted_by_another_process_is_not_served_from_the_cache(
    store: SqliteRelayStore, tmp_path: Path
) -> None:
    await send(store, "m1", [1])
    # What --reset-account does: another store on the same file, in another process (its
    # commits reach this writer only through the database file).
    other = sqlite3.connect(tmp_path / "relay.sqlite3", isolation_level=None)
    other.execute("PRAGMA foreign_keys = ON")
    other.execute("DELETE FROM accounts WHERE username = 'bob'")
    other.close()
    with pytest.raises(UnknownRecipient):
        await send(store, "m2", [1])
