"""Group receipt and group read-sync contents: bytes (docs/protocol.md §11.6), bounds."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    MAX_IDS_PER_CONTENT,
    ContentError,
    GroupReadSyncContent,
    GroupReceiptContent,
    SyncContent,
    TypingContent,
    decode_content,
    decode_transcript,
    encode_content,
    pad,
    transcript_of,
)

pytestmark = pytest.mark.unit

GROUP = bytes(range(32))
MESSAGE = "0190c8a0-0000-7000-8000-000000000001"

RECEIPT_HEX = (
    "88a46b696e64ad67726f75705f72656365697074a867726f75705f6964c420"
    + GROUP.hex()
    + "a772656365697074a472656164ab6d6573736167655f69647391a179"
    "a17601a26964a178a773656e745f617401ac6578706972655f74696d657200"
)
READ_HEX = (
    "87a46b696e64aa67726f75705f72656164a867726f75705f6964c420"
    + GROUP.hex()
    + "ab6d6573736167655f69647391a179"
    "a17601a26964a178a773656e745f617401ac6578706972655f74696d657200"
)
TYPING_HEX = (
    "86a46b696e64a6747970696e67a6747970696e67a773746172746564"
    "a17601a26964a178a773656e745f617401ac6578706972655f74696d657200"
)


def test_the_bytes_are_the_ones_pinned_in_the_protocol() -> None:
    encode = msgspec.msgpack.Encoder().encode
    receipt = GroupReceiptContent(
        id="x", sent_at=1, group_id=GROUP, receipt="read", message_ids=["y"]
    )
    read = GroupReadSyncContent(id="x", sent_at=1, group_id=GROUP, message_ids=["y"])
    assert encode(receipt).hex() == RECEIPT_HEX
    assert encode(read).hex() == READ_HEX
    assert encode(TypingContent(id="x", sent_at=1, typing="started")).hex() == TYPING_HEX


def test_valid_contents_round_trip() -> None:
    receipt = GroupReceiptContent(
        id=MESSAGE, sent_at=1, group_id=GROUP, receipt="delivered", message_ids=[MESSAGE]
    )
    assert decode_content(encode_content(receipt)) == receipt
    read = GroupReadSyncContent(id=MESSAGE, sent_at=1, group_id=GROUP, message_ids=[MESSAGE])
    assert decode_content(encode_content(read)) == read
    assert isinstance(read, SyncContent)
    assert not isinstance(receipt, SyncContent)


@pytest.mark.parametrize(
    "changes",
    [
        {"group_id": bytes(31)},
        {"group_id": bytes(33)},
        {"receipt": "seen"},
        {"message_ids": [MESSAGE] * (MAX_IDS_PER_CONTENT + 1)},
        {"message_ids": ["not an id"]},
    ],
)
def test_a_receipt_out_of_bounds_is_refused(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "kind": "group_receipt",
        "v": 1,
        "id": MESSAGE,
        "sent_at": 1,
        "group_id": GROUP,
        "receipt": "read",
        "message_ids": [MESSAGE],
    }
    fields.update(changes)
    with pytest.raises(ContentError):
        decode_content(pad(msgspec.msgpack.encode(fields)))


def test_a_group_read_may_not_ride_inside_a_transcript() -> None:
    read = GroupReadSyncContent(id=MESSAGE, sent_at=1, group_id=GROUP, message_ids=[MESSAGE])
    with pytest.raises(ContentError):
        decode_transcript(transcript_of(read))
