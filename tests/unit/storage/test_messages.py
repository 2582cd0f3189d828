"""Messages: windows by keyset, counts, statuses, read marks, expiry, deletion, search."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_desktop.storage.errors import NotFound
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit


def _message(index: int, *, conversation: str = "bob", **fields: Any) -> NewMessage:
    defaults: dict[str, Any] = {
        "id": f"m{index:04d}",
        "conversation_id": conversation,
        "sender": "bob",
        "direction": Direction.INCOMING,
        "sort_key": 1_000 + index * 10,
        "kind": "text",
        "body": f"message number {index}",
        "status": MessageStatus.DELIVERED,
    }
    defaults.update(fields)
    return NewMessage(**defaults)


def _fill(store: MessageStore, count: int, **fields: Any) -> None:
    with store.transaction():
        for index in range(count):
            store.messages.insert(_message(index, **fields))


def _ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_windows_before_after_around_and_count(store: MessageStore) -> None:
    _fill(store, 50)
    _fill(store, 5, conversation="carol")
    assert store.messages.count("bob") == 50
    newest = store.messages.newest("bob", 10)
    assert _ids(newest) == [f"m{i:04d}" for i in range(40, 50)]
    older = store.messages.before("bob", newest[0].cursor, 10)
    assert _ids(older) == [f"m{i:04d}" for i in range(30, 40)]
    newer = store.messages.after("bob", older[-1].cursor, 3)
    assert _ids(newer) == ["m0040", "m0041", "m0042"]
    around = store.messages.around(MessageKey("bob", "m0025"), 11)
    assert _ids(around) == [f"m{i:04d}" for i in range(20, 31)]
    assert _ids(store.messages.around(MessageKey("bob", "m0001"), 5)) == _ids(
        store.messages.oldest("bob", 5)
    )
    assert _ids(store.messages.around(MessageKey("bob", "m0049"), 5))[-1] == "m0049"
    assert len(store.messages.around(MessageKey("bob", "m0049"), 5)) == 5
    assert store.messages.before("bob", store.messages.oldest("bob", 1)[0].cursor, 10) == []
    with pytest.raises(NotFound):
        store.messages.around(MessageKey("bob", "nope"), 5)


def test_equal_sort_keys_are_ordered_by_insertion(store: MessageStore) -> None:
    with store.transaction():
        for index in range(6):
            store.messages.insert(_message(index, sort_key=5_000))
    first_page = store.messages.oldest("bob", 3)
    second_page = store.messages.after("bob", first_page[-1].cursor, 10)
    assert _ids(first_page) + _ids(second_page) == [f"m{i:04d}" for i in range(6)]


def test_window_query_uses_the_keyset_index_not_offset(store: MessageStore) -> None:
    plan = store._db.query_all(  # the plan is the point of this test
        "EXPLAIN QUERY PLAN SELECT seq FROM messages WHERE conversation_id = 'bob' "
        "AND (sort_key, seq) < (1, 1) AND (expires_at IS NULL OR expires_at > 0) "
        "ORDER BY sort_key DESC, seq DESC LIMIT 100"
    )
    details = " ".join(str(row[-1]) for row in plan)
    assert "messages_by_position" in details
    assert "TEMP B-TREE" not in details


def test_duplicate_ids_are_ignored_per_conversation(store: MessageStore) -> None:
    assert store.messages.insert(_message(1))
    assert not store.messages.insert(_message(1, body="replayed"))
    assert store.messages.insert(_message(1, conversation="carol"))
    stored = store.messages.get(MessageKey("bob", "m0001"))
    assert stored is not None
    assert stored.body == "message number 1"
    conversation = store.conversations.get("bob")
    assert conversation is not None
    assert conversation.unread_count == 1


def test_status_only_moves_forward(store: MessageStore) -> None:
    key = MessageKey("bob", "m0001")
    store.messages.insert(_message(1, direction=Direction.OUTGOING, status=MessageStatus.PENDING))
    assert store.messages.update_status(key, MessageStatus.SENT, server_ts=77)
    assert store.messages.update_status(key, MessageStatus.READ)
    assert not store.messages.update_status(key, MessageStatus.DELIVERED)
    assert not store.messages.update_status(key, MessageStatus.FAILED)
    stored = store.messages.get(key)
    assert stored is not None
    assert (stored.status, stored.server_ts) == (MessageStatus.READ, 77)


def test_mark_read_updates_unread_count_and_returns_the_messages(store: MessageStore) -> None:
    _fill(store, 10)
    conversation = store.conversations.get("bob")
    assert conversation is not None
    assert conversation.unread_count == 10
    up_to = store.messages.get(MessageKey("bob", "m0005"))
    assert up_to is not None
    marked = store.messages.mark_read("bob", up_to.cursor, read_at=123)
    assert _ids(marked) == [f"m{i:04d}" for i in range(6)]
    conversation = store.conversations.get("bob")
    assert conversation is not None
    assert conversation.unread_count == 4
    assert store.messages.mark_read("bob", up_to.cursor, read_at=124) == []
    read = store.messages.get(MessageKey("bob", "m0000"))
    assert read is not None
    assert (read.status, read.read_at) == (MessageStatus.READ, 123)


def test_expired_rows_are_never_returned_even_before_the_sweep(
    store: MessageStore, clock: Any
) -> None:
    now = clock.millis()
    _fill(store, 6)
    with store.transaction():
        store.messages.insert(_message(100, body="vanishing secret", expires_at=now + 1_000))
        store.messages.insert(_message(101, body="lasting note", expires_at=now + 60_000))
    assert store.messages.count("bob") == 8
    assert _ids(store.search("vanishing")) == ["m0100"]
    clock.advance(2)
    key = MessageKey("bob", "m0100")
    assert store.messages.get(key) is None
    assert store.messages.count("bob") == 7
    assert "m0100" not in _ids(store.messages.newest("bob", 100))
    assert store.search("vanishing") == []
    assert store.messages.expired() == [key]
    assert store.delete_expired() == [key]
    assert store.messages.expired() == []
    assert _ids(store.search("lasting")) == ["m0101"]


def test_deleted_messages_leave_search_and_their_files(store: MessageStore) -> None:
    stored = store.attachments.write(io.BytesIO(b"photo bytes" * 1000))
    attachment = AttachmentInfo(mime="image/jpeg", width=640, height=480, size=11_000)
    store.messages.insert(
        _message(1, body="holiday photo", kind="attachment", attachment=attachment)
    )
    store.messages.update_attachment_state(
        MessageKey("bob", "m0001"), local_file_id=stored.file_id, local_status="done"
    )
    loaded = store.messages.get(MessageKey("bob", "m0001"))
    assert loaded is not None
    assert loaded.attachment is not None
    assert (loaded.attachment.width, loaded.attachment.height) == (640, 480)
    assert loaded.attachment.local_file_id == stored.file_id
    path = store.attachments.path_of(stored.file_id)
    assert path.exists()
    assert _ids(store.search("holiday")) == ["m0001"]

    assert store.messages.delete([MessageKey("bob", "m0001"), MessageKey("bob", "gone")]) == 1
    assert store.search("holiday") == []
    assert store.messages.get(MessageKey("bob", "m0001")) is None
    assert not path.exists()
    with pytest.raises(NotFound):
        store.attachments.open(stored.file_id)


def test_file_deletion_waits_for_the_commit(store: MessageStore) -> None:
    stored = store.attachments.write(io.BytesIO(b"kept"))
    path = store.attachments.path_of(stored.file_id)
    with pytest.raises(RuntimeError), store.transaction():
        store.attachments.delete(stored.file_id)
        raise RuntimeError("the engine failed mid-way")
    assert path.exists()
    assert store.attachments.open(stored.file_id).read() == b"kept"


def test_search_quotes_user_input_and_matches_prefixes(store: MessageStore) -> None:
    store.messages.insert(_message(1, body="Meet at the café tomorrow"))
    store.messages.insert(_message(2, body='she said "NEAR" OR not'))
    store.messages.insert(_message(3, body="something else", conversation="carol"))
    assert _ids(store.search("cafe")) == ["m0001"]
    assert _ids(store.search("tomor")) == ["m0001"]
    assert _ids(store.search('"NEAR" OR')) == ["m0002"]
    assert _ids(store.search("meet tomorrow")) == ["m0001"]
    assert store.search("meet carol") == []
    assert store.search("   ") == []
    assert _ids(store.search("something", conversation_id="carol")) == ["m0003"]
    assert store.search("something", conversation_id="bob") == []


def test_edited_body_is_reindexed(store: MessageStore) -> None:
    store.messages.insert(_message(1, body="first words"))
    store._db.execute("UPDATE messages SET body = 'second words' WHERE id = 'm0001'")
    assert store.search("first") == []
    assert _ids(store.search("second")) == ["m0001"]


def test_transaction_is_all_or_nothing(store: MessageStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.messages.insert(_message(1, direction=Direction.OUTGOING))
        store.outbox.enqueue("bob", "m0001", "bob", b"ciphertext")
        raise RuntimeError("crash before commit")
    assert store.messages.count("bob") == 0
    assert store.outbox.pending() == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sort_keys=st.lists(st.integers(min_value=0, max_value=20), min_size=0, max_size=60),
    page=st.integers(min_value=1, max_value=7),
)
def test_paging_backwards_then_forwards_visits_every_message_once_in_order(
    store: MessageStore, sort_keys: list[int], page: int
) -> None:
    conversation = f"c{len(sort_keys)}-{page}-{sum(sort_keys)}"
    store.conversations.delete(conversation)
    with store.transaction():
        for index, sort_key in enumerate(sort_keys):
            store.messages.insert(_message(index, conversation=conversation, sort_key=sort_key))
    expected = [
        f"m{index:04d}" for index, _ in sorted(enumerate(sort_keys), key=lambda item: item[1])
    ]
    backwards: list[str] = []
    window = store.messages.newest(conversation, page)
    while window:
        backwards = _ids(window) + backwards
        window = store.messages.before(conversation, window[0].cursor, page)
    assert backwards == expected
    forwards: list[str] = []
    window = store.messages.oldest(conversation, page)
    while window:
        forwards += _ids(window)
        window = store.messages.after(conversation, window[-1].cursor, page)
    assert forwards == expected
    assert store.messages.count(conversation) == len(sort_keys)
