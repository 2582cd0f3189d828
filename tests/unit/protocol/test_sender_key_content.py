"""The ``sender_key`` content: a round trip and its bounds (docs/protocol.md §4, §11.6)."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.crypto.sender_key_wire import SenderKeyDistribution
from chat_desktop.crypto.sender_keys import OwnSenderKey
from chat_desktop.protocol.message_content import (
    ContentError,
    SenderKeyContent,
    decode_content,
    encode_content,
    pad,
)

pytestmark = pytest.mark.unit

ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"
GROUP_ID = bytes(range(32))


def test_a_sender_key_content_round_trips_with_its_distribution() -> None:
    distribution = OwnSenderKey.generate().distribution()
    content = SenderKeyContent(
        id=ID, sent_at=1, group_id=GROUP_ID, distribution=distribution.to_bytes()
    )
    decoded = decode_content(encode_content(content))
    assert decoded == content
    assert isinstance(decoded, SenderKeyContent)
    assert SenderKeyDistribution.from_bytes(decoded.distribution) == distribution
    # Encoded as §4 says: kind first, then its own fields, then the common ones.
    assert list(msgspec.msgpack.decode(msgspec.msgpack.encode(content))) == [
        "kind",
        "group_id",
        "distribution",
        "v",
        "id",
        "sent_at",
        "expire_timer",
    ]


@pytest.mark.parametrize(
    ("group_id", "distribution"),
    [(bytes(31), bytes(73)), (bytes(33), bytes(73)), (GROUP_ID, bytes(72)), (GROUP_ID, bytes(74))],
)
def test_a_sender_key_content_of_the_wrong_sizes_is_refused(
    group_id: bytes, distribution: bytes
) -> None:
    raw = {
        "kind": "sender_key",
        "group_id": group_id,
        "distribution": distribution,
        "v": 1,
        "id": ID,
        "sent_at": 1,
        "expire_timer": 0,
    }
    with pytest.raises(ContentError):
        decode_content(pad(msgspec.msgpack.encode(raw)))
