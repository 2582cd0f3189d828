"""``call:ice_servers`` on a real relay: TURN credentials when configured, none otherwise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

import pytest
from relay_harness import RelayClient, RelayProcess, TestAccount, register_account

from chat_desktop.protocol.call_content import CALL_ICE_SERVERS
from chat_desktop.relay import turn
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.turn_credentials import TurnConfig

pytestmark = pytest.mark.integration


async def test_a_signed_in_device_gets_time_limited_turn_credentials(
    relay: RelayServer, relay_clients: Callable[[TestAccount], RelayClient]
) -> None:
    config = TurnConfig(secret=b"s3cret", urls=("turn:127.0.0.1:3478",), ttl_s=3600)
    turn.register(relay.context, config)
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    before = int(time.time())
    ack = await client.call(CALL_ICE_SERVERS, {})
    assert ack["ok"] is True and ack["urls"] == ["turn:127.0.0.1:3478"] and ack["ttl"] == 3600
    expiry, user = ack["username"].split(":", 1)
    assert user == account.username
    assert before + 3600 <= int(expiry) <= int(time.time()) + 3600
    expected = hmac.new(b"s3cret", ack["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(ack["credential"]) == expected
    # A hostile payload is refused, the link keeps working.
    refused = await client.call(CALL_ICE_SERVERS, {"user": "someone_else"})
    assert (refused["ok"], refused["error"]) == (False, "bad_request")
    assert (await client.call(CALL_ICE_SERVERS, {}))["ok"] is True


async def test_without_turn_the_answer_names_no_server(
    relay: RelayServer, relay_clients: Callable[[TestAccount], RelayClient]
) -> None:
    turn.register(relay.context, None)
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    ack = await client.call(CALL_ICE_SERVERS, {})
    assert ack == {"ok": True, "urls": []}


async def test_the_relay_flags_configure_turn(
    relay_process_factory: Callable[[Sequence[str]], RelayProcess],
    relay_clients: Callable[[TestAccount], RelayClient],
) -> None:
    """``--turn-secret`` / ``--turn-url`` / ``--turn-ttl`` (the relay's command line)."""
    relay = relay_process_factory(
        [
            "--turn-secret",
            "flag-secret",
            "--turn-url",
            "turn:127.0.0.1:3478?transport=udp",
            "--turn-url",
            "turns:127.0.0.1:5349?transport=tcp",
            "--turn-ttl",
            "600",
        ]
    )
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    ack = await client.call(CALL_ICE_SERVERS, {})
    assert ack["urls"] == [
        "turn:127.0.0.1:3478?transport=udp",
        "turns:127.0.0.1:5349?transport=tcp",
    ]
    assert ack["ttl"] == 600
    expected = hmac.new(b"flag-secret", ack["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(ack["credential"]) == expected
