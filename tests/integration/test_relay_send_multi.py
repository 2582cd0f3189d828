"""``message:send_multi`` on a real relay: one body, every listed device, stored once (issue 21).

The relay is group-blind: a sender lists users and their devices, the relay checks each
user's device set in the write that stores (docs/protocol.md §6.6, §6.11), keeps the body
bytes once with one envelope per device, delivers each as an ordinary ``message`` and drops
the body with the last ack. Every refusal stores nothing for anyone. The relay's SQLite file
is read directly to prove the body is stored once and goes with the last envelope.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from relay_device_helpers import DeviceAccount, add_device, register_device_account
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    RelayProcess,
    TestAccount,
    database_of,
    new_message_id,
    query_database,
)

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.protocol.schemas import MAX_BODY_SIZE, MAX_RECIPIENTS
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import MIN_MAX_QUEUED_BYTES, RelayConfig
from chat_desktop.relay.sqlite_schema import SCHEMA_VERSION, migrate
from chat_desktop.relay.sqlite_writer import connect

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]
Recipients = list[tuple[TestAccount, list[int]]]


@dataclass
class People:
    """alice (devices 1, 2), bob (devices 1, 2), carol and dave (device 1 each)."""

    alice: DeviceAccount
    alice_2: DeviceAccount
    bob: DeviceAccount
    bob_2: DeviceAccount
    carol: DeviceAccount
    dave: DeviceAccount

    def everyone(self) -> Recipients:
        """The recipients of a send from alice's device 1 to all of them."""
        return [(self.bob, [1, 2]), (self.carol, [1]), (self.dave, [1]), (self.alice, [2])]

    def receiving_devices(self) -> list[DeviceAccount]:
        """Every device such a send reaches."""
        return [self.bob, self.bob_2, self.carol, self.dave, self.alice_2]


async def make_people(url: str, relay_clients: Clients) -> People:
    """Registers the four accounts and links the second devices of alice and bob."""
    alice, bob, carol, dave = [await register_device_account(url) for _ in range(4)]
    second: list[DeviceAccount] = []
    for account in (alice, bob):
        first = relay_clients(account)
        await first.connect(url)
        second.append(await add_device(url, first, account))
        await first.disconnect()
    return People(alice, second[0], bob, second[1], carol, dave)


@pytest.fixture
async def people(relay: RelayServer, relay_clients: Clients) -> People:
    """The four accounts on the in-process relay."""
    return await make_people(relay.url, relay_clients)


def multi(recipients: Recipients, body: bytes, msg_id: str | None = None, **extra: Any) -> Any:
    """A ``message:send_multi`` payload."""
    return {
        "id": msg_id or new_message_id(),
        "recipients": [
            {"user": account.username, "device_ids": devices} for account, devices in recipients
        ],
        "body": body,
        **extra,
    }


async def online(relay_clients: Clients, url: str, device: TestAccount) -> RelayClient:
    """Returns a connected client of ``device``."""
    client = relay_clients(device)
    await client.connect(url)
    return client


