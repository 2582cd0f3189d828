"""Replies, reactions, edits and tombstones in the store (schema v3)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
    Quote,
    Reaction,
)
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit


def _message(message_id: str, *, conversation: str = "bob", **fields: Any) -> NewMessage:
    values: dict[str, Any] = {
        "id": message_id,
        "conversation_id": conversation,
        "sender": conversation,
        "direction": Direction.INCOMING,
        "sort_key": 1_000 + len(message_id),
        "kind": "text",
        "body": f"the text of {message_id}",
        "status": MessageStatus.DELIVERED,
        "sent_at": 1_000,
        "received_at": 1_000,
    }
    values.update(fields)
    return NewMessage(**values)


@contextmanager
def counting_queries(store: MessageStore) -> Iterator[list[str]]:
    """Collects every SQL statement the store's connection runs inside the block."""
    statements: list[str] = []
    connection = store._db.connection
    connection.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        connection.set_trace_callback(None)


def test_a_window_of_100_messages_with_reactions_takes_two_queries(store: MessageStore) -> None:
    with store.transaction():
        for index in range(150):
            store.messages.insert(_message(f"m{index:04d}", sort_key=index))
            for reactor in ("bob", "me", "carol"):
                store.messages.reactions.set(
                    "bob",
                    f"m{index:04d}",
                    reactor,
                    "👍",
                    sent_at=index,
                    content_id=f"r{index}{reactor}",
                )
    with counting_queries(store) as statements:
        window = store.messages.newest("bob", 100)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects
    assert len(window) == 100
    assert all(len(message.reactions) == 3 for message in window)
    assert window[0].reactions[0] == Reaction("bob", "👍")

    anchor = window[50]
    with counting_queries(store) as statements:
        before = store.messages.before("bob", anchor.cursor, 100)
        around = store.messages.around(MessageKey("bob", anchor.id), 100)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    # before: page + reactions; around: anchor + two pages (+ a refill) + reactions.
    assert len(selects) <= 2 + 5, selects
    assert all(len(message.reactions) == 3 for message in [*before, *around])


def test_one_reaction_per_person_newest_wins_replays_change_nothing(store: MessageStore) -> None:
    store.messages.insert(_message("m1"))
    reactions = store.messages.reactions
    for number in range(200):  # a flood from one peer
        reactions.set("bob", "m1", "bob", "😀", sent_at=10 + number, content_id=f"c{number:03d}")
    rows = store._db.query_value("SELECT count(*) FROM message_reactions")
    assert rows == 1

    assert reactions.set("bob", "m1", "bob", "❤️", sent_at=1_000, content_id="late")
    assert not reactions.set("bob", "m1", "bob", "❤️", sent_at=1_000, content_id="late")  # replay
    assert not reactions.set("bob", "m1", "bob", "🙈", sent_at=999, content_id="older")
    assert store.messages.get(MessageKey("bob", "m1")).reactions == (Reaction("bob", "❤️"),)

    assert reactions.set("bob", "m1", "bob", None, sent_at=2_000, content_id="removed")
    # A reaction sent before the removal, arriving after it, does not come back.
    assert not reactions.set("bob", "m1", "bob", "🙈", sent_at=1_500, content_id="stale")
    assert store.messages.get(MessageKey("bob", "m1")).reactions == ()


def test_edits_keep_history_follow_search_and_are_bounded(store: MessageStore) -> None:
    store.messages.insert(_message("m1", body="original words"))
    key = MessageKey("bob", "m1")
    assert store.messages.apply_edit(key, "second version", edited_at=2_000, content_id="e1")
    assert not store.messages.apply_edit(key, "second version", edited_at=2_000, content_id="e1")
    assert not store.messages.apply_edit(key, "older edit", edited_at=1_500, content_id="e0")
    message = store.messages.get(key)
    assert (message.body, message.edited_at) == ("second version", 2_000)
    assert store.messages.edits.history("bob", "m1") == [(2_000, "original words")]
    assert store.search("original") == []
    assert [m.id for m in store.search("second")] == ["m1"]

    for number in range(MAX_EDITS + 5):
        store.messages.apply_edit(
            key, f"version {number}", edited_at=3_000 + number, content_id=f"x{number}"
        )
    assert len(store.messages.edits.history("bob", "m1")) == MAX_EDITS


def test_an_attachment_is_never_edited(store: MessageStore) -> None:
    store.messages.insert(_message("m1", kind="attachment", body="caption"))
    assert not store.messages.apply_edit(
        MessageKey("bob", "m1"), "new caption", edited_at=2_000, content_id="e1"
    )


