"""Per-address limits behind a reverse proxy (docs/protocol.md §6.8, issue 18 §5).

The relay takes the client address from ``X-Forwarded-For`` (or RFC 7239 ``Forwarded``)
only when the peer is a ``--trusted-proxy``; IPv6 clients share a bucket per /64; a
registration is charged only once it parses; one address holds a few provisioning channels
at most. The relay runs on loopback and the test plays the proxy on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from relay_device_helpers import registration_body
from relay_harness import unique_username

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.relay.__main__ import build_parser, config_from_args
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.client_address import (
    UNKNOWN_CLIENT,
    ProxyHeader,
    ProxySettings,
    client_address,
    parse_network,
    rate_key,
)
from chat_desktop.relay.config import RateLimits, RelayConfig
from chat_desktop.relay.provisioning import MAX_CHANNELS_PER_ADDRESS

pytestmark = pytest.mark.integration

LOOPBACK_PROXY = ProxySettings(trusted=(ipaddress.ip_network("127.0.0.1/32"),))
REGISTRATIONS = RateLimits().registrations.count


async def start_relay(data_dir: Path, proxies: ProxySettings) -> RelayServer:
    """An in-process relay with the protocol's default limits and these proxy settings."""
    server = RelayServer(RelayConfig(data_dir=data_dir, port=0, proxies=proxies))
    await server.start()
    return server


@pytest.fixture
async def proxied_relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """A relay that trusts 127.0.0.1 (where the test's requests come from) as its proxy."""
    server = await start_relay(tmp_path / "proxied", LOOPBACK_PROXY)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def direct_relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """A relay that trusts no proxy: forwarding headers are the client's own words."""
    server = await start_relay(tmp_path / "direct", ProxySettings())
    try:
        yield server
    finally:
        await server.stop()


async def post(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POSTs ``body`` with extra ``headers``; returns the status and the JSON answer."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
        ) as response,
    ):
        raw = await response.read()
        return response.status, (msgspec.json.decode(raw) if raw else None)


async def register(relay: RelayServer, headers: dict[str, str] | None = None) -> int:
    """Sends a valid registration of a new account; returns the HTTP status."""
    body = registration_body(
        unique_username("p"), IdentityKeyPair.generate(), Ed25519PrivateKey.generate()
    )
    status, _ = await post(relay.url + events.ACCOUNTS_PATH, body, headers)
    return status


def forwarded_for(address: str) -> dict[str, str]:
    """The header a proxy in front of the relay adds for a client at ``address``."""
    return {"X-Forwarded-For": address}


# ---- on the wire --------------------------------------------------------------------------


async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(
    proxied_relay: RelayServer,
) -> None:
    for _ in range(REGISTRATIONS):
        assert await register(proxied_relay, forwarded_for("198.51.100.7")) == 201
    assert await register(proxied_relay, forwarded_for("198.51.100.7")) == 429
    # Another user behind the same proxy is not blocked by the first one.
    assert await register(proxied_relay, forwarded_for("198.51.100.8")) == 201
    # What the client wrote left of the proxy's entry changes nothing.
    spoofed = forwarded_for("203.0.113.1, 198.51.100.7")
    assert await register(proxied_relay, spoofed) == 429


async def test_ipv6_clients_share_a_bucket_per_64(proxied_relay: RelayServer) -> None:
    for host in range(1, REGISTRATIONS + 1):
        assert await register(proxied_relay, forwarded_for(f"2001:db8:1:2::{host}")) == 201
    assert await register(proxied_relay, forwarded_for("2001:db8:1:2:ffff::1")) == 429
    assert await register(proxied_relay, forwarded_for("2001:db8:1:3::1")) == 201


async def test_the_forwarded_header_of_an_untrusted_peer_is_ignored(
    direct_relay: RelayServer,
) -> None:
    for number in range(REGISTRATIONS):
        assert await register(direct_relay, forwarded_for(f"198.51.100.{number}")) == 201
    assert await register(direct_relay, forwarded_for("198.51.100.200")) == 429


async def test_junk_registrations_are_not_charged(direct_relay: RelayServer) -> None:
    url = direct_relay.url + events.ACCOUNTS_PATH
    for junk in (b"not json", b"{}", b'{"username": 7}', b"[]", b"{" * 10):
        status, answer = await post(url, junk)
        assert (status, answer["error"]) == (400, "bad_request")
    for _ in range(REGISTRATIONS):
        assert await register(direct_relay) == 201
    assert await register(direct_relay) == 429


