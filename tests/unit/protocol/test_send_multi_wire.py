"""``message:send_multi`` on the wire: its schema's bounds, the relay's own limits, and the
per-user ``mismatched_devices`` answer (docs/protocol.md §6.6, §6.8, §6.11).

The schema bounds what a decoder takes in; the counts answered ``too_large`` (users,
devices of one user, body size) are the relay's checks, tested here without a relay. The
per-user answer must round-trip and must leave the 1:1 answer exactly as it was; a hostile
relay's malformed per-user answer becomes ``internal``.
"""

from __future__ import annotations

from typing import Any

import pytest

from chat_desktop.protocol import events
from chat_desktop.protocol.codec import decode_event
from chat_desktop.protocol.errors import (
    MAX_MISMATCHED_IDS,
    MAX_MISMATCHED_USERS,
    ErrorCode,
    ProtocolError,
    UserDeviceMismatch,
)
from chat_desktop.protocol.schemas import (
    MAX_BODY_SIZE,
    MAX_DEVICES,
    MAX_LIST_ITEMS,
    MAX_PAYLOADS,
    MAX_RECIPIENTS,
    MAX_TIMESTAMP_MS,
    MessageSendMulti,
)
from chat_desktop.relay.handlers.message import check_multi_send_limits

pytestmark = pytest.mark.unit

MESSAGE_ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"


def multi(**fields: Any) -> dict[str, Any]:
    """A valid ``message:send_multi`` payload with ``fields`` replaced."""
    payload: dict[str, Any] = {
        "id": MESSAGE_ID,
        "recipients": [
            {"user": "bob", "device_ids": [1, 3]},
            {"user": "carol", "device_ids": [1]},
        ],
        "body": b"ciphertext",
    }
    payload.update(fields)
    return payload


def users(count: int, devices: list[int] | None = None) -> list[dict[str, Any]]:
    """``count`` distinct recipients, each with ``devices`` (device 1 by default)."""
    return [{"user": f"user_{n:04d}", "device_ids": devices or [1]} for n in range(count)]


def refusal(payload: dict[str, Any]) -> ErrorCode:
    """The code the relay's decode and limit checks answer ``payload`` with."""
    with pytest.raises(ProtocolError) as error:
        check_multi_send_limits(decode_event(payload, MessageSendMulti))
    return error.value.code


def test_the_event_is_a_client_event() -> None:
    assert events.MESSAGE_SEND_MULTI == "message:send_multi"
    assert events.MESSAGE_SEND_MULTI in events.CLIENT_EVENTS


def test_a_valid_send_decodes_and_passes_the_limits() -> None:
    request = decode_event(multi(expires_at=MAX_TIMESTAMP_MS), MessageSendMulti)
    assert [(r.user, r.device_ids) for r in request.recipients] == [("bob", [1, 3]), ("carol", [1])]
    assert (request.body, request.expires_at) == (b"ciphertext", MAX_TIMESTAMP_MS)
    check_multi_send_limits(request)


def test_the_largest_send_passes_the_limits() -> None:
    biggest = multi(recipients=users(MAX_RECIPIENTS, list(range(1, MAX_PAYLOADS + 1))))
    biggest["body"] = b"b" * MAX_BODY_SIZE
    check_multi_send_limits(decode_event(biggest, MessageSendMulti))


def test_an_own_account_with_no_other_device_may_be_listed_empty() -> None:
    own_empty = multi(recipients=[{"user": "alice", "device_ids": []}, *users(1)])
    check_multi_send_limits(decode_event(own_empty, MessageSendMulti))


