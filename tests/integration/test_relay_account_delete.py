"""``account:delete`` (docs/protocol.md §6.10): a connection deletes its own account only."""

from __future__ import annotations

import asyncio

import pytest
from relay_harness import RelayClient, register_account

from chat_desktop.protocol import events
from chat_desktop.protocol.events import ACCOUNT_DELETE
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RateLimits

pytestmark = pytest.mark.integration


def disconnected(client: RelayClient) -> asyncio.Event:
    """An event set when the relay closes ``client``'s connection."""
    gone = asyncio.Event()
    client.sio.on("disconnect", lambda *args: gone.set())
    return gone


async def test_a_connection_deletes_its_own_account_and_the_relay_forgets_it(
    relay: RelayServer, relay_clients
) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    victim = relay_clients(alice)
    await victim.connect(relay.url)
    other = relay_clients(bob)
    await other.connect(relay.url)
    await other.send_text(alice, b"waiting for alice")  # an envelope queued for her
    await victim.next_message()  # (delivered, not acked: still stored)
    await other.call(events.PRESENCE_SUBSCRIBE, {"users": [alice.username]})
    gone = disconnected(victim)

    ack = await victim.call(ACCOUNT_DELETE, {"user": alice.username})

    assert ack == {"ok": True}
    await asyncio.wait_for(gone.wait(), 10)  # the relay closes the socket after the ack
    store = relay.context.store
    assert await store.identity_key(alice.username, alice.device_id) is None
    assert await store.pending_envelopes(alice.username, alice.device_id, 0, 0, 10) == []
    bundle = await other.call(events.KEYS_BUNDLE, {"user": alice.username})
    assert (bundle["ok"], bundle["error"]) == (False, "not_found")
    # Her followers saw her go offline, and the name is free to register again.
    assert any(
        name == events.PRESENCE and not data["presence"][0]["online"] for name, data in other.events
    )
    again = await register_account(relay.url, alice.username)
    assert again.identity.public_key != alice.identity.public_key
    assert other.sio.connected


async def test_another_users_connection_cannot_delete_you(
    relay: RelayServer, relay_clients
) -> None:
    alice, mallory = await register_account(relay.url), await register_account(relay.url)
    attacker = relay_clients(mallory)
    await attacker.connect(relay.url)

    ack = await attacker.call(ACCOUNT_DELETE, {"user": alice.username})

    assert (ack["ok"], ack["error"]) == (False, "unauthorized")
    assert alice.username not in ack["message"]
    store = relay.context.store
    assert await store.identity_key(alice.username, alice.device_id) is not None
    assert await store.identity_key(mallory.username, mallory.device_id) is not None
    # The refusal changes nothing for the caller either: its connection keeps working.
    assert attacker.sio.connected
    assert (await attacker.call(events.PRESENCE_SUBSCRIBE, {"users": [alice.username]}))["ok"]


async def test_a_malformed_request_deletes_nothing(relay: RelayServer, relay_clients) -> None:
    alice = await register_account(relay.url)
    client = relay_clients(alice)
    await client.connect(relay.url)
    for payload in ({}, {"user": alice.username, "also": 1}, {"user": 7}, "alice"):
        ack = await client.call(ACCOUNT_DELETE, payload)
        assert (ack["ok"], ack["error"]) == (False, "bad_request")
    assert await relay.context.store.identity_key(alice.username, alice.device_id) is not None


async def test_deletion_requests_are_rate_limited(relay: RelayServer, relay_clients) -> None:
    alice, mallory = await register_account(relay.url), await register_account(relay.url)
    attacker = relay_clients(mallory)
    await attacker.connect(relay.url)
    for _ in range(RateLimits().account_deletions.count):
        ack = await attacker.call(ACCOUNT_DELETE, {"user": alice.username})
        assert ack["error"] == "unauthorized"
    ack = await attacker.call(ACCOUNT_DELETE, {"user": mallory.username})
    assert (ack["ok"], ack["error"]) == (False, "rate_limited")
    assert ack["retry_after"] > 0
    assert await relay.context.store.identity_key(mallory.username, mallory.device_id)
