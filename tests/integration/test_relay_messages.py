"""Exactly-once storage, ordered delivery and redelivery (acceptance 3 and 4)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from relay_harness import (
    RelayClient,
    RelayProcess,
    database_of,
    new_message_id,
    query_database,
    register_account,
    send_payload,
)

from chat_desktop.protocol import events
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration

FAST_SENDS = ("--rate-limit", "messages=100000/1")


def _stored_envelopes(database: Path | str, msg_id: str) -> int:
    ((count,),) = query_database(
        database, "SELECT count(*) FROM envelopes WHERE msg_id = ?", msg_id
    )
    return int(count)


async def _assert_next_is_marker(sender: RelayClient, receiver: RelayClient) -> str:
    """Proves nothing else is queued: a fresh marker is the very next delivery."""
    marker = new_message_id()
    assert (await sender.send_text(receiver.account, b"marker", marker))["ok"]
    assert (await receiver.next_message())["id"] == marker
    return marker


async def test_same_send_three_times_is_stored_and_delivered_once(
    relay: RelayServer, relay_clients
) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    payload = send_payload(bob, b"once")
    acks = [await sender.call(events.MESSAGE_SEND, payload) for _ in range(2)]
    acks.append(await sender.call(events.MESSAGE_SEND, payload))
    assert all(ack["ok"] for ack in acks)
    assert len({ack["server_ts"] for ack in acks}) == 1
    assert _stored_envelopes(database_of(relay), payload["id"]) == 1

    receiver = relay_clients(bob)
    await receiver.connect(relay.url)
    message = await receiver.next_message()
    assert message == {
        "id": payload["id"],
        "from": alice.username,
        "from_device": 1,
        "server_ts": acks[0]["server_ts"],
        "body": b"once",
    }
    await _assert_next_is_marker(sender, receiver)


async def test_concurrent_repeats_of_one_id_are_stored_once(relay, relay_clients) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender, receiver = relay_clients(alice), relay_clients(bob)
    await sender.connect(relay.url)
    await receiver.connect(relay.url)
    payload = send_payload(bob, b"concurrent")
    futures = [await sender.start_call(events.MESSAGE_SEND, payload) for _ in range(5)]
    acks = await asyncio.gather(*futures)
    assert len({ack["server_ts"] for ack in acks}) == 1
    assert (await receiver.next_message())["id"] == payload["id"]
    await _assert_next_is_marker(sender, receiver)


async def test_unacked_messages_are_redelivered_on_reconnect_until_acked(
    relay, relay_clients
) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    ids = [new_message_id() for _ in range(3)]
    for index, msg_id in enumerate(ids):
        assert (await sender.send_text(bob, b"m%d" % index, msg_id))["ok"]

    first = relay_clients(bob)
    await first.connect(relay.url)
    assert [m["id"] for m in await first.receive(3)] == ids
    assert await first.call(events.MESSAGE_ACK, {"ids": ids[:1]}) == {"ok": True}
    await first.disconnect()

    second = relay_clients(bob)
    await second.connect(relay.url)
    assert [m["id"] for m in await second.receive(2)] == ids[1:]
    assert await second.call(events.MESSAGE_ACK, {"ids": ids[1:]}) == {"ok": True}
    await _assert_next_is_marker(sender, second)
    assert _stored_envelopes(database_of(relay), ids[2]) == 0


async def test_send_to_unknown_recipient_is_not_found_and_to_unknown_device_mismatched(
    relay, relay_clients
) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    ack = await sender.call(events.MESSAGE_SEND, {**send_payload(bob, b"x"), "to": "ghost_user"})
    assert ack["error"] == "not_found"
    bad_device = send_payload(bob, b"x")
    bad_device["payloads"][0]["device_id"] = 7
    ack = await sender.call(events.MESSAGE_SEND, bad_device)  # docs/protocol.md §6.11
    assert (ack["error"], ack["missing"], ack["extra"]) == ("mismatched_devices", [1], [7])


async def test_kill_after_persist_before_ack_then_retry_delivers_exactly_once(
    relay_process_factory, relay_clients
) -> None:
    relay: RelayProcess = relay_process_factory(["--failpoint", "crash-after-store"])
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    payload = send_payload(bob, b"survives a crash")
    pending_ack = await sender.start_call(events.MESSAGE_SEND, payload)
    assert await asyncio.to_thread(relay.wait_exit) == -9  # SIGKILLed after the commit
    assert not pending_ack.done()  # ... and before the ack

    relay.restart(args=[a for a in relay.args if a not in ("--failpoint", "crash-after-store")])
    retrying = relay_clients(alice)
    await retrying.connect(relay.url)
    ack = await retrying.call(events.MESSAGE_SEND, payload)
    assert ack["ok"]

    receiver = relay_clients(bob)
    await receiver.connect(relay.url)
    message = await receiver.next_message()
    assert (message["id"], message["body"]) == (payload["id"], b"survives a crash")
    assert message["server_ts"] == ack["server_ts"]
    await _assert_next_is_marker(retrying, receiver)


async def test_thousand_envelopes_survive_a_restart_and_arrive_in_order_once(
    relay_process_factory, relay_clients
) -> None:
    relay: RelayProcess = relay_process_factory(FAST_SENDS)
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    payloads = [send_payload(bob, b"%04d" % index) for index in range(1000)]
    futures = [await sender.start_call(events.MESSAGE_SEND, p) for p in payloads]
    acks = await asyncio.wait_for(asyncio.gather(*futures), 60)
    assert all(ack["ok"] for ack in acks)
    await sender.disconnect()

    relay.restart()
    receiver = relay_clients(bob)
    await receiver.connect(relay.url)
    received = await receiver.receive(1000, timeout=30)
    assert [m["body"] for m in received] == [p["payloads"][0]["body"] for p in payloads]
    assert [m["id"] for m in received] == [p["id"] for p in payloads]

    sender = relay_clients(alice)
    await sender.connect(relay.url)
    ids = [p["id"] for p in payloads]
    ids.append(await _assert_next_is_marker(sender, receiver))
    for start in range(0, 1001, 500):
        assert (await receiver.call(events.MESSAGE_ACK, {"ids": ids[start : start + 500]}))["ok"]
    await receiver.disconnect()
    again = relay_clients(bob)
    await again.connect(relay.url)
    await _assert_next_is_marker(sender, again)  # the acked ones are gone, the marker is not
