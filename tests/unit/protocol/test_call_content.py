"""Call contents (docs/protocol.md §14): exact bytes round-trip, every peer value bounded."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    MAX_CALL_CANDIDATES,
    MAX_CALL_SDP_LENGTH,
    CallAnswerContent,
    CallCandidate,
    CallContent,
    CallHangupContent,
    CallIceContent,
    CallOfferContent,
    ContentError,
    decode_content,
    encode_content,
    pad,
    unpad,
)

MESSAGE_ID = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
CALL_ID = "0123456789abcdef0123456789abcdef"
CANDIDATE = "candidate:1 1 udp 1 127.0.0.1 9 typ host"
LONG_SDP = "x" * (MAX_CALL_SDP_LENGTH + 1)
SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def _raw(fields: dict[str, object]) -> bytes:
    base: dict[str, object] = {"v": 1, "id": MESSAGE_ID, "sent_at": 1}
    return pad(msgspec.msgpack.encode({**base, **fields}))


def test_each_call_content_round_trips() -> None:
    contents: list[CallContent] = [
        CallOfferContent(id=MESSAGE_ID, sent_at=1, call_id=CALL_ID, sdp=SDP, video=True),
        CallOfferContent(
            id=MESSAGE_ID,
            sent_at=1,
            call_id=CALL_ID,
            sdp=SDP,
            video=False,
            restart=True,
            devices=[2],
        ),
        CallAnswerContent(id=MESSAGE_ID, sent_at=1, call_id=CALL_ID, sdp=SDP, devices=[1]),
        CallIceContent(
            id=MESSAGE_ID,
            sent_at=1,
            call_id=CALL_ID,
            candidates=[CallCandidate(mid="0", candidate=CANDIDATE)],
        ),
        CallHangupContent(
            id=MESSAGE_ID, sent_at=1, call_id=CALL_ID, reason="answered_elsewhere", devices=[3, 4]
        ),
    ]
    for content in contents:
        assert decode_content(encode_content(content)) == content


def test_the_offer_bytes_are_as_documented() -> None:
    offer = CallOfferContent(id=MESSAGE_ID, sent_at=1, call_id=CALL_ID, sdp=SDP, video=True)
    fields = msgspec.msgpack.decode(unpad(encode_content(offer)))
    assert fields == {
        "kind": "call_offer",
        "v": 1,
        "id": MESSAGE_ID,
        "sent_at": 1,
        "expire_timer": 0,
        "call_id": CALL_ID,
        "sdp": SDP,
        "video": True,
        "restart": False,
        "devices": None,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {
            "kind": "call_offer",
            "call_id": CALL_ID,
            "sdp": LONG_SDP,
            "video": False,
        },
        {"kind": "call_offer", "call_id": CALL_ID, "sdp": "", "video": False},
        {"kind": "call_offer", "call_id": CALL_ID, "sdp": "v=0\u00e9", "video": False},
        {"kind": "call_offer", "call_id": CALL_ID.upper(), "sdp": SDP, "video": False},
        {"kind": "call_offer", "call_id": CALL_ID + "\n", "sdp": SDP, "video": False},
        {"kind": "call_offer", "call_id": "ab", "sdp": SDP, "video": False},
        {"kind": "call_answer", "call_id": CALL_ID, "sdp": SDP, "devices": [0]},
        {"kind": "call_answer", "call_id": CALL_ID, "sdp": SDP, "devices": list(range(1, 18))},
        {
            "kind": "call_ice",
            "call_id": CALL_ID,
            "candidates": [{"mid": "0", "candidate": "c"}] * (MAX_CALL_CANDIDATES + 1),
        },
        {"kind": "call_ice", "call_id": CALL_ID, "candidates": [{"mid": "0", "candidate": "a\nb"}]},
        {
            "kind": "call_ice",
            "call_id": CALL_ID,
            "candidates": [{"mid": "0", "candidate": "c" * 513}],
        },
        {"kind": "call_hangup", "call_id": CALL_ID, "reason": "refused"},
        {"kind": "call_hangup", "call_id": CALL_ID, "reason": "whatever"},
    ],
)
def test_out_of_bound_call_contents_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ContentError):
        decode_content(_raw(fields))
