"""Relay-facing schemas bound every number and anchor every pattern; error acks are capped."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from chat_desktop.protocol.codec import b64url_decode, decode_event
from chat_desktop.protocol.errors import (
    MAX_MESSAGE_LENGTH,
    MAX_RETRY_AFTER_S,
    ErrorCode,
    ProtocolError,
)
from chat_desktop.protocol.schemas import (
    BLOB_ID_PATTERN,
    MESSAGE_ID_PATTERN,
    USERNAME_PATTERN,
    AttachmentUploadAck,
    ConnectAuth,
    KeyCounts,
    KeysBundleRequest,
    MessageDelivery,
    MessageSendAck,
    PresenceUpdate,
    PresenceVisibility,
)
from chat_desktop.relay.__main__ import parse_rate_limits

pytestmark = pytest.mark.unit

MESSAGE_ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"


@pytest.mark.parametrize(
    ("pattern", "good"),
    [(USERNAME_PATTERN, "alice"), (MESSAGE_ID_PATTERN, MESSAGE_ID), (BLOB_ID_PATTERN, "a" * 32)],
)
def test_patterns_refuse_a_trailing_newline_however_they_are_used(pattern: str, good: str) -> None:
    assert re.match(pattern, good) and re.search(pattern, good)
    for bad in (good + "\n", "\n" + good, good + "\n\n"):
        assert re.match(pattern, bad) is None
        assert re.search(pattern, bad) is None


@pytest.mark.parametrize("user", ["alice\n", "alice\r\n", "ALICE", "al", "a" * 33])
def test_wire_usernames_are_exact(user: str) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_event({"user": user}, KeysBundleRequest)
    assert error.value.code is ErrorCode.BAD_REQUEST


def test_connect_auth_refuses_a_username_with_a_newline() -> None:
    auth = {"user": "alice\n", "device_id": 1, "ts": 1, "nonce": "AAAA", "sig": "AAAA"}
    with pytest.raises(ProtocolError):
        decode_event(auth, ConnectAuth)


def test_base64url_refuses_a_trailing_newline() -> None:
    with pytest.raises(ProtocolError):
        b64url_decode("YWJj\n")


@pytest.mark.parametrize("override", ["messages=5/1\n", "messages=٣/1", "messages=5/1 "])
def test_rate_limit_overrides_are_matched_exactly(override: str) -> None:
    with pytest.raises(ValueError, match="malformed rate limit"):
        parse_rate_limits([override])


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        (MessageSendAck, {"server_ts": 2**63 - 1}),
        (MessageSendAck, {"server_ts": -1}),
        (KeyCounts, {"one_time_count": 2**62, "pq_count": 0}),
        (
            MessageDelivery,
            {
                "id": MESSAGE_ID,
                "from": "bob",
                "from_device": 1,
                "server_ts": 1,
                "body": b"x",
                "expires_at": 2**63 - 1,
            },
        ),
        (
            MessageDelivery,
            {"id": MESSAGE_ID, "from": "bob", "from_device": 2**40, "server_ts": 1, "body": b""},
        ),
        (
            PresenceUpdate,
            {"presence": [{"user": "bob", "online": False, "last_seen": 2**63 - 1}]},
        ),
        (PresenceUpdate, {"presence": [{"user": "bob", "online": False}] * 1001}),
        (AttachmentUploadAck, {"blob_id": "a" * 32, "token": "t" * 5000, "expires_at": 1}),
        (PresenceVisibility, {"visible": 1}),
    ],
)
def test_hostile_relay_answers_are_bad_requests(schema: type, payload: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_event(payload, schema)
    assert error.value.code is ErrorCode.BAD_REQUEST


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (31_536_000, MAX_RETRY_AFTER_S),
        (math.inf, MAX_RETRY_AFTER_S),
        (1e308, MAX_RETRY_AFTER_S),
        (-5, 0.0),
        (math.nan, None),
        (True, None),
        ("60", None),
        (2.5, 2.5),
    ],
)
def test_retry_after_from_a_relay_is_capped(sent: Any, kept: float | None) -> None:
    error = ProtocolError.from_ack({"error": "rate_limited", "message": "x", "retry_after": sent})
    assert error.code is ErrorCode.RATE_LIMITED
    assert error.retry_after == kept


def test_error_message_from_a_relay_is_capped() -> None:
    error = ProtocolError.from_ack({"error": "internal", "message": "m" * 100_000})
    assert len(error.message) == MAX_MESSAGE_LENGTH