@pytest.mark.parametrize(
    "payload",
    [
        multi(id="0190F5A4-7C3E-7B2A-9F00-0123456789AB"),
        multi(id="not-a-uuid"),
        multi(recipients=[{"user": "Bob", "device_ids": [1]}]),
        multi(recipients=[{"user": "bob\n", "device_ids": [1]}]),
        multi(recipients=[{"user": "bob", "device_ids": [0]}]),
        multi(recipients=[{"user": "bob", "device_ids": [2**32]}]),
        multi(recipients=[{"user": "bob", "device_ids": [1], "group": "g"}]),
        multi(recipients=[{"user": "bob"}]),
        multi(recipients=users(MAX_LIST_ITEMS + 1)),
        multi(recipients=[{"user": "bob", "device_ids": [1] * (MAX_DEVICES + 1)}]),
        multi(body="text"),
        multi(expires_at=MAX_TIMESTAMP_MS + 1),
        multi(expires_at=-1),
        multi(group_id="g"),
        {"id": MESSAGE_ID, "recipients": users(1)},
    ],
)
def test_the_schema_refuses_what_does_not_fit(payload: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_event(payload, MessageSendMulti)
    assert error.value.code is ErrorCode.BAD_REQUEST


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (multi(recipients=users(MAX_RECIPIENTS + 1)), ErrorCode.TOO_LARGE),
        (multi(recipients=users(1, list(range(1, MAX_PAYLOADS + 2)))), ErrorCode.TOO_LARGE),
        (multi(body=b"b" * (MAX_BODY_SIZE + 1)), ErrorCode.TOO_LARGE),
        (multi(recipients=[]), ErrorCode.BAD_REQUEST),
        (multi(recipients=[{"user": "bob", "device_ids": []}]), ErrorCode.BAD_REQUEST),
        (multi(recipients=[*users(2), *users(1)]), ErrorCode.BAD_REQUEST),
        (multi(recipients=[{"user": "bob", "device_ids": [2, 2]}]), ErrorCode.BAD_REQUEST),
    ],
)
def test_the_relay_limits_answer_with_their_codes(payload: dict[str, Any], code: ErrorCode) -> None:
    assert refusal(payload) is code


def test_the_per_user_answer_round_trips() -> None:
    error = ProtocolError(
        ErrorCode.MISMATCHED_DEVICES,
        "the device ids do not match some recipients' devices",
        mismatched_users=(
            UserDeviceMismatch("bob", missing=(4,), extra=()),
            UserDeviceMismatch("carol", missing=(1,), extra=(7, 5)),
        ),
    )
    ack = error.to_ack()
    assert ack == {
        "ok": False,
        "error": "mismatched_devices",
        "message": "the device ids do not match some recipients' devices",
        "users": [
            {"user": "bob", "missing": [4], "extra": []},
            {"user": "carol", "missing": [1], "extra": [5, 7]},
        ],
    }
    again = ProtocolError.from_ack(ack)
    assert again.code is ErrorCode.MISMATCHED_DEVICES
    assert again.mismatched_users == (
        UserDeviceMismatch("bob", (4,), ()),
        UserDeviceMismatch("carol", (1,), (5, 7)),
    )
    assert (again.missing, again.extra) == ((), ())


def test_the_one_to_one_answer_is_unchanged() -> None:
    error = ProtocolError(ErrorCode.MISMATCHED_DEVICES, "m", missing=(3, 2), extra=(9,))
    assert error.to_ack() == {
        "ok": False,
        "error": "mismatched_devices",
        "message": "m",
        "missing": [2, 3],
        "extra": [9],
    }
    again = ProtocolError.from_ack(error.to_ack())
    assert (again.missing, again.extra, again.mismatched_users) == ((2, 3), (9,), ())


def entry(user: str = "bob", missing: Any = (1,), extra: Any = ()) -> dict[str, Any]:
    """One per-user entry of a relay's answer."""
    return {"user": user, "missing": list(missing), "extra": list(extra)}


@pytest.mark.parametrize(
    "listed",
    [
        [],
        None,
        "bob",
        [entry(), entry()],
        [entry(missing=(), extra=())],
        [entry(user="Bob")],
        [entry(user="bob\n")],
        [{"missing": [1], "extra": []}],
        [entry(missing=[0])],
        [entry(missing=[True])],
        [entry(extra=list(range(1, MAX_MISMATCHED_IDS + 2)))],
        [{"user": "bob", "missing": "1", "extra": []}],
        [entry(user=f"user_{n:04d}") for n in range(MAX_MISMATCHED_USERS + 1)],
        ["bob"],
    ],
)
def test_a_malformed_per_user_answer_is_internal(listed: Any) -> None:
    answer = {"ok": False, "error": "mismatched_devices", "message": "m", "users": listed}
    assert ProtocolError.from_ack(answer).code is ErrorCode.INTERNAL


def test_the_largest_per_user_answer_is_taken() -> None:
    listed = [entry(user=f"user_{n:04d}") for n in range(MAX_MISMATCHED_USERS)]
    answer = {"ok": False, "error": "mismatched_devices", "message": "m", "users": listed}
    assert len(ProtocolError.from_ack(answer).mismatched_users) == MAX_MISMATCHED_USERS
