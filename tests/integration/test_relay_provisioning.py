"""Provisioning channels of the relay (docs/protocol.md §6.11): open, fill once with a link
token, long-poll, one-shot fetch, expiry and limits."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from relay_device_helpers import (
    http_call,
    link_new_device,
    link_token,
    register_device_account,
)
from relay_harness import RelayClient, TestAccount

from chat_desktop.protocol import events
from chat_desktop.protocol.auth import now_ms
from chat_desktop.protocol.codec import b64url_decode, b64url_encode
from chat_desktop.protocol.schemas import MAX_PROVISIONING_ENVELOPE
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RateLimits
from chat_desktop.relay.provisioning import (
    CHANNEL_LIFETIME_MS,
    ChannelFilled,
    ChannelsFull,
    ProvisioningChannels,
    UnknownChannel,
)

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]


def channel_url(relay: RelayServer, provision_id: str, wait: str | None = None) -> str:
    """The URL of one channel, with ``?wait=`` when given."""
    url = relay.url + events.provisioning_path(provision_id)
    return url if wait is None else f"{url}?wait={wait}"


def envelope_body(envelope: bytes) -> bytes:
    """A ``PUT`` body carrying ``envelope``."""
    return b'{"envelope":"' + b64url_encode(envelope).encode("ascii") + b'"}'


async def open_channel(relay: RelayServer) -> str:
    """Opens a channel; returns its id."""
    status, answer = await http_call("POST", relay.url + events.PROVISIONING_PATH)
    assert status == 201, answer
    assert re.fullmatch(r"[0-9a-f]{32}", answer["provision_id"])
    assert abs(answer["expires_at"] - (now_ms() + CHANNEL_LIFETIME_MS)) < 60_000
    return str(answer["provision_id"])


async def token_of_new_account(relay: RelayServer, relay_clients: Clients) -> str:
    """Registers an account, connects its device and returns a link token of it."""
    account = await register_device_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    return await link_token(client)


async def test_a_channel_carries_one_envelope_once(
    relay: RelayServer, relay_clients: Clients
) -> None:
    provision_id = await open_channel(relay)
    token = await token_of_new_account(relay, relay_clients)
    envelope = os.urandom(5000)
    assert await http_call("GET", channel_url(relay, provision_id, "0")) == (204, None)

    status, answer = await http_call(
        "PUT", channel_url(relay, provision_id), envelope_body(envelope), token
    )
    assert (status, answer) == (204, None)
    status, answer = await http_call(
        "PUT", channel_url(relay, provision_id), envelope_body(b"second"), token
    )
    assert (status, answer["error"]) == (401, "unauthorized")  # a token fills one channel
    another_token = await token_of_new_account(relay, relay_clients)
    status, answer = await http_call(
        "PUT", channel_url(relay, provision_id), envelope_body(b"second"), another_token
    )
    assert (status, answer["error"]) == (409, "conflict")

    status, answer = await http_call("GET", channel_url(relay, provision_id, "0"))
    assert status == 200
    assert answer == {"envelope": b64url_encode(envelope)}
    status, answer = await http_call("GET", channel_url(relay, provision_id, "0"))
    assert (status, answer["error"]) == (404, "not_found")  # one-shot: gone after the fetch


async def test_a_long_poll_returns_the_envelope_when_it_arrives(
    relay: RelayServer, relay_clients: Clients
) -> None:
    provision_id = await open_channel(relay)
    token = await token_of_new_account(relay, relay_clients)
    poll = asyncio.create_task(http_call("GET", channel_url(relay, provision_id, "30")))
    assert await http_call("GET", channel_url(relay, provision_id, "0")) == (204, None)

    status, _ = await http_call("PUT", channel_url(relay, provision_id), envelope_body(b"e"), token)
    assert status == 204

    status, answer = await asyncio.wait_for(poll, 20)
    assert (status, answer) == (200, {"envelope": b64url_encode(b"e")})


async def test_a_long_poll_ends_with_204_when_nothing_comes(relay: RelayServer) -> None:
    provision_id = await open_channel(relay)
    assert await http_call("GET", channel_url(relay, provision_id, "0.2")) == (204, None)
    # The channel is still there: another poll is answered the same way.
    assert await http_call("GET", channel_url(relay, provision_id, "0")) == (204, None)


async def test_filling_needs_a_valid_unused_link_token(
    relay: RelayServer, relay_clients: Clients
) -> None:
    provision_id = await open_channel(relay)
    account = await register_device_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    used = await link_token(client)
    status, _, _ = await link_new_device(relay.url, account, used)
    assert status == 201  # the token is used up now
    forged = ("B" if used.startswith("A") else "A") + used[1:]
    url = channel_url(relay, provision_id)

    for token in (None, forged, used, "x" * 2000):
        status, answer = await http_call("PUT", url, envelope_body(b"e"), token)
        assert (status, answer["error"]) == (401, "unauthorized"), token
    assert await http_call("GET", channel_url(relay, provision_id, "0")) == (204, None)


async def test_unknown_expired_and_malformed_channels(
    relay: RelayServer, relay_clients: Clients
) -> None:
    token = await token_of_new_account(relay, relay_clients)
    for provision_id in ("0" * 32, "not-a-channel", "A" * 32):
        status, answer = await http_call("GET", channel_url(relay, provision_id, "0"))
        assert (status, answer["error"]) == (404, "not_found")
        status, answer = await http_call(
            "PUT", channel_url(relay, provision_id), envelope_body(b"e"), token
        )
        assert (status, answer["error"]) == (404, "not_found")
    provision_id = await open_channel(relay)
    for wait in ("31", "-1", "soon", "nan"):
        status, answer = await http_call("GET", channel_url(relay, provision_id, wait))
        assert (status, answer["error"]) == (400, "bad_request"), wait

    later = now_ms() + CHANNEL_LIFETIME_MS + 1_000
    real_clock = relay.context.clock
    relay.context.clock = lambda: later
    try:
        status, answer = await http_call("GET", channel_url(relay, provision_id, "0"))
    finally:
        relay.context.clock = real_clock
    assert (status, answer["error"]) == (404, "not_found")
    status, answer = await http_call(
        "PUT", channel_url(relay, provision_id), envelope_body(b"e"), token
    )
    assert (status, answer["error"]) == (404, "not_found")  # gone, even with the clock back


async def test_an_envelope_over_one_mebibyte_is_refused(
    relay: RelayServer, relay_clients: Clients
) -> None:
    provision_id = await open_channel(relay)
    token = await token_of_new_account(relay, relay_clients)
    url = channel_url(relay, provision_id)
    status, answer = await http_call(
        "PUT", url, envelope_body(b"\0" * (MAX_PROVISIONING_ENVELOPE + 1)), token
    )
    assert (status, answer["error"]) == (413, "too_large")
    status, answer = await http_call("PUT", url, b'{"envelope": 7}', token)
    assert (status, answer["error"]) == (400, "bad_request")
    # Neither filled the channel; the largest allowed envelope does.
    largest = os.urandom(MAX_PROVISIONING_ENVELOPE)
    assert (await http_call("PUT", url, envelope_body(largest), token))[0] == 204
    status, answer = await http_call("GET", channel_url(relay, provision_id, "0"))
    assert (status, answer) == (200, {"envelope": b64url_encode(largest)})


async def test_opening_channels_is_rate_limited_per_address(relay: RelayServer) -> None:
    # Room for every channel the rule allows (the per-address cap is tested on its own).
    relay.context.channels = ProvisioningChannels(lambda: relay.context.clock(), max_per_owner=100)
    for _ in range(RateLimits().provisioning.count):
        await open_channel(relay)
    status, answer = await http_call("POST", relay.url + events.PROVISIONING_PATH)
    assert (status, answer["error"]) == (429, "rate_limited")
    assert answer["retry_after"] > 0


async def test_the_channels_of_a_process_are_bounded() -> None:
    now = [1_000]
    channels = ProvisioningChannels(lambda: now[0], lifetime_ms=100, max_open=2, max_held_bytes=10)
    first, second = channels.open(), channels.open()
    with pytest.raises(ChannelsFull):
        channels.open()
    channels.fill(first.provision_id, b"x" * 8)
    with pytest.raises(ChannelFilled):
        channels.fill(first.provision_id, b"y")
    with pytest.raises(ChannelsFull):
        channels.fill(second.provision_id, b"z" * 3)  # 11 bytes held would pass the cap
    assert await channels.take(first.provision_id, 0) == b"x" * 8
    channels.fill(second.provision_id, b"z" * 3)  # room again once fetched
    now[0] += 100  # both expired: opening prunes them
    third = channels.open()
    assert len(channels) == 1
    with pytest.raises(UnknownChannel):
        await channels.take(second.provision_id, 0)
    assert await channels.take(third.provision_id, 0) is None


async def test_closing_the_channels_ends_every_long_poll() -> None:
    channels = ProvisioningChannels(lambda: 0)
    opened = channels.open()
    poll = asyncio.create_task(channels.take(opened.provision_id, 30))
    await asyncio.sleep(0)  # let the poll start waiting (one loop turn, not a timing guess)
    channels.close()
    with pytest.raises(UnknownChannel):
        await asyncio.wait_for(poll, 5)
    assert len(channels) == 0


async def test_a_full_link_through_a_channel(relay: RelayServer, relay_clients: Clients) -> None:
    """The whole §6.11 flow as the relay sees it (the envelope's contents are opaque)."""
    alice = await register_device_account(relay.url)
    existing = relay_clients(alice)
    await existing.connect(relay.url)
    provision_id = await open_channel(relay)  # the new device
    poll = asyncio.create_task(http_call("GET", channel_url(relay, provision_id)))
    token = await link_token(existing)  # the existing device ...
    put = await http_call(
        "PUT", channel_url(relay, provision_id), envelope_body(token.encode()), token
    )
    assert put == (204, None)  # ... hands the token over in the (here: plain) envelope
    status, answer = await asyncio.wait_for(poll, 40)
    assert status == 200
    received: dict[str, Any] = answer
    carried_token = b64url_decode(received["envelope"]).decode()
    status, linked, _ = await link_new_device(relay.url, alice, carried_token)
    assert (status, linked) == (201, {"device_id": 2})
