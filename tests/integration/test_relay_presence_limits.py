"""Presence limits and "show when I'm online", enforced by the relay."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from relay_harness import RelayClient, register_account

from chat_desktop.protocol import events
from chat_desktop.protocol.schemas import MAX_PRESENCE_SUBSCRIPTIONS
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration


class PresenceWatcher:
    """Queues a client's ``presence`` entries so a test can await them in order."""

    def __init__(self, client: RelayClient) -> None:
        self.entries: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def on_presence(data: dict[str, Any]) -> None:
            for entry in data["presence"]:
                self.entries.put_nowait(entry)

        client.sio.on(events.PRESENCE, on_presence)

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.entries.get(), 10)


def names(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(count)]


async def test_a_connection_follows_at_most_the_cap(relay: RelayServer, relay_clients) -> None:
    alice = await register_account(relay.url)
    client = relay_clients(alice)
    await client.connect(relay.url)
    over = await client.call(
        events.PRESENCE_SUBSCRIBE, {"users": names(MAX_PRESENCE_SUBSCRIPTIONS + 1, "a")}
    )
    assert over["ok"] is False and over["error"] == "too_large"
    full = await client.call(
        events.PRESENCE_SUBSCRIBE, {"users": names(MAX_PRESENCE_SUBSCRIPTIONS, "b")}
    )
    assert full["ok"] and len(full["presence"]) == MAX_PRESENCE_SUBSCRIPTIONS
    again = await client.call(events.PRESENCE_SUBSCRIBE, {"users": names(10, "b")})
    assert again["ok"], "users already followed do not count twice"
    one_more = await client.call(events.PRESENCE_SUBSCRIBE, {"users": ["c0000"]})
    assert one_more["ok"] is False and one_more["error"] == "too_large"


async def test_presence_subscriptions_are_rate_limited(relay: RelayServer, relay_clients) -> None:
    alice = await register_account(relay.url)
    client = relay_clients(alice)
    await client.connect(relay.url)
    rule = relay.context.config.rate_limits.presence
    for _ in range(rule.count):
        assert (await client.call(events.PRESENCE_SUBSCRIBE, {"users": ["bob"]}))["ok"]
    refused = await client.call(events.PRESENCE_SUBSCRIBE, {"users": ["bob"]})
    assert refused["error"] == "rate_limited" and 0 < refused["retry_after"] <= rule.period_s


async def test_a_hidden_user_never_shows_online(relay: RelayServer, relay_clients) -> None:
    alice, bob, carol = [await register_account(relay.url) for _ in range(3)]
    watcher = relay_clients(alice)
    await watcher.connect(relay.url)
    seen = PresenceWatcher(watcher)

    hidden = relay_clients(bob)
    await hidden.connect(relay.url)
    assert await hidden.call(events.PRESENCE_VISIBILITY, {"visible": False}) == {"ok": True}
    await hidden.disconnect()

    ack = await watcher.call(events.PRESENCE_SUBSCRIBE, {"users": [bob.username, carol.username]})
    assert ack["presence"] == [
        {"user": bob.username, "online": False},
        {"user": carol.username, "online": False},
    ]
    # Bob connects and leaves again (kept hidden across connections); then Carol comes online:
    # the first event Alice sees is Carol's, so none revealed Bob.
    hidden = relay_clients(bob)
    await hidden.connect(relay.url)
    ack = await watcher.call(events.PRESENCE_SUBSCRIBE, {"users": [bob.username]})
    assert ack["presence"] == [{"user": bob.username, "online": False}]
    await hidden.disconnect()
    visible = relay_clients(carol)
    await visible.connect(relay.url)
    assert (await seen.next())["user"] == carol.username

    # Showing himself while online is announced; hiding again looks like leaving, no last_seen.
    hidden = relay_clients(bob)
    await hidden.connect(relay.url)
    assert (await hidden.call(events.PRESENCE_VISIBILITY, {"visible": True}))["ok"]
    assert await seen.next() == {"user": bob.username, "online": True}
    assert (await hidden.call(events.PRESENCE_VISIBILITY, {"visible": False}))["ok"]
    assert await seen.next() == {"user": bob.username, "online": False}


async def test_visibility_requests_are_validated_and_rate_limited(
    relay: RelayServer, relay_clients
) -> None:
    alice = await register_account(relay.url)
    client = relay_clients(alice)
    await client.connect(relay.url)
    bad = await client.call(events.PRESENCE_VISIBILITY, {"visible": "no"})
    assert bad["error"] == "bad_request"
    rule = relay.context.config.rate_limits.visibility
    for _ in range(rule.count):  # a malformed request took no token
        assert (await client.call(events.PRESENCE_VISIBILITY, {"visible": True}))["ok"]
    refused = await client.call(events.PRESENCE_VISIBILITY, {"visible": True})
    assert refused["error"] == "rate_limited"
