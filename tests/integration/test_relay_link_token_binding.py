"""A link token belongs to the device that asked for it (docs/protocol.md §6.11, issue 18 §2).

A removed device still knows the account's identity key, so whatever token it kept must be
dead: it may not connect, fill a provisioning channel or register a new device with it. A
token the remaining device asked for is still usable, but only within that device's own
flow: it fills one channel, once, and registers one device, once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest
import socketio
from relay_device_helpers import (
    DeviceAccount,
    DeviceWatch,
    add_device,
    http_call,
    link_new_device,
    link_token,
    register_device_account,
)
from relay_harness import RelayClient, TestAccount, database_of, query_database

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import b64url_encode
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.store_devices import UnknownDevice

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]


async def connected(
    relay_clients: Clients, relay: RelayServer, device: DeviceAccount
) -> RelayClient:
    """Returns a connected client of ``device``."""
    client = relay_clients(device)
    await client.connect(relay.url)
    return client


async def open_channel(relay: RelayServer) -> str:
    """A new device opens a provisioning channel; returns its id."""
    status, answer = await http_call("POST", relay.url + events.PROVISIONING_PATH)
    assert status == 201, answer
    return str(answer["provision_id"])


async def fill(relay: RelayServer, provision_id: str, token: str) -> tuple[int, Any]:
    """``PUT /v1/provisioning/{id}`` with an opaque envelope and ``token``."""
    body = b'{"envelope":"' + b64url_encode(os.urandom(64)).encode("ascii") + b'"}'
    return await http_call("PUT", relay.url + events.provisioning_path(provision_id), body, token)


async def take(relay: RelayServer, provision_id: str) -> tuple[int, Any]:
    """``GET /v1/provisioning/{id}?wait=0``."""
    return await http_call("GET", relay.url + events.provisioning_path(provision_id) + "?wait=0")


def token_rows(relay: RelayServer, device_id: int) -> int:
    """How many link tokens of one device the relay's database holds."""
    ((count,),) = query_database(
        database_of(relay), "SELECT count(*) FROM link_tokens WHERE device_id = ?", device_id
    )
    return int(count)


async def test_a_removed_device_cannot_come_back_with_any_token_it_kept(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    primary = await connected(relay_clients, relay, alice)
    removed = await add_device(relay.url, primary, alice)
    removed_client = await connected(relay_clients, relay, removed)
    watch = DeviceWatch(removed_client)
    # Before its removal the device asks for tokens: one it keeps unused, one it already
    # spent on filling a channel (its own fake "new device" is waiting on it).
    kept = await link_token(removed_client)
    half_used = await link_token(removed_client)
    its_channel = await open_channel(relay)
    assert await fill(relay, its_channel, half_used) == (204, None)
    primary_token = await link_token(primary)  # the primary's own flow, not finished yet

    assert await primary.call(events.DEVICES_REMOVE, {"device_id": removed.device_id}) == {
        "ok": True
    }
    await asyncio.wait_for(watch.disconnected.wait(), 10)

    # Its connects are refused for good...
    again = relay_clients(removed)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(relay.url)
    assert again.connect_error["data"]["error"] == "device_removed"
    # ...its tokens fill no channel and register no device, whichever it kept...
    fresh_channel = await open_channel(relay)
    for token in (kept, half_used):
        status, answer = await fill(relay, fresh_channel, token)
        assert (status, answer["error"]) == (401, "unauthorized")
        status, answer, _ = await link_new_device(relay.url, alice, token)
        assert (status, answer["error"]) == (401, "unauthorized")
    # ...and the primary's token, which it may have seen, fills only one channel: the
    # primary fills the new device's channel, after which it is spent for filling.
    new_device_channel = await open_channel(relay)
    assert await fill(relay, new_device_channel, primary_token) == (204, None)
    status, answer = await fill(relay, fresh_channel, primary_token)
    assert (status, answer["error"]) == (401, "unauthorized")
    assert await take(relay, fresh_channel) == (204, None)  # nothing reached that channel

    listed = await primary.call(events.DEVICES_LIST, {})
    assert [device["device_id"] for device in listed["devices"]] == [1]
    assert token_rows(relay, removed.device_id) == 0  # revoked with their device
    # The primary's flow ends as before: the new device registers with the next unused id.
    status, answer, _ = await link_new_device(relay.url, alice, primary_token)
    assert (status, answer) == (201, {"device_id": 3})


async def test_one_token_fills_one_channel_once(relay: RelayServer, relay_clients: Clients) -> None:
    alice = await register_device_account(relay.url)
    primary = await connected(relay_clients, relay, alice)
    token = await link_token(primary)
    first, second = await open_channel(relay), await open_channel(relay)

    assert await fill(relay, first, token) == (204, None)
    status, answer = await fill(relay, second, token)
    assert (status, answer["error"]) == (401, "unauthorized")
    status, _ = await take(relay, first)
    assert status == 200
    assert await take(relay, second) == (204, None)


async def test_concurrent_fills_with_one_token_fill_one_channel(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    primary = await connected(relay_clients, relay, alice)
    token = await link_token(primary)
    channels = [await open_channel(relay) for _ in range(4)]

    answers = await asyncio.gather(*(fill(relay, channel, token) for channel in channels))

    assert sorted(status for status, _ in answers) == [204, 401, 401, 401]
    taken = [(await take(relay, channel))[0] for channel in channels]
    assert sorted(taken) == [200, 204, 204, 204]


async def test_a_refused_fill_leaves_the_channel_and_the_token_as_they_were(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    primary = await connected(relay_clients, relay, alice)
    token = await link_token(primary)
    channel = await open_channel(relay)
    url = relay.url + events.provisioning_path(channel)

    # A malformed body and an unknown channel spend nothing.
    status, answer = await http_call("PUT", url, b'{"envelope": 7}', token)
    assert (status, answer["error"]) == (400, "bad_request")
    status, answer = await fill(relay, "0" * 32, token)
    assert (status, answer["error"]) == (404, "not_found")
    assert await fill(relay, channel, token) == (204, None)


async def test_a_token_asked_for_by_a_device_being_removed_is_not_made(
    relay: RelayServer, relay_clients: Clients
) -> None:
    """The store refuses a token for a device that is gone (removed while it asked)."""
    alice = await register_device_account(relay.url)
    primary = await connected(relay_clients, relay, alice)
    second = await add_device(relay.url, primary, alice)
    assert await primary.call(events.DEVICES_REMOVE, {"device_id": second.device_id}) == {
        "ok": True
    }
    with pytest.raises(UnknownDevice):
        await relay.context.store.create_link_token(
            alice.username, second.device_id, os.urandom(32), relay.context.clock() + 60_000
        )
    assert token_rows(relay, second.device_id) == 0
