"""Linked devices on the relay (docs/protocol.md §6.11): device keys, linking, removal,
device-set checks of ``message:send`` and bundles of chosen devices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from relay_device_helpers import (
    DeviceAccount,
    DeviceWatch,
    add_device,
    certificate,
    http_call,
    link_new_device,
    link_request_body,
    link_token,
    public_bytes,
    register_device_account,
    registration_body,
)
from relay_harness import (
    RELAXED_LIMITS,
    RelayClient,
    TestAccount,
    database_of,
    new_message_id,
    query_database,
    register_account,
    unique_username,
)

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import TIMESTAMP_WINDOW_MS, build_connect_auth, now_ms, relay_origin
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RateLimits, RelayConfig
from chat_desktop.relay.link_tokens import LINK_TOKEN_LIFETIME_MS

pytestmark = pytest.mark.integration

Clients = Callable[[TestAccount], RelayClient]


@pytest.fixture
async def two_device_relay(tmp_path: Path) -> AsyncIterator[RelayServer]:
    """An in-process relay that allows two devices per account."""
    server = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay2",
            port=0,
            rate_limits=parse_rate_limits(RELAXED_LIMITS),
            max_devices=2,
        )
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def connected(
    relay_clients: Clients, relay: RelayServer, account: DeviceAccount
) -> RelayClient:
    """Returns a connected client of ``account``'s device."""
    client = relay_clients(account)
    await client.connect(relay.url)
    return client