def query(database: Path | str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Runs a read-only query on the relay's store (its SQLite file or PostgreSQL URL)."""
    return query_database(database, sql, *args)


def stored(database: Path | str, msg_id: str) -> tuple[int, int, int]:
    """How many envelopes, dedupe records and shared bodies hold ``msg_id`` (and in all).

    A ``message:send_multi`` leaves ONE dedupe record, whatever the number of its users.
    """
    ((envelopes,),) = query(database, "SELECT count(*) FROM envelopes WHERE msg_id = ?", msg_id)
    ((records,),) = query(database, "SELECT count(*) FROM sent_messages WHERE msg_id = ?", msg_id)
    ((bodies,),) = query(database, "SELECT count(*) FROM shared_bodies")
    return envelopes, records, bodies


async def assert_next_is_a_marker(
    sender: RelayClient, clients: Sequence[RelayClient], recipients: Recipients
) -> None:
    """Proves nothing else waits for ``clients``: a fresh send to them is the next delivery."""
    marker = new_message_id()
    assert (await sender.call(events.MESSAGE_SEND_MULTI, multi(recipients, b"mark", marker)))["ok"]
    for client in clients:
        assert (await client.next_message())["id"] == marker
        assert await client.call(events.MESSAGE_ACK, {"ids": [marker]}) == {"ok": True}


async def test_one_body_reaches_every_listed_device_once_and_goes_with_the_last_ack(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    database = database_of(relay)
    sender = await online(relay_clients, relay.url, people.alice)
    receivers = {
        device.username + str(device.device_id): await online(relay_clients, relay.url, device)
        for device in people.receiving_devices()
        if device is not people.bob_2  # offline: it gets the body from the store later
    }
    body = b"one ciphertext for everyone"
    payload = multi(people.everyone(), body)

    ack = await sender.call(events.MESSAGE_SEND_MULTI, payload)

    assert ack == {"ok": True, "server_ts": ack["server_ts"]}
    expected = {
        "id": payload["id"],
        "from": people.alice.username,
        "from_device": 1,
        "server_ts": ack["server_ts"],
        "body": body,
    }
    for client in receivers.values():
        assert await client.next_message() == expected
    assert stored(database, payload["id"]) == (5, 1, 1)
    assert query(database, "SELECT body FROM shared_bodies") == [(body,)]
    assert query(
        database,
        "SELECT count(DISTINCT body_id), max(length(body)) FROM envelopes WHERE msg_id = ?",
        payload["id"],
    ) == [(1, 0)]
    usage = query(database, "SELECT recipient, recipient_device, bytes FROM queue_usage")
    assert sorted(usage) == sorted(
        (device.username, device.device_id, len(body)) for device in people.receiving_devices()
    )

    late = await online(relay_clients, relay.url, people.bob_2)
    assert await late.next_message() == expected
    receivers["late"] = late
    clients = list(receivers.values())
    for index, client in enumerate(clients):
        assert stored(database, payload["id"])[2] == 1  # still waiting for someone
        assert await client.call(events.MESSAGE_ACK, {"ids": [payload["id"]]}) == {"ok": True}
        assert stored(database, payload["id"])[0] == len(clients) - index - 1
    assert stored(database, payload["id"]) == (0, 1, 0)
    assert query(database, "SELECT count(*) FROM queue_usage") == [(0,)]

    await assert_next_is_a_marker(sender, clients, people.everyone())
    assert sender.messages.empty()  # the sending device is never a recipient


async def test_undelivered_copies_survive_a_relay_restart(
    relay_process: RelayProcess, relay_clients: Clients
) -> None:
    people = await make_people(relay_process.url, relay_clients)
    sender = await online(relay_clients, relay_process.url, people.alice)
    payload = multi(people.everyone(), b"kept across a crash")
    ack = await sender.call(events.MESSAGE_SEND_MULTI, payload)
    assert ack["ok"] is True
    await sender.disconnect()

    relay_process.kill()  # SIGKILL: the ack promised the envelopes were durable
    database = database_of(relay_process)
    assert stored(database, payload["id"]) == (5, 1, 1)
    relay_process.start()

    for device in people.receiving_devices():
        client = await online(relay_clients, relay_process.url, device)
        message = await client.next_message()
        assert (message["id"], message["body"], message["server_ts"]) == (
            payload["id"],
            b"kept across a crash",
            ack["server_ts"],
        )
        assert await client.call(events.MESSAGE_ACK, {"ids": [payload["id"]]}) == {"ok": True}
        await client.disconnect()
    assert stored(database, payload["id"]) == (0, 1, 0)


async def test_a_stale_device_list_refuses_the_whole_send_naming_each_user(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    database = database_of(relay)
    sender = await online(relay_clients, relay.url, people.alice)
    stale = [(people.bob, [1]), (people.carol, [1]), (people.dave, [1, 9]), (people.alice, [2])]
    payload = multi(stale, b"to a stale list")

    refused = await sender.call(events.MESSAGE_SEND_MULTI, payload)

    assert refused == {
        "ok": False,
        "error": "mismatched_devices",
        "message": refused["message"],
        "users": [
            {"user": people.bob.username, "missing": [2], "extra": []},
            {"user": people.dave.username, "missing": [], "extra": [9]},
        ],
    }
    assert stored(database, payload["id"]) == (0, 0, 0)
    carol = await online(relay_clients, relay.url, people.carol)
    # Sent again with the same id and the right lists, it is stored (nothing was before).
    fixed = {**payload, "recipients": multi(people.everyone(), b"")["recipients"]}
    assert (await sender.call(events.MESSAGE_SEND_MULTI, fixed))["ok"] is True
    assert (await carol.next_message())["id"] == payload["id"]


async def test_the_sending_device_is_never_a_recipient(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    sender = await online(relay_clients, relay.url, people.alice)
    for own_list, missing, extra in [([1, 2], [], [1]), ([1], [2], [1]), ([], [2], [])]:
        payload = multi([(people.bob, [1, 2]), (people.alice, own_list)], b"self")
        refused = await sender.call(events.MESSAGE_SEND_MULTI, payload)
        assert refused["error"] == "mismatched_devices"
        assert refused["users"] == [
            {"user": people.alice.username, "missing": missing, "extra": extra}
        ]
        assert stored(database_of(relay), payload["id"]) == (0, 0, 0)
    # An account whose only device sends lists itself with no device (or not at all).
    carol = await online(relay_clients, relay.url, people.carol)
    alone = multi([(people.carol, []), (people.dave, [1])], b"from carol")
    assert (await carol.call(events.MESSAGE_SEND_MULTI, alone))["ok"] is True


async def test_malformed_and_oversize_sends_are_refused_and_store_nothing(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    database = database_of(relay)
    sender = await online(relay_clients, relay.url, people.alice)
    many = [
        (TestAccount(username=f"nobody_{n:04d}", identity=people.alice.identity), [1])
        for n in range(MAX_RECIPIENTS + 1)
    ]
    cases: list[tuple[Any, str]] = [
        (multi(many, b"x"), "too_large"),
        (multi(many[:MAX_RECIPIENTS], b"x"), "not_found"),  # the count is fine, the users not
        (multi([(people.carol, [1]), (people.carol, [1])], b"x"), "bad_request"),
        (multi([(people.bob, [1, 1, 2])], b"x"), "bad_request"),
        (multi([(people.carol, [1])], b"b" * (MAX_BODY_SIZE + 1)), "too_large"),
        (multi([(people.carol, [1]), (people.alice, [])], b"x"), "mismatched_devices"),
        (multi([], b"x"), "bad_request"),
        ({**multi([(people.carol, [1])], b"x"), "group": "g"}, "bad_request"),
        ({**multi([(people.carol, [1])], b"x"), "id": "not-a-uuid"}, "bad_request"),
    ]
    for payload, error in cases:
        answer = await sender.call(events.MESSAGE_SEND_MULTI, payload)
        assert (answer["ok"], answer["error"]) == (False, error), answer
    assert query(database, "SELECT count(*) FROM envelopes") == [(0,)]
    assert query(database, "SELECT count(*) FROM sent_messages") == [(0,)]
    assert query(database, "SELECT count(*) FROM shared_bodies") == [(0,)]
    # The largest body is fine.
    largest = multi([(people.carol, [1])], b"b" * MAX_BODY_SIZE)
    assert (await sender.call(events.MESSAGE_SEND_MULTI, largest))["ok"] is True


async def test_an_unknown_user_is_not_found_as_for_message_send(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    sender = await online(relay_clients, relay.url, people.alice)
    ghost = TestAccount(username="ghost_user", identity=people.alice.identity)
    payload = multi([(people.carol, [1]), (ghost, [1]), (people.bob, [1])], b"x")
    answer = await sender.call(events.MESSAGE_SEND_MULTI, payload)
    one_to_one = await sender.call(
        events.MESSAGE_SEND,
        {"id": new_message_id(), "to": "ghost_user", "payloads": [{"device_id": 1, "body": b"x"}]},
    )
    assert answer == one_to_one == {"ok": False, "error": "not_found", "message": answer["message"]}
    assert stored(database_of(relay), payload["id"]) == (0, 0, 0)


async def test_a_repeated_id_is_acked_again_and_stored_once(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    database = database_of(relay)
    sender = await online(relay_clients, relay.url, people.alice)
    carol = await online(relay_clients, relay.url, people.carol)
    payload = multi(people.everyone(), b"once")
    first = await sender.call(events.MESSAGE_SEND_MULTI, payload)
    concurrent = [await sender.start_call(events.MESSAGE_SEND_MULTI, payload) for _ in range(4)]
    acks = [first, *await asyncio.wait_for(asyncio.gather(*concurrent), 15)]
    assert {ack["server_ts"] for ack in acks} == {first["server_ts"]}
    assert stored(database, payload["id"]) == (5, 1, 1)
    assert (await carol.next_message())["id"] == payload["id"]
    assert await carol.call(events.MESSAGE_ACK, {"ids": [payload["id"]]}) == {"ok": True}
    # Acked by carol, retried by alice: still a repeat, carol does not get it again.
    assert (await sender.call(events.MESSAGE_SEND_MULTI, payload))["server_ts"] == first[
        "server_ts"
    ]
    await assert_next_is_a_marker(sender, [carol], [(people.carol, [1])])

    # An id already sent 1:1 to one of the users is a repeat too: nobody gets it twice.
    reused = new_message_id()
    one_to_one = {"id": reused, "to": people.carol.username}
    one_to_one["payloads"] = [{"device_id": 1, "body": b"1:1"}]
    ack = await sender.call(events.MESSAGE_SEND, one_to_one)
    again = await sender.call(
        events.MESSAGE_SEND_MULTI, multi([(people.carol, [1]), (people.dave, [1])], b"m", reused)
    )
    assert again == {"ok": True, "server_ts": ack["server_ts"]}
    assert stored(database, reused)[:2] == (1, 1)

    # And the other way: a 1:1 send of an id a send_multi stored is a repeat, for any user
    # (one the send listed, or one it did not).
    assert (await carol.next_message())["id"] == reused  # the 1:1 message, once
    for user in (people.carol, await register_device_account(relay.url)):
        late = {"id": payload["id"], "to": user.username}
        late["payloads"] = [{"device_id": 1, "body": b"late"}]
        assert await sender.call(events.MESSAGE_SEND, late) == {
            "ok": True,
            "server_ts": first["server_ts"],
        }
    await assert_next_is_a_marker(sender, [carol], [(people.carol, [1])])


@pytest.fixture
async def small_quota_relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """An in-process relay with the smallest queue quota (one full-size body fills it)."""
    server = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "quota",
            port=0,
            rate_limits=parse_rate_limits([*RELAXED_LIMITS, "messages=1000/1"]),
            max_queued_bytes=MIN_MAX_QUEUED_BYTES,
        )
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_queue_quota_counts_the_body_for_each_device(
    small_quota_relay: RelayServer, relay_clients: Clients
) -> None:
    relay = small_quota_relay
    database = database_of(relay)
    people = await make_people(relay.url, relay_clients)
    sender = await online(relay_clients, relay.url, people.alice)
    quarter = MAX_BODY_SIZE // 4
    assert MIN_MAX_QUEUED_BYTES == MAX_BODY_SIZE
    for _ in range(4):  # bob's two devices fill up; the body is stored once per send
        filler = multi([(people.bob, [1, 2])], b"q" * quarter)
        assert (await sender.call(events.MESSAGE_SEND_MULTI, filler))["ok"] is True
    assert sorted(query(database, "SELECT recipient_device, bytes FROM queue_usage")) == [
        (1, MAX_BODY_SIZE),
        (2, MAX_BODY_SIZE),
    ]
    assert query(database, "SELECT count(*), sum(length(body)) FROM shared_bodies") == [
        (4, MAX_BODY_SIZE)
    ]

    payload = multi([(people.carol, [1]), (people.bob, [1, 2])], b"x")
    refused = await sender.call(events.MESSAGE_SEND_MULTI, payload)
    assert (refused["ok"], refused["error"]) == (False, "quota_exceeded")
    assert stored(database, payload["id"])[:2] == (0, 0)  # not even carol's copy

    bob = await online(relay_clients, relay.url, people.bob)
    delivered = await bob.next_message()
    assert await bob.call(events.MESSAGE_ACK, {"ids": [delivered["id"]]}) == {"ok": True}
    # Device 1 has room again, device 2 not yet: the send is still refused whole.
    assert (await sender.call(events.MESSAGE_SEND_MULTI, payload))["error"] == "quota_exceeded"
    bob_2 = await online(relay_clients, relay.url, people.bob_2)
    delivered = await bob_2.next_message()
    assert await bob_2.call(events.MESSAGE_ACK, {"ids": [delivered["id"]]}) == {"ok": True}
    assert (await sender.call(events.MESSAGE_SEND_MULTI, payload))["ok"] is True


async def test_sends_are_rate_limited_per_account(
    tmp_path: Path, relay_clients: Clients, relay_database: Callable[[], str | None]
) -> None:
    server = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "limited",
            database_url=relay_database(),
            port=0,
            rate_limits=parse_rate_limits([*RELAXED_LIMITS, "messages=2/60"]),
        )
    )
    await server.start()
    try:
        alice, bob = [await register_device_account(server.url) for _ in range(2)]
        sender = await online(relay_clients, server.url, alice)
        payload = multi([(bob, [1])], b"x")
        assert (await sender.call(events.MESSAGE_SEND_MULTI, payload))["ok"] is True
        one_to_one = {"id": new_message_id(), "to": bob.username}
        one_to_one["payloads"] = [{"device_id": 1, "body": b"x"}]
        assert (await sender.call(events.MESSAGE_SEND, one_to_one))["ok"] is True
        limited = await sender.call(events.MESSAGE_SEND_MULTI, multi([(bob, [1])], b"x"))
        assert limited["error"] == "rate_limited"
        assert limited["retry_after"] > 0
    finally:
        await server.stop()


async def test_expiry_removal_and_account_deletion_drop_the_shared_body(
    relay: RelayServer, relay_clients: Clients, people: People
) -> None:
    database = database_of(relay)
    sender = await online(relay_clients, relay.url, people.alice)
    expiring = multi(people.everyone(), b"gone soon", expires_at=now_ms() + 300)
    assert (await sender.call(events.MESSAGE_SEND_MULTI, expiring))["ok"] is True
    for _ in range(100):  # the sweeper runs every 0.2 s
        if stored(database, expiring["id"])[0] == 0:
            break
        await asyncio.sleep(0.05)
    assert stored(database, expiring["id"])[0::2] == (0, 0)
    carol = await online(relay_clients, relay.url, people.carol)
    await assert_next_is_a_marker(sender, [carol], [(people.carol, [1])])

    kept = multi([(people.bob, [1, 2]), (people.dave, [1])], b"removed devices")
    assert (await sender.call(events.MESSAGE_SEND_MULTI, kept))["ok"] is True
    bob = await online(relay_clients, relay.url, people.bob)
    assert await bob.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}
    assert stored(database, kept["id"])[0::2] == (2, 1)
    dave = await online(relay_clients, relay.url, people.dave)
    assert await dave.call(events.ACCOUNT_DELETE, {"user": people.dave.username}) == {"ok": True}
    assert stored(database, kept["id"])[0::2] == (1, 1)
    assert (await bob.next_message())["body"] == b"removed devices"
    assert await bob.call(events.MESSAGE_ACK, {"ids": [kept["id"]]}) == {"ok": True}
    assert stored(database, kept["id"])[0::2] == (0, 0)


# SQLite only: the upgrade of an SQLite file an older relay left (PostgreSQL has its own
# migrations, tested in test_relay_postgres.py).
async def test_a_version_4_database_is_migrated_and_its_envelopes_still_deliver(
    tmp_path: Path, relay_clients: Clients
) -> None:
    data_dir = tmp_path / "relay_v4"
    data_dir.mkdir()
    connection = connect(data_dir / "relay.sqlite3")
    migrate(connection, target_version=4)
    connection.execute("INSERT INTO accounts (username, created_at) VALUES ('erin', 1)")
    connection.execute(
        "INSERT INTO devices (username, device_id, identity_key, created_at)"
        " VALUES ('erin', 1, ?, 1)",
        (b"k" * 32,),
    )
    old_id = new_message_id()
    connection.execute(
        "INSERT INTO envelopes (recipient, recipient_device, sender, sender_device, msg_id,"
        " server_ts, body) VALUES ('erin', 1, 'frank', 1, ?, ?, ?)",
        (old_id, now_ms(), b"o" * 700),
    )
    connection.close()
    server = RelayServer(
        RelayConfig(data_dir=data_dir, port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await server.start()
    try:
        database = server.config.database_path
        assert query(database, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(6,)]
        assert query(database, "SELECT * FROM queue_usage") == [("erin", 1, 700)]
        alice, bob = [await register_device_account(server.url) for _ in range(2)]
        sender = await online(relay_clients, server.url, alice)
        # erin's device has no DK (made before linked devices): the store is read directly.
        envelopes = await server.context.store.pending_envelopes("erin", 1, 0, now_ms(), 10)
        assert [(e.msg_id, e.body) for e in envelopes] == [(old_id, b"o" * 700)]
        payload = multi([(bob, [1])], b"n" * 300)
        assert (await sender.call(events.MESSAGE_SEND_MULTI, payload))["ok"] is True
        assert sorted(query(database, "SELECT * FROM queue_usage")) == sorted(
            [("erin", 1, 700), (bob.username, 1, 300)]
        )
        assert await server.context.store.delete_envelopes("erin", 1, [old_id]) == 1
        assert query(database, "SELECT * FROM queue_usage") == [(bob.username, 1, 300)]
    finally:
        await server.stop()
