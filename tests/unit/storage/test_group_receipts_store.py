"""Schema v9 in a real SQLCipher store: each member's receipts for our group messages."""

from __future__ import annotations

import pytest

from chat_desktop.storage.group_ids import GroupValueRefused, group_conversation_id
from chat_desktop.storage.migrations.v009_group_receipts import MAX_RECEIPT_ROWS_PER_MESSAGE
from chat_desktop.storage.models import Direction, MessageKey, NewMessage
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

GROUP = bytes(range(32))
CONVERSATION = group_conversation_id(GROUP)
MESSAGE = "0" * 32


def ours(store: MessageStore, message_id: str = MESSAGE) -> MessageKey:
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    store.messages.insert(
        NewMessage(
            id=message_id,
            conversation_id=CONVERSATION,
            sender="alice",
            direction=Direction.OUTGOING,
            sort_key=1,
            kind="text",
            body="hi",
        )
    )
    return MessageKey(CONVERSATION, message_id)


def test_first_times_win_and_a_read_implies_delivery(store: MessageStore) -> None:
    ours(store)
    record = store.groups.record_member_receipt
    assert record(CONVERSATION, MESSAGE, "bob", read=False, at=10, limit=3)
    assert not record(CONVERSATION, MESSAGE, "bob", read=False, at=11, limit=3)
    assert record(CONVERSATION, MESSAGE, "bob", read=True, at=12, limit=3)
    assert not record(CONVERSATION, MESSAGE, "bob", read=True, at=13, limit=3)
    assert record(CONVERSATION, MESSAGE, "carol", read=True, at=20, limit=3)
    assert store.groups.member_receipts(CONVERSATION, MESSAGE) == {
        "bob": (10, 12),
        "carol": (20, 20),
    }


def test_a_message_has_at_most_the_groups_size_of_rows(store: MessageStore) -> None:
    ours(store)
    record = store.groups.record_member_receipt
    assert record(CONVERSATION, MESSAGE, "bob", read=False, at=1, limit=2)
    assert record(CONVERSATION, MESSAGE, "carol", read=False, at=1, limit=2)
    assert not record(CONVERSATION, MESSAGE, "dave", read=False, at=1, limit=2)
    # A member already counted still gets their read time.
    assert record(CONVERSATION, MESSAGE, "bob", read=True, at=2, limit=2)
    # Whatever limit a caller passes, never more than the largest group.
    for index in range(MAX_RECEIPT_ROWS_PER_MESSAGE + 5):
        record(CONVERSATION, MESSAGE, f"user{index}", read=False, at=1, limit=10**6)
    assert len(store.groups.member_receipts(CONVERSATION, MESSAGE)) == MAX_RECEIPT_ROWS_PER_MESSAGE


@pytest.mark.parametrize("at", [-1, True])
def test_a_bad_time_is_refused_and_writes_nothing(store: MessageStore, at: int) -> None:
    ours(store)
    with pytest.raises(GroupValueRefused):
        store.groups.record_member_receipt(CONVERSATION, MESSAGE, "bob", read=False, at=at, limit=3)
    assert store.groups.member_receipts(CONVERSATION, MESSAGE) == {}


def test_receipts_go_with_their_message_and_conversation(store: MessageStore) -> None:
    key = ours(store)
    other = ours(store, "1" * 32)
    store.groups.record_member_receipt(CONVERSATION, MESSAGE, "bob", read=False, at=1, limit=3)
    store.groups.record_member_receipt(
        CONVERSATION, other.message_id, "bob", read=False, at=1, limit=3
    )
    store.messages.delete([key])
    assert store.groups.member_receipts(CONVERSATION, MESSAGE) == {}
    assert store.groups.member_receipts(CONVERSATION, other.message_id) == {"bob": (1, None)}
    store.conversations.delete(CONVERSATION)
    assert store.groups.member_receipts(CONVERSATION, other.message_id) == {}
