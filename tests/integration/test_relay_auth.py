"""Registration and connect authentication of the relay (docs/protocol.md §6, acceptance 1)."""

from __future__ import annotations

import os

import aiohttp
import pytest
import socketio
from relay_harness import (
    RelayClient,
    make_pq_prekey,
    make_signed_prekey,
    new_message_id,
    register_account,
    unique_username,
)

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.protocol import events
from chat_desktop.protocol.auth import (
    TIMESTAMP_WINDOW_MS,
    build_connect_auth,
    build_registration,
    now_ms,
    relay_origin,
)
from chat_desktop.protocol.codec import encode_http_json
from chat_desktop.relay.app import RelayServer

pytestmark = pytest.mark.integration


async def _post_registration(url: str, body: bytes) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + events.ACCOUNTS_PATH, data=body) as response,
    ):
        return response.status, await response.json()


def _registration_body(username: str, *, sign_with: IdentityKeyPair | None = None, **kw) -> bytes:
    identity = IdentityKeyPair.generate()
    signer = sign_with or identity
    request = build_registration(
        username,
        identity.public_key,
        signer.sign,
        kw.get("signed_prekey") or make_signed_prekey(identity, 1),
        kw.get("pq_prekeys") or [make_pq_prekey(identity, 2, last_resort=True)],
        [],
        ts=kw.get("ts"),
    )
    return encode_http_json(request)


async def _refused(client: RelayClient, url: str, auth: dict) -> str:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(url, auth=auth)
    assert client.connect_error is not None
    assert client.connect_error["message"] == "unauthorized"
    return client.connect_error["data"]["message"]


async def test_registration_returns_device_one_and_refuses_a_taken_name(
    relay: RelayServer,
) -> None:
    name = unique_username()
    status, body = await _post_registration(relay.url, _registration_body(name))
    assert (status, body) == (201, {"device_id": 1})
    status, body = await _post_registration(relay.url, _registration_body(name))
    assert status == 409
    assert body["error"] == "conflict"


@pytest.mark.parametrize(
    "case",
    ["wrong_signer", "stale", "bad_spk_signature", "no_last_resort", "not_json", "bad_name"],
)
async def test_registration_refuses_invalid_requests(relay: RelayServer, case: str) -> None:
    name = unique_username()
    other = IdentityKeyPair.generate()
    if case == "wrong_signer":
        body = _registration_body(name, sign_with=other)
    elif case == "stale":
        body = _registration_body(name, ts=now_ms() - TIMESTAMP_WINDOW_MS - 60_000)
    elif case == "bad_spk_signature":
        body = _registration_body(name, signed_prekey=make_signed_prekey(other, 1))
    elif case == "no_last_resort":
        body = _registration_body(name, pq_prekeys=[make_pq_prekey(other, 2)])
    elif case == "not_json":
        body = b"\xff{not json"
    else:
        body = _registration_body("UPPER case!")
    status, answer = await _post_registration(relay.url, body)
    assert status == 400
    assert answer["ok"] is False
    assert answer["error"] == "bad_request"


async def test_connect_succeeds_with_a_valid_signature(relay, relay_clients) -> None:
    account = await register_account(relay.url)
    client = relay_clients(account)
    await client.connect(relay.url)
    assert client.sio.connected


async def test_wrong_signature_is_refused(relay, relay_clients) -> None:
    account = await register_account(relay.url)
    impostor = IdentityKeyPair.generate()
    auth = build_connect_auth(account.username, 1, relay_origin(relay.url), impostor.sign)
    reason = await _refused(relay_clients(account), relay.url, auth)
    assert reason == "bad signature"


async def test_signature_for_another_origin_is_refused(relay, relay_clients) -> None:
    account = await register_account(relay.url)
    auth = build_connect_auth(account.username, 1, "https://elsewhere.example:443", account.sign)
    assert await _refused(relay_clients(account), relay.url, auth) == "bad signature"


async def test_replayed_nonce_is_refused(relay, relay_clients) -> None:
    account = await register_account(relay.url)
    auth = build_connect_auth(account.username, 1, relay_origin(relay.url), account.sign)
    first = relay_clients(account)
    await first.connect(relay.url, auth=dict(auth))
    await first.disconnect()
    assert await _refused(relay_clients(account), relay.url, dict(auth)) == "replayed nonce"


@pytest.mark.parametrize("offset_ms", [-TIMESTAMP_WINDOW_MS - 5_000, TIMESTAMP_WINDOW_MS + 5_000])
async def test_stale_timestamp_is_refused(relay, relay_clients, offset_ms: int) -> None:
    account = await register_account(relay.url)
    auth = build_connect_auth(
        account.username, 1, relay_origin(relay.url), account.sign, ts=now_ms() + offset_ms
    )
    assert await _refused(relay_clients(account), relay.url, auth) == "stale timestamp"


@pytest.mark.parametrize(
    "auth",
    [
        None,
        {},
        {"user": "nobody_here", "device_id": 1, "ts": 0, "nonce": "AAAA", "sig": "AAAA"},
        {"user": 5, "device_id": "x", "ts": "now", "nonce": 1, "sig": None},
        {"user": "abc", "device_id": 1, "ts": 1, "nonce": "***", "sig": "***", "extra": 1},
    ],
)
async def test_malformed_or_unknown_auth_is_refused(relay, relay_clients, auth) -> None:
    account = await register_account(relay.url)
    client = relay_clients(account)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.sio.connect(relay.url, auth=auth, transports=["websocket"], wait_timeout=5)
    assert client.connect_error["message"] == "unauthorized"


async def test_unknown_device_is_refused(relay, relay_clients) -> None:
    account = await register_account(relay.url)
    auth = build_connect_auth(account.username, 2, relay_origin(relay.url), account.sign)
    assert await _refused(relay_clients(account), relay.url, auth) == "unknown device"


async def test_a_device_cannot_read_or_ack_another_devices_envelopes(relay, relay_clients) -> None:
    alice, bob, mallory = [await register_account(relay.url) for _ in range(3)]
    sender = relay_clients(alice)
    await sender.connect(relay.url)
    secret_id = new_message_id()
    assert (await sender.send_text(bob, b"for bob only", secret_id))["ok"]

    # Mallory cannot log in as Bob with her own key ...
    forged = build_connect_auth(bob.username, 1, relay_origin(relay.url), mallory.sign)
    assert await _refused(relay_clients(mallory), relay.url, forged) == "bad signature"
    # ... and acking Bob's message id from her own connection deletes nothing.
    intruder = relay_clients(mallory)
    await intruder.connect(relay.url)
    assert await intruder.call(events.MESSAGE_ACK, {"ids": [secret_id]}) == {"ok": True}
    marker = new_message_id()
    assert (await sender.send_text(mallory, b"marker", marker))["ok"]
    assert (await intruder.next_message())["id"] == marker  # Bob's message never reached her

    receiver = relay_clients(bob)
    await receiver.connect(relay.url)
    delivered = await receiver.next_message()
    assert (delivered["id"], delivered["body"]) == (secret_id, b"for bob only")


async def test_nonce_is_random_and_auth_fields_are_base64url(relay) -> None:
    auth = build_connect_auth("someone", 1, relay_origin(relay.url), lambda m: os.urandom(64))
    assert set(auth) == {"user", "device_id", "ts", "nonce", "sig"}
    assert "=" not in auth["nonce"] and "=" not in auth["sig"]
