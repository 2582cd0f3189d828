"""Link previews in the store (schema v12): kept with their message, gone with it."""

from __future__ import annotations

from typing import Any

import pytest

from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.storage.models import Direction, MessageKey, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

PREVIEW = LinkPreview(
    url="https://news.example/a", title="A story", description="What happened", image=None
)


def _message(message_id: str, **fields: Any) -> NewMessage:
    values: dict[str, Any] = {
        "id": message_id,
        "conversation_id": "bob",
        "sender": "bob",
        "direction": Direction.INCOMING,
        "sort_key": 1_000 + int(message_id[1:]),
        "kind": "text",
        "body": f"{message_id} https://news.example/a",
        "status": MessageStatus.DELIVERED,
        "sent_at": 1_000,
        "received_at": 1_000,
        "link_preview": PREVIEW,
    }
    values.update(fields)
    return NewMessage(**values)


def _previews(store: MessageStore) -> int:
    return int(store._db.query_value("SELECT count(*) FROM link_previews"))


def test_a_preview_comes_back_with_its_message_in_windows_and_alone(
    store: MessageStore,
) -> None:
    store.messages.insert(_message("m1"))
    store.messages.insert(_message("m2", link_preview=None))
    assert [m.link_preview for m in store.messages.newest("bob", 10)] == [PREVIEW, None]
    got = store.messages.get(MessageKey("bob", "m1"))
    assert got is not None and got.link_preview == PREVIEW
    assert store.messages.get(MessageKey("bob", "m2")) is not None
    assert _previews(store) == 1


def test_a_delete_for_everyone_removes_the_preview(store: MessageStore) -> None:
    store.messages.insert(_message("m1"))
    assert store.messages.tombstone(MessageKey("bob", "m1")) is not None
    shown = store.messages.get(MessageKey("bob", "m1"))
    assert shown is not None and shown.deleted and shown.link_preview is None
    assert _previews(store) == 0


def test_the_preview_goes_with_its_message_and_its_conversation(store: MessageStore) -> None:
    store.messages.insert(_message("m1"))
    store.messages.insert(_message("m2"))
    store.messages.delete([MessageKey("bob", "m1")])
    assert _previews(store) == 1
    store.conversations.delete("bob")
    assert _previews(store) == 0


def test_a_tombstone_inserted_keeps_no_preview(store: MessageStore) -> None:
    store.messages.insert(_message("m1", deleted=True, body=None))
    assert _previews(store) == 0


def test_an_edit_that_drops_the_link_drops_the_preview(store: MessageStore) -> None:
    store.messages.insert(_message("m1"))
    store.messages.insert(_message("m2"))
    key1, key2 = MessageKey("bob", "m1"), MessageKey("bob", "m2")
    assert store.messages.apply_edit(
        key1, "still https://news.example/a here", edited_at=2_000, content_id="e1"
    )
    assert store.messages.apply_edit(key2, "no link any more", edited_at=2_000, content_id="e2")
    kept, dropped = store.messages.get(key1), store.messages.get(key2)
    assert kept is not None and kept.link_preview == PREVIEW
    assert dropped is not None and dropped.link_preview is None