async def refusal(
    client: RelayClient, url: str, auth: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Connects expecting a refusal; returns the CONNECT_ERROR's data object."""
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(url, auth=auth)
    assert client.connect_error is not None
    data: dict[str, Any] = client.connect_error["data"]
    assert client.connect_error["message"] == data["error"]
    return data


async def http_call_link(
    relay: RelayServer, account: DeviceAccount, token: str, **options: Any
) -> tuple[int, Any, Ed25519PrivateKey]:
    """Posts a link request for a fresh DK, with ``options`` for :func:`link_request_body`."""
    device_key = Ed25519PrivateKey.generate()
    body = link_request_body(account, token, device_key, **options)
    status, answer = await http_call("POST", relay.url + events.DEVICES_PATH, body)
    return status, answer, device_key


def identity_signed_auth(account: DeviceAccount, url: str) -> dict[str, Any]:
    """A CONNECT auth of ``account``'s device signed with the account's IK, not its DK."""
    return build_connect_auth(
        account.username, account.device_id, relay_origin(url), account.identity.sign
    )


def stored_rows(relay: RelayServer, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Runs a read-only query on the relay's database (SQLite or PostgreSQL)."""
    return query_database(database_of(relay), sql, *args)


# ---- device keys at registration and connect ---------------------------------------------


async def test_a_registration_with_a_device_key_connects_only_with_that_key(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    client = await connected(relay_clients, relay, alice)
    listed = await client.call(events.DEVICES_LIST, {})
    assert [device["device_id"] for device in listed["devices"]] == [1]
    assert abs(listed["devices"][0]["created_at"] - now_ms()) < 60_000
    assert len(listed["devices"][0]["name"]) == 36  # stored as sent, opaque to the relay

    refused = await refusal(relay_clients(alice), relay.url, identity_signed_auth(alice, relay.url))
    assert (refused["error"], refused["message"]) == ("unauthorized", "bad signature")
    stranger = alice.other_device(1, Ed25519PrivateKey.generate())
    refused = await refusal(relay_clients(stranger), relay.url)
    assert refused["error"] == "unauthorized"
    # A DK-signed connection cannot register a second key.
    created = now_ms()
    other_key = Ed25519PrivateKey.generate()
    ack = await client.call(
        events.DEVICES_REGISTER_KEY,
        {
            "device_key": public_bytes(other_key),
            "created_at": created,
            "certificate": certificate(alice.identity, other_key, created),
        },
    )
    assert (ack["ok"], ack["error"]) == (False, "conflict")


@pytest.mark.parametrize("case", ["no_name", "foreign_certificate", "stale_certificate"])
async def test_a_registration_with_a_bad_device_key_is_refused(
    relay: RelayServer, case: str
) -> None:
    identity, device_key = IdentityKeyPair.generate(), Ed25519PrivateKey.generate()
    name = unique_username("r")
    if case == "no_name":
        body = registration_body(name, identity, device_key, device_name=None)
    elif case == "foreign_certificate":
        created = now_ms()
        forged = certificate(IdentityKeyPair.generate(), device_key, created)
        body = registration_body(
            name, identity, device_key, device_created_at=created, device_certificate=forged
        )
    else:
        created = now_ms() - TIMESTAMP_WINDOW_MS - 10_000
        body = registration_body(
            name,
            identity,
            device_key,
            device_created_at=created,
            device_certificate=certificate(identity, device_key, created),
        )
    status, answer = await http_call("POST", relay.url + events.ACCOUNTS_PATH, body)
    assert (status, answer["error"]) == (400, "bad_request")
    assert await relay.context.store.account_identity_key(name) is None


async def test_a_legacy_device_registers_its_key_once_and_then_needs_it(
    relay: RelayServer, relay_clients: Clients
) -> None:
    legacy = await register_account(relay.url)  # no device key: signs connects with IK
    client = relay_clients(legacy)
    await client.connect(relay.url)
    ack = await client.call(events.DEVICES_LINK, {})
    assert (ack["ok"], ack["error"]) == (False, "bad_request")  # not before it has a DK

    device_key = Ed25519PrivateKey.generate()
    created = now_ms()
    forged = certificate(IdentityKeyPair.generate(), device_key, created)
    registration = {"device_key": public_bytes(device_key), "created_at": created}
    ack = await client.call(events.DEVICES_REGISTER_KEY, {**registration, "certificate": forged})
    assert (ack["ok"], ack["error"]) == (False, "bad_request")
    stale = created - TIMESTAMP_WINDOW_MS - 10_000
    ack = await client.call(
        events.DEVICES_REGISTER_KEY,
        {
            **registration,
            "created_at": stale,
            "certificate": certificate(legacy.identity, device_key, stale),
        },
    )
    assert (ack["ok"], ack["error"]) == (False, "bad_request")
    good = {**registration, "certificate": certificate(legacy.identity, device_key, created)}
    assert await client.call(events.DEVICES_REGISTER_KEY, good) == {"ok": True}
    ack = await client.call(events.DEVICES_REGISTER_KEY, good)
    assert (ack["ok"], ack["error"]) == (False, "conflict")
    assert (await client.call(events.DEVICES_LINK, {}))["ok"] is True  # now it may link

    refused = await refusal(relay_clients(legacy), relay.url)  # IK-signed, as before
    assert refused["error"] == "unauthorized"
    upgraded = DeviceAccount(
        username=legacy.username, identity=legacy.identity, device_key=device_key
    )
    assert (await connected(relay_clients, relay, upgraded)).sio.connected


# ---- linking --------------------------------------------------------------------------------


async def test_linking_adds_device_two_and_every_device_hears_of_it(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    watch = DeviceWatch(first)
    token_ack = await first.call(events.DEVICES_LINK, {})
    assert abs(token_ack["expires_at"] - (now_ms() + LINK_TOKEN_LIFETIME_MS)) < 60_000

    status, answer, device_key = await link_new_device(relay.url, alice, token_ack["link_token"])

    assert (status, answer) == (201, {"device_id": 2})
    assert await watch.next_change() == [1, 2]
    second = await connected(relay_clients, relay, alice.other_device(2, device_key))
    listed = await second.call(events.DEVICES_LIST, {})
    assert [device["device_id"] for device in listed["devices"]] == [1, 2]
    # Peers see both devices, with the account's one identity key.
    sender = await connected(relay_clients, relay, bob)
    bundles = await sender.call(events.KEYS_BUNDLE, {"user": alice.username})
    assert [bundle["device_id"] for bundle in bundles["devices"]] == [1, 2]
    assert {bundle["identity_key"] for bundle in bundles["devices"]} == {alice.identity.public_key}
    # The token was used up by the success.
    status, answer, _ = await link_new_device(relay.url, alice, token_ack["link_token"])
    assert (status, answer["error"]) == (401, "unauthorized")


async def test_a_link_token_is_refused_once_expired(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    token = await link_token(await connected(relay_clients, relay, alice))
    later = now_ms() + LINK_TOKEN_LIFETIME_MS + 1_000
    real_clock = relay.context.clock
    relay.context.clock = lambda: later
    try:
        status, answer, _ = await http_call_link(relay, alice, token, created_at=later)
    finally:
        relay.context.clock = real_clock
    assert (status, answer["error"]) == (401, "unauthorized")
    assert len(await relay.context.store.list_devices(alice.username)) == 1


async def test_hostile_link_requests_are_refused_and_store_nothing(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, mallory = (
        await register_device_account(relay.url),
        await register_device_account(relay.url),
    )
    token = await link_token(await connected(relay_clients, relay, alice))
    mallory_token = await link_token(await connected(relay_clients, relay, mallory))
    thief = IdentityKeyPair.generate()

    # Knowing a token is not enough: the DK and the prekeys must be signed by alice's IK.
    forgeries: list[dict[str, Any]] = [{"signer": thief}, {"prekey_signer": thief}]
    for options in forgeries:
        status, answer, _ = await http_call_link(relay, alice, token, **options)
        assert (status, answer["error"]) == (400, "bad_request")
    stale = now_ms() - TIMESTAMP_WINDOW_MS - 10_000
    status, answer, _ = await http_call_link(relay, alice, token, created_at=stale)
    assert (status, answer["error"]) == (400, "bad_request")
    # Forged tokens and another account's token are refused before anything is checked.
    forged = ("B" if token.startswith("A") else "A") + token[1:]
    bad_tokens: list[tuple[str, dict[str, Any]]] = [
        (forged, {}),
        ("x" * 43, {}),
        (mallory_token, {}),  # a valid token of another account
        (token, {"username": mallory.username}),  # alice's token for mallory's account
    ]
    for bad_token, options in bad_tokens:
        status, answer, _ = await http_call_link(relay, alice, bad_token, **options)
        assert (status, answer["error"]) == (401, "unauthorized"), options

    status, answer = await http_call(
        "POST", relay.url + events.DEVICES_PATH, b" " * (1024 * 1024 + 1)
    )
    assert (status, answer["error"]) == (413, "too_large")

    assert len(await relay.context.store.list_devices(alice.username)) == 1
    assert len(await relay.context.store.list_devices(mallory.username)) == 1
    # None of it used the token up.
    status, answer, _ = await http_call_link(relay, alice, token)
    assert (status, answer) == (201, {"device_id": 2})


async def test_an_account_has_at_most_max_devices_and_the_token_survives_a_refusal(
    two_device_relay: RelayServer, relay_clients: Clients
) -> None:
    relay = two_device_relay
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    token = await link_token(first)  # made while there was room
    await add_device(relay.url, first, alice)

    # Full: no new token (said before the user hands the account over)...
    refused = await first.call(events.DEVICES_LINK, {})
    assert (refused["ok"], refused["error"]) == (False, "too_large")
    # ...and a token made earlier is refused at registration, and survives it.
    status, answer, _ = await link_new_device(relay.url, alice, token)
    assert (status, answer["error"]) == (413, "too_large")

    assert await first.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}
    status, answer, _ = await link_new_device(relay.url, alice, token)
    assert (status, answer) == (201, {"device_id": 3})  # never 2 again


async def test_a_device_id_is_never_given_out_twice(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    assert (await add_device(relay.url, first, alice)).device_id == 2
    assert await first.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}
    assert (await add_device(relay.url, first, alice)).device_id == 3
    listed = await first.call(events.DEVICES_LIST, {})
    assert [device["device_id"] for device in listed["devices"]] == [1, 3]


async def test_link_tokens_are_rate_limited(relay: RelayServer, relay_clients: Clients) -> None:
    client = await connected(relay_clients, relay, await register_device_account(relay.url))
    for _ in range(RateLimits().device_links.count):
        assert (await client.call(events.DEVICES_LINK, {}))["ok"] is True
    ack = await client.call(events.DEVICES_LINK, {})
    assert (ack["ok"], ack["error"]) == (False, "rate_limited")
    assert ack["retry_after"] > 0


def test_the_new_limits_can_be_set_on_the_command_line() -> None:
    limits = parse_rate_limits(["device_links=1/60", "device_removals=2/60", "provisioning=3/60"])
    assert (limits.device_links.count, limits.device_removals.count) == (1, 2)
    assert limits.provisioning.count == 3
    with pytest.raises(ValueError):
        RelayConfig(data_dir=Path("unused"), max_devices=0)
    with pytest.raises(ValueError):
        RelayConfig(data_dir=Path("unused"), max_devices=17)  # 16 payloads a message at most


# ---- removing ---------------------------------------------------------------------------


async def test_removing_a_device_tells_it_cuts_it_and_deletes_its_envelopes(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    second_device = await add_device(relay.url, first, alice)
    second = await connected(relay_clients, relay, second_device)
    first_watch, second_watch = DeviceWatch(first), DeviceWatch(second)
    sender = await connected(relay_clients, relay, bob)
    ack = await sender.call(
        events.MESSAGE_SEND,
        {
            "id": new_message_id(),
            "to": alice.username,
            "payloads": [{"device_id": 1, "body": b"one"}, {"device_id": 2, "body": b"two"}],
        },
    )
    assert ack["ok"] is True
    await second.next_message()  # delivered, not acked: still stored for device 2

    assert await first.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}

    # Out of the registry by the time of the ack: any event still on its way is refused.
    assert relay.context.sessions.by_device(alice.username, 2) is None
    assert await second_watch.next_change() == [1]  # it learns why ...
    await asyncio.wait_for(second_watch.disconnected.wait(), 10)  # ... then is cut
    assert second_watch.order == [events.DEVICES_CHANGED, "disconnect"]
    assert await first_watch.next_change() == [1]
    store = relay.context.store
    assert await store.pending_envelopes(alice.username, 2, 0, now_ms(), 10) == []
    assert len(await store.pending_envelopes(alice.username, 1, 0, now_ms(), 10)) == 1
    assert stored_rows(relay, "SELECT count(*) FROM pq_prekeys WHERE device_id = 2") == [(0,)]
    # Its next connect is told it was removed; a wrong signature is only unauthorized.
    refused = await refusal(relay_clients(second_device), relay.url)
    assert refused["error"] == "device_removed"
    impostor = second_device.other_device(2, Ed25519PrivateKey.generate())
    assert (await refusal(relay_clients(impostor), relay.url))["error"] == "unauthorized"
    refused = await refusal(
        relay_clients(second_device), relay.url, identity_signed_auth(second_device, relay.url)
    )
    assert refused["error"] == "unauthorized"
    # Senders must now leave device 2 out.
    ack = await sender.call(
        events.MESSAGE_SEND,
        {
            "id": new_message_id(),
            "to": alice.username,
            "payloads": [{"device_id": 1, "body": b"one"}, {"device_id": 2, "body": b"two"}],
        },
    )
    assert (ack["error"], ack["missing"], ack["extra"]) == ("mismatched_devices", [], [2])


async def test_a_device_may_remove_itself(relay: RelayServer, relay_clients: Clients) -> None:
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    second_device = await add_device(relay.url, first, alice)
    second = await connected(relay_clients, relay, second_device)
    watch = DeviceWatch(second)

    assert await second.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}

    await asyncio.wait_for(watch.disconnected.wait(), 10)
    assert watch.order == [events.DEVICES_CHANGED, "disconnect"]
    assert [
        device.device_id for device in await relay.context.store.list_devices(alice.username)
    ] == [1]


async def test_removal_refuses_the_only_device_and_devices_of_other_accounts(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    alice_client = await connected(relay_clients, relay, alice)
    bob_client = await connected(relay_clients, relay, bob)
    await add_device(relay.url, bob_client, bob)  # bob has a device 2, alice does not

    ack = await alice_client.call(events.DEVICES_REMOVE, {"device_id": 1})
    assert (ack["ok"], ack["error"]) == (False, "bad_request")
    ack = await alice_client.call(events.DEVICES_REMOVE, {"device_id": 2})
    assert (ack["ok"], ack["error"]) == (False, "not_found")

    assert alice_client.sio.connected
    assert len(await relay.context.store.list_devices(alice.username)) == 1
    assert len(await relay.context.store.list_devices(bob.username)) == 2


async def test_a_device_records_when_it_last_disconnected(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    second = await connected(relay_clients, relay, await add_device(relay.url, first, alice))
    before = now_ms()
    listed = await first.call(events.DEVICES_LIST, {})
    # Connected devices are seen now.
    assert all(device["last_seen"] >= before for device in listed["devices"])
    before = now_ms()
    await second.disconnect()

    last_seen = None
    for _ in range(500):  # the relay records it when it handles the disconnect; no event says so
        if len(relay.context.sessions.devices_of(alice.username)) == 1:  # no longer online
            listed = await first.call(events.DEVICES_LIST, {})
            last_seen = listed["devices"][1].get("last_seen")
            if last_seen is not None:
                break
        await asyncio.sleep(0.01)
    assert last_seen is not None and last_seen >= before
    await asyncio.sleep(0.05)
    again = await first.call(events.DEVICES_LIST, {})
    assert again["devices"][1]["last_seen"] == last_seen  # stored: it no longer moves
    assert listed["devices"][0]["last_seen"] >= last_seen  # device 1 is still connected


async def test_deleting_the_account_frees_everything_of_its_devices(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    await add_device(relay.url, first, alice)
    assert await first.call(events.DEVICES_REMOVE, {"device_id": 2}) == {"ok": True}
    third = await connected(relay_clients, relay, await add_device(relay.url, first, alice))
    third_watch = DeviceWatch(third)
    await link_token(first)
    assert stored_rows(relay, "SELECT count(*) FROM removed_devices") == [(1,)]

    assert await first.call(events.ACCOUNT_DELETE, {"user": alice.username}) == {"ok": True}

    await asyncio.wait_for(third_watch.disconnected.wait(), 10)  # every device is cut

    for table in ("removed_devices", "link_tokens", "devices"):
        assert stored_rows(
            relay, f"SELECT count(*) FROM {table} WHERE username = ?", alice.username
        ) == [(0,)]
    again = await register_device_account(relay.url, alice.username)
    client = await connected(relay_clients, relay, again)
    assert (await add_device(relay.url, client, again)).device_id == 2  # ids start over


# ---- sending with device sets ---------------------------------------------------------------


def send(to: DeviceAccount, devices: list[int], msg_id: str | None = None) -> dict[str, Any]:
    """A ``message:send`` payload with one body per listed device."""
    return {
        "id": msg_id or new_message_id(),
        "to": to.username,
        "payloads": [{"device_id": device, "body": b"c%d" % device} for device in devices],
    }


async def test_a_send_must_name_exactly_the_recipients_devices(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    alice_client = await connected(relay_clients, relay, alice)
    await add_device(relay.url, alice_client, alice)
    sender = await connected(relay_clients, relay, bob)

    for devices, missing, extra in (([1], [2], []), ([1, 2, 3], [], [3]), ([3, 1], [2], [3])):
        ack = await sender.call(events.MESSAGE_SEND, send(alice, devices))
        assert (ack["ok"], ack["error"]) == (False, "mismatched_devices")
        assert (ack["missing"], ack["extra"]) == (missing, extra)
    store = relay.context.store
    for device in (1, 2):
        assert await store.pending_envelopes(alice.username, device, 0, now_ms(), 10) == []

    ack = await sender.call(events.MESSAGE_SEND, send(alice, [2, 1]))
    assert ack["ok"] is True
    for device in (1, 2):
        assert len(await store.pending_envelopes(alice.username, device, 0, now_ms(), 10)) == 1


async def test_a_send_to_ones_own_account_leaves_the_sending_device_out(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice = await register_device_account(relay.url)
    first = await connected(relay_clients, relay, alice)
    second = await connected(relay_clients, relay, await add_device(relay.url, first, alice))

    ack = await first.call(events.MESSAGE_SEND, send(alice, [1, 2]))
    assert (ack["error"], ack["missing"], ack["extra"]) == ("mismatched_devices", [], [1])
    ack = await first.call(events.MESSAGE_SEND, send(alice, [1]))
    assert (ack["error"], ack["missing"], ack["extra"]) == ("mismatched_devices", [2], [1])

    sync_id = new_message_id()
    assert (await first.call(events.MESSAGE_SEND, send(alice, [2], sync_id)))["ok"] is True
    delivered = await second.next_message()
    assert (delivered["id"], delivered["from"], delivered["from_device"]) == (
        sync_id,
        alice.username,
        1,
    )


async def test_deduplication_is_per_recipient_and_a_repeat_ignores_device_changes(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    sender = await connected(relay_clients, relay, alice)
    bob_client = await connected(relay_clients, relay, bob)
    await add_device(relay.url, sender, alice)  # alice has devices 1 and 2
    msg_id = new_message_id()

    to_bob = await sender.call(events.MESSAGE_SEND, send(bob, [1], msg_id))
    sync_copy = await sender.call(events.MESSAGE_SEND, send(alice, [2], msg_id))
    assert to_bob["ok"] and sync_copy["ok"]
    store = relay.context.store
    assert len(await store.pending_envelopes(alice.username, 2, 0, now_ms(), 10)) == 1

    await add_device(relay.url, bob_client, bob)  # bob's device set changes
    repeat = await sender.call(events.MESSAGE_SEND, send(bob, [1], msg_id))
    assert repeat == to_bob  # the first server_ts, nothing stored, no mismatch
    assert len(await store.pending_envelopes(bob.username, 1, 0, now_ms(), 10)) == 1
    assert await store.pending_envelopes(bob.username, 2, 0, now_ms(), 10) == []


# ---- bundles of chosen devices ------------------------------------------------------------


async def test_a_bundle_fetch_can_name_the_devices_it_needs(
    relay: RelayServer, relay_clients: Clients
) -> None:
    alice, bob = await register_device_account(relay.url), await register_device_account(relay.url)
    alice_client = await connected(relay_clients, relay, alice)
    await add_device(relay.url, alice_client, alice)
    fetcher = await connected(relay_clients, relay, bob)

    ack = await fetcher.call(events.KEYS_BUNDLE, {"user": alice.username, "devices": [2]})
    assert [bundle["device_id"] for bundle in ack["devices"]] == [2]
    ack = await fetcher.call(events.KEYS_BUNDLE, {"user": alice.username, "devices": [9, 2]})
    assert [bundle["device_id"] for bundle in ack["devices"]] == [2]
    ack = await fetcher.call(events.KEYS_BUNDLE, {"user": alice.username, "devices": [9]})
    assert (ack["ok"], ack["error"]) == (False, "not_found")
    # Device 1's one-time keys were left alone by the fetches of device 2.
    counts = await relay.context.store.key_counts(alice.username, 1)
    assert (counts.one_time_count, counts.pq_count) == (3, 1)