def test_a_tombstone_keeps_the_row_and_drops_everything_else(store: MessageStore) -> None:
    stored = store.attachments.write(io.BytesIO(b"picture bytes"))
    path = store.attachments.path_of(stored.file_id)
    assert path.exists()
    attachment = AttachmentInfo(
        blob_id="ab" * 16,
        key=b"k" * 64,
        digest=b"d" * 32,
        size=13,
        mime="image/png",
        file_name="holiday.png",
        thumbnail=b"thumb",
        local_file_id=stored.file_id,
        local_status="done",
    )
    store.messages.insert(_message("m1", kind="attachment", body="sunset", attachment=attachment))
    store.messages.insert(
        _message(
            "m2",
            direction=Direction.OUTGOING,
            sender="me",
            quote=Quote("m1", "bob", "sunset", "attachment"),
        )
    )
    store.messages.reactions.set("bob", "m1", "me", "🔥", sent_at=5, content_id="r1")
    assert store.conversations.get("bob").unread_count == 1

    result = store.messages.tombstone(MessageKey("bob", "m1"))
    assert result is not None and result.replies == ("m2",)
    assert store.messages.tombstone(MessageKey("bob", "m1")) is None  # already done

    tombstone = store.messages.get(MessageKey("bob", "m1"))
    assert tombstone.deleted and tombstone.body is None and tombstone.attachment is None
    assert tombstone.reactions == () and tombstone.sender == "bob"
    assert not path.exists()
    assert store._db.query_value("SELECT count(*) FROM attachment_files") == 0
    assert store.search("sunset") == []
    assert store.conversations.get("bob").unread_count == 0
    reply = store.messages.get(MessageKey("bob", "m2"))
    assert reply.quote == Quote("m1", "bob", "", "attachment", found=True, deleted=True)


def test_a_quote_shows_our_own_copy_or_the_given_excerpt_marked_not_found(
    store: MessageStore,
) -> None:
    store.messages.insert(_message("m1", body="what we really have"))
    store.messages.insert(_message("c1", conversation="carol", body="carol's secret"))
    found = store.messages.resolve_quote(
        "bob", "m1", author="carol", excerpt="a forged excerpt", kind="attachment"
    )
    assert found == Quote("m1", "bob", "what we really have", "text", found=True)
    elsewhere = store.messages.resolve_quote("bob", "c1", author="carol", excerpt="x", kind="text")
    assert elsewhere == Quote("c1", "carol", "x", "text", found=False)
    missing = store.messages.resolve_quote(
        "bob", "nope", author="bob", excerpt="y" * 500, kind="text"
    )
    assert missing.excerpt == "y" * 200 and not missing.found

    # The reply first, its target later (e.g. resent after a retry): the quote follows.
    store.messages.insert(_message("r1", quote=missing))
    store.messages.insert(_message("nope", body="the real text", sender="bob"))
    assert store.messages.get(MessageKey("bob", "r1")).quote == Quote(
        "nope", "bob", "the real text", "text", found=True
    )
    # An edit of the target reaches the quote.
    store.messages.apply_edit(MessageKey("bob", "nope"), "edited", edited_at=5, content_id="e")
    assert store.messages.get(MessageKey("bob", "r1")).quote.excerpt == "edited"


def test_deleting_a_conversation_takes_reactions_edits_and_search_with_it(
    store: MessageStore,
) -> None:
    store.messages.insert(_message("m1", body="findable words"))
    store.messages.reactions.set("bob", "m1", "bob", "👍", sent_at=1, content_id="r")
    store.messages.apply_edit(
        MessageKey("bob", "m1"), "findable again", edited_at=2, content_id="e"
    )
    store.messages.delete([MessageKey("bob", "m1")])
    assert store._db.query_value("SELECT count(*) FROM message_reactions") == 0
    assert store._db.query_value("SELECT count(*) FROM message_edits") == 0

    store.messages.insert(_message("m2", body="findable words"))
    store.messages.reactions.set("bob", "m2", "bob", "👍", sent_at=1, content_id="r")
    with store.transaction():
        store.messages.drop_outbox("bob")
        store.conversations.delete("bob")
    assert store.search("findable") == []
    assert store._db.query_value("SELECT count(*) FROM message_reactions") == 0
    assert store._db.query_value("SELECT count(*) FROM messages_fts") == 0


def test_receipt_times_and_details(store: MessageStore) -> None:
    store.messages.insert(
        _message("out1", direction=Direction.OUTGOING, sender="me", received_at=None)
    )
    key = MessageKey("bob", "out1")
    assert store.messages.record_receipt(key, read=False, at=5_000)
    assert not store.messages.record_receipt(key, read=False, at=6_000)  # first one wins
    assert store.messages.record_receipt(key, read=True, at=7_000)
    details = store.messages.details(key)
    assert (details.sent_at, details.delivered_at, details.read_at) == (1_000, 5_000, 7_000)
    store.messages.insert(_message("in1", received_at=1_200))
    assert not store.messages.record_receipt(MessageKey("bob", "in1"), read=True, at=9)
    incoming = store.messages.details(MessageKey("bob", "in1"))
    assert (incoming.received_at, incoming.read_at) == (1_200, None)
