"""The wire helpers of ``chat_desktop.protocol`` (pure; could live in tests/unit/protocol)."""

from __future__ import annotations

import struct

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_desktop.protocol.auth import (
    build_connect_auth,
    connect_message,
    pq_prekey_message,
    registration_message,
    relay_origin,
    signed_prekey_message,
)
from chat_desktop.protocol.codec import (
    b64url_decode,
    b64url_encode,
    decode_event,
    decode_http_json,
    encode_event,
    encode_http_json,
    ok_ack,
)
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    MessageDelivery,
    MessageSend,
    PqPreKey,
    RegisterRequest,
    SignedPreKey,
)

pytestmark = pytest.mark.unit


@given(st.binary(max_size=200))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize("text", ["YQ==", "a+b/", "Y", "YR", "a b", "ü"])
def test_base64url_refuses_other_spellings(text: str) -> None:
    with pytest.raises(ProtocolError) as error:
        b64url_decode(text)
    assert error.value.code is ErrorCode.BAD_REQUEST


def test_signed_byte_strings_follow_protocol_layouts() -> None:
    ik = bytes(range(32))
    assert registration_message("bob", ik, 7) == (
        b"chat_desktop register v1" + b"\x03bob" + ik + struct.pack(">Q", 7)
    )
    nonce = b"n" * 16
    assert connect_message("http://127.0.0.1:8765", 9, nonce) == (
        b"chat_desktop auth v1http://127.0.0.1:8765" + struct.pack(">Q", 9) + nonce
    )
    assert signed_prekey_message(ik) == b"\x05" + ik
    assert pq_prekey_message(b"k" * 1568)[:1] == b"\x0a"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://Relay.Example", "http://relay.example:80"),
        ("HTTPS://relay.example/path?q", "https://relay.example:443"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_relay_origin_is_normalised(url: str, origin: str) -> None:
    assert relay_origin(url) == origin


def test_connect_auth_signs_the_connect_message() -> None:
    signed: list[bytes] = []

    def sign(message: bytes) -> bytes:
        signed.append(message)
        return b"s" * 64

    auth = build_connect_auth("alice", 1, "http://h:1", sign, ts=5, nonce=b"\x01" * 16)
    assert signed == [connect_message("http://h:1", 5, b"\x01" * 16)]
    assert auth == {
        "user": "alice",
        "device_id": 1,
        "ts": 5,
        "nonce": b64url_encode(b"\x01" * 16),
        "sig": b64url_encode(b"s" * 64),
    }


def test_event_decoding_is_strict() -> None:
    valid = {
        "id": "01890a5d-ac96-774b-bcce-b302099a8057",
        "to": "bob",
        "payloads": [{"device_id": 1, "body": b"x"}],
    }
    assert decode_event(valid, MessageSend).payloads[0].body == b"x"
    for broken in [
        {**valid, "extra": 1},
        {**valid, "to": "Bob!"},
        {**valid, "payloads": [{"device_id": 1, "body": "eA=="}]},  # bytes must be binary
        {**valid, "payloads": [{"device_id": True, "body": b"x"}]},
        {**valid, "id": "not-a-uuid"},
        [valid],
    ]:
        with pytest.raises(ProtocolError) as error:
            decode_event(broken, MessageSend)
        assert error.value.code is ErrorCode.BAD_REQUEST


def test_delivery_uses_the_from_field_name_and_omits_unset_fields() -> None:
    delivery = MessageDelivery(
        id="01890a5d-ac96-774b-bcce-b302099a8057",
        from_="alice",
        from_device=1,
        server_ts=3,
        body=b"b",
    )
    assert encode_event(delivery) == {
        "id": "01890a5d-ac96-774b-bcce-b302099a8057",
        "from": "alice",
        "from_device": 1,
        "server_ts": 3,
        "body": b"b",
    }
    assert ok_ack(None) == {"ok": True}


def test_http_json_uses_base64url_for_binary_fields() -> None:
    request = RegisterRequest(
        username="alice",
        identity_key=b"\xfb" * 32,
        ts=1,
        sig=b"\xff" * 64,
        signed_prekey=SignedPreKey(id=1, public_key=b"\xfe" * 32, signature=b"\xfd" * 64),
        pq_prekeys=[PqPreKey(id=2, public_key=b"\xfc" * 1568, signature=b"\xfb" * 64)],
        one_time_prekeys=[],
    )
    body = encode_http_json(request)
    raw = msgspec.json.decode(body)
    assert raw["identity_key"] == b64url_encode(b"\xfb" * 32)
    assert raw["pq_prekeys"][0]["last_resort"] is False
    assert decode_http_json(body, RegisterRequest) == request
    padded = body.replace(raw["sig"].encode(), raw["sig"].encode() + b"==")
    with pytest.raises(ProtocolError):
        decode_http_json(padded, RegisterRequest)


def test_error_acks_round_trip() -> None:
    error = ProtocolError(ErrorCode.RATE_LIMITED, "slow down", retry_after=0.0101)
    ack = error.to_ack()
    assert ack == {
        "ok": False,
        "error": "rate_limited",
        "message": "slow down",
        "retry_after": 0.011,
    }
    again = ProtocolError.from_ack(ack)
    assert (again.code, again.retry_after) == (ErrorCode.RATE_LIMITED, 0.011)
    assert ProtocolError.from_ack({"error": "???"}).code is ErrorCode.INTERNAL