async def test_one_address_holds_a_few_channels_and_others_still_get_theirs(
    proxied_relay: RelayServer,
) -> None:
    url = proxied_relay.url + events.PROVISIONING_PATH
    hog = forwarded_for("198.51.100.9")
    for _ in range(MAX_CHANNELS_PER_ADDRESS):
        assert (await post(url, headers=hog))[0] == 201
    status, answer = await post(url, headers=hog)
    assert (status, answer["error"]) == (429, "rate_limited")
    assert answer["retry_after"] > 0
    assert (await post(url, headers=forwarded_for("198.51.100.10")))[0] == 201
    # The refusals took nothing from the address's bucket: it opened 4 of its 10.
    assert len(proxied_relay.context.provisioning()) == MAX_CHANNELS_PER_ADDRESS + 1


# ---- the address rules themselves -----------------------------------------------------------

TRUSTED = ProxySettings(
    trusted=(parse_network("127.0.0.1"), parse_network("10.0.0.0/8"), parse_network("::1"))
)
TRUSTED_RFC7239 = ProxySettings(trusted=TRUSTED.trusted, header=ProxyHeader.FORWARDED)


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        ("192.0.2.1", ["198.51.100.1"], "192.0.2.1"),  # untrusted peer: header ignored
        ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["203.0.113.5, 198.51.100.1"], "198.51.100.1"),  # rightmost untrusted
        ("127.0.0.1", ["203.0.113.5, 198.51.100.1, 10.1.2.3"], "198.51.100.1"),  # past a proxy
        ("127.0.0.1", ["203.0.113.5", "198.51.100.1"], "198.51.100.1"),  # two header lines
        ("127.0.0.1", ["junk"], "127.0.0.1"),  # nothing usable: the proxy itself
        ("127.0.0.1", [], "127.0.0.1"),
        ("127.0.0.1", ["198.51.100.1, junk"], "127.0.0.1"),
        ("::1", ["2001:db8::5"], "2001:db8::5"),
        ("::ffff:127.0.0.1", ["198.51.100.1"], "198.51.100.1"),  # IPv4-mapped peer
        ("127.0.0.1", ["10.0.0.1, 10.0.0.2"], "10.0.0.1"),  # every hop trusted: the last one
        (None, ["198.51.100.1"], UNKNOWN_CLIENT),
    ],
)
def test_x_forwarded_for_is_read_from_the_right(
    peer: str | None, headers: list[str], expected: str
) -> None:
    assert client_address(peer, headers, TRUSTED) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["for=198.51.100.1"], "198.51.100.1"),
        (["for=203.0.113.5, for=198.51.100.1;proto=https;by=10.0.0.1"], "198.51.100.1"),
        (['for="[2001:db8:cafe::17]:4711"'], "2001:db8:cafe::17"),
        (['For="198.51.100.1:4711"'], "198.51.100.1"),
        (['for="_hidden"'], "127.0.0.1"),
        (["for=unknown"], "127.0.0.1"),
        (['for=198.51.100.1;x="a, for=203.0.113.9"'], "198.51.100.1"),  # a quoted comma
        (["proto=https"], "127.0.0.1"),
        (["for=2001:db8::1"], "127.0.0.1"),  # IPv6 must be quoted and bracketed
    ],
)
def test_rfc_7239_forwarded_is_read_from_the_right(headers: list[str], expected: str) -> None:
    assert client_address("127.0.0.1", headers, TRUSTED_RFC7239) == expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], ProxySettings()) == "127.0.0.1"


def test_buckets_group_ipv6_by_64() -> None:
    assert rate_key("198.51.100.1") == "198.51.100.1"
    assert rate_key("2001:db8:1:2::1") == rate_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert rate_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert rate_key("::ffff:198.51.100.1") == "198.51.100.1"
    assert rate_key(UNKNOWN_CLIENT) == UNKNOWN_CLIENT


def test_the_proxy_settings_come_from_the_command_line(tmp_path: Path) -> None:
    parser = build_parser()
    args = parser.parse_args(
        [
            "--data-dir",
            str(tmp_path),
            "--trusted-proxy",
            "127.0.0.1",
            "::1/128",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--proxy-header",
            "forwarded",
        ]
    )
    proxies = config_from_args(args).proxies
    assert proxies.trusted == tuple(
        ipaddress.ip_network(text) for text in ("127.0.0.1/32", "::1/128", "10.0.0.0/8")
    )
    assert proxies.header is ProxyHeader.FORWARDED
    assert config_from_args(parser.parse_args(["--data-dir", str(tmp_path)])).proxies == (
        ProxySettings()
    )
    for bad in ("10.0.0.1/8", "localhost", "300.1.1.1"):
        with pytest.raises(ValueError, match="not an IP address or network"):
            parse_network(bad)
    with pytest.raises(SystemExit):
        parser.parse_args(["--data-dir", str(tmp_path), "--proxy-header", "x-real-ip"])
