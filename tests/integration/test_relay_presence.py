"""Presence: ``presence:subscribe`` answers and ``presence`` events (docs/protocol.md §6)."""

from __future__ import annotations

import asyncio

import pytest
from relay_harness import RelayClient, register_account

from chat_desktop.protocol import events

pytestmark = pytest.mark.integration


async def _next_presence(client: RelayClient, seen: int) -> dict:
    for _ in range(500):
        if len(client.events) > seen:
            return client.events[seen][1]
        await asyncio.sleep(0.01)
    raise AssertionError("no presence event")


async def test_subscribers_see_online_and_last_seen(relay, relay_clients) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    watcher = relay_clients(alice)
    await watcher.connect(relay.url)
    ack = await watcher.call(
        events.PRESENCE_SUBSCRIBE, {"users": [bob.username, "never_registered"]}
    )
    assert ack == {
        "ok": True,
        "presence": [
            {"user": bob.username, "online": False},
            {"user": "never_registered", "online": False},
        ],
    }

    watched = relay_clients(bob)
    await watched.connect(relay.url)
    update = await _next_presence(watcher, 0)
    (entry,) = update["presence"]
    assert (entry["user"], entry["online"]) == (bob.username, True)

    await watched.disconnect()
    update = await _next_presence(watcher, 1)
    (entry,) = update["presence"]
    assert (entry["user"], entry["online"]) == (bob.username, False)
    ack = await watcher.call(events.PRESENCE_SUBSCRIBE, {"users": [bob.username]})
    assert ack["presence"] == [
        {"user": bob.username, "online": False, "last_seen": entry["last_seen"]}
    ]


async def test_a_new_connection_of_the_same_device_replaces_the_old(relay, relay_clients) -> None:
    alice, bob = await register_account(relay.url), await register_account(relay.url)
    old, new = relay_clients(bob), relay_clients(bob)
    await old.connect(relay.url)
    await new.connect(relay.url)
    for _ in range(500):
        if not old.sio.connected:
            break
        await asyncio.sleep(0.01)
    assert not old.sio.connected
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    assert (await sender.send_text(bob, b"to the new one"))["ok"]
    assert (await new.next_message())["body"] == b"to the new one"
