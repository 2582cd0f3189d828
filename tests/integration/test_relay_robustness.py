"""Malformed input, size limits and rate limits (acceptance 6).

Every event is fuzzed with random and near-valid payloads: the relay answers each with a
typed error (never ``internal``), and a bystander connection keeps working throughout.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relay_harness import RelayClient, new_message_id, register_account, send_payload

from chat_desktop.protocol import events
from chat_desktop.protocol.errors import ErrorCode
from chat_desktop.protocol.schemas import MAX_BODY_SIZE, MAX_PAYLOADS

pytestmark = pytest.mark.integration

TYPED_ERRORS = {code.value for code in ErrorCode} - {ErrorCode.INTERNAL.value}

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)


def _nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=16,
    )


json_values = _nested(_scalars | st.binary(max_size=64))
#: A CONNECT packet cannot carry binary (the client refuses to send it).
text_json_values = _nested(_scalars)

VALID_TEMPLATES: dict[str, dict[str, Any]] = {
    events.KEYS_UPLOAD: {"one_time_prekeys": [{"id": 1, "public_key": b"k" * 32}]},
    events.KEYS_BUNDLE: {"user": "some_user"},
    events.MESSAGE_SEND: {
        "id": "01890a5d-ac96-774b-bcce-b302099a8057",
        "to": "some_user",
        "payloads": [{"device_id": 1, "body": b"ciphertext"}],
    },
    events.MESSAGE_ACK: {"ids": ["01890a5d-ac96-774b-bcce-b302099a8057"]},
    events.PRESENCE_SUBSCRIBE: {"users": ["some_user"]},
    events.ATTACHMENT_UPLOAD: {"size": 10},
    events.ATTACHMENT_DOWNLOAD: {"blob_id": "0" * 32},
}


@st.composite
def near_valid(draw: st.DrawFn, event: str) -> dict[str, Any]:
    """A valid payload of ``event`` with one field dropped, replaced or added."""
    payload = dict(VALID_TEMPLATES[event])
    key = draw(st.sampled_from(sorted(payload)))
    action = draw(st.sampled_from(["drop", "replace", "add"]))
    if action == "drop":
        del payload[key]
    elif action == "replace":
        payload[key] = draw(json_values)
    else:
        payload[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return payload


@pytest.fixture
async def fuzz_clients(relay, relay_clients) -> tuple[RelayClient, RelayClient, RelayClient]:
    """A fuzzing client, and a bystander pair that must keep working."""
    fuzzer, alice, bob = [relay_clients(await register_account(relay.url)) for _ in range(3)]
    for client in (fuzzer, alice, bob):
        await client.connect(relay.url)
    return fuzzer, alice, bob


async def _bystander_round_trip(alice: RelayClient, bob: RelayClient) -> None:
    msg_id = new_message_id()
    assert (await alice.send_text(bob.account, b"still here", msg_id))["ok"]
    assert (await bob.next_message())["id"] == msg_id
    assert (await bob.call(events.MESSAGE_ACK, {"ids": [msg_id]}))["ok"]


def _assert_typed(ack: Any) -> None:
    assert isinstance(ack, dict), ack
    if not ack.get("ok"):
        assert ack["error"] in TYPED_ERRORS, ack
        assert isinstance(ack["message"], str)


FUZZ_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ_SETTINGS
@given(data=st.data())
async def test_fuzzed_events_get_typed_errors_and_the_relay_keeps_serving(
    fuzz_clients, data: st.DataObject
) -> None:
    fuzzer, alice, bob = fuzz_clients
    event = data.draw(st.sampled_from((*events.CLIENT_EVENTS, "no:such:event")))
    if event in VALID_TEMPLATES and data.draw(st.booleans()):
        payload = data.draw(near_valid(event))
    else:
        payload = data.draw(json_values)
    _assert_typed(await fuzzer.call(event, payload))
    if data.draw(st.integers(0, 9)) == 0:
        await _bystander_round_trip(alice, bob)


async def test_events_with_no_or_several_arguments_are_bad_requests(fuzz_clients) -> None:
    fuzzer, alice, bob = fuzz_clients
    for event in events.CLIENT_EVENTS:
        for arguments in [None, (1, 2), ({}, {})]:
            future = asyncio.get_running_loop().create_future()
            await fuzzer.sio.emit(event, arguments, callback=lambda *a, f=future: f.set_result(a))
            (ack,) = await asyncio.wait_for(future, 10)
            assert ack["error"] == "bad_request"
    await _bystander_round_trip(alice, bob)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(auth=text_json_values)
async def test_fuzzed_connect_auth_is_refused(relay, fuzz_clients, auth: Any) -> None:
    _, alice, bob = fuzz_clients
    intruder = RelayClient(alice.account)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await intruder.sio.connect(
                relay.url, auth=auth, transports=["websocket"], wait_timeout=5
            )
    finally:
        await intruder.disconnect()
    await _bystander_round_trip(alice, bob)


async def test_garbage_frames_do_not_disturb_other_clients(relay, fuzz_clients) -> None:
    _, alice, bob = fuzz_clients
    url = relay.url + "/socket.io/?EIO=4&transport=websocket"
    frames: list[str | bytes] = ["", "4", "42", '42["message:send"', "4x", "99999", "40/nope,"]
    frames += ['42["message:send",{"_placeholder":true,"num":0}]', '451-["x",{}]', b"\x00\xff"]
    async with aiohttp.ClientSession() as http:
        for frame in frames:
            async with http.ws_connect(url) as ws:
                await ws.receive(timeout=5)  # engine.io OPEN
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_str(frame)
                await asyncio.sleep(0.01)
    await _bystander_round_trip(alice, bob)


async def test_oversize_message_bodies_are_refused_and_the_connection_stays_usable(
    fuzz_clients,
) -> None:
    _, alice, bob = fuzz_clients
    big = send_payload(bob.account, b"x" * (MAX_BODY_SIZE + 1))
    ack = await alice.call(events.MESSAGE_SEND, big)
    assert (ack["ok"], ack["error"]) == (False, "too_large")
    many = send_payload(bob.account, b"x")
    many["payloads"] = [{"device_id": 1, "body": b"x"}] * (MAX_PAYLOADS + 1)
    assert (await alice.call(events.MESSAGE_SEND, many))["error"] == "too_large"
    await _bystander_round_trip(alice, bob)
    largest = send_payload(bob.account, b"y" * MAX_BODY_SIZE)
    assert (await alice.call(events.MESSAGE_SEND, largest))["ok"]
    assert (await bob.next_message())["body"] == b"y" * MAX_BODY_SIZE


async def test_burst_over_the_limit_is_rate_limited_and_retrying_delivers_all(
    fuzz_clients,
) -> None:
    _, alice, bob = fuzz_clients
    payloads = {p["id"]: p for p in (send_payload(bob.account, b"burst") for _ in range(150))}
    pending = list(payloads.values())
    limited = 0
    while pending:
        futures = [await alice.start_call(events.MESSAGE_SEND, p) for p in pending]
        acks = await asyncio.gather(*futures)
        retry = [p for p, ack in zip(pending, acks, strict=True) if not ack["ok"]]
        for ack in acks:
            if not ack["ok"]:
                assert ack["error"] == "rate_limited"
                assert ack["retry_after"] > 0
        limited += len(retry)
        if retry:
            await asyncio.sleep(max(ack.get("retry_after", 0) for ack in acks))
        pending = retry
    assert limited > 0
    received = await bob.receive(len(payloads))
    assert sorted(m["id"] for m in received) == sorted(payloads)
    marker = new_message_id()
    ack = await alice.send_text(bob.account, b"marker", marker)
    while not ack["ok"]:  # the burst emptied the bucket: honour retry_after again
        await asyncio.sleep(ack["retry_after"])
        ack = await alice.send_text(bob.account, b"marker", marker)
    assert (await bob.next_message())["id"] == marker
