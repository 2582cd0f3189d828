"""The conversation list on a real SQLCipher store: order, previews, flags, unarchive, totals."""

from __future__ import annotations

from typing import Any

import pytest

from chat_desktop.storage.migrations import MIGRATIONS
from chat_desktop.storage.models import (
    AttachmentInfo,
    Conversation,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault

pytestmark = pytest.mark.unit


def _message(
    conversation: str, message_id: str, sort_key: int, *, incoming: bool = True, **fields: Any
) -> NewMessage:
    values: dict[str, Any] = {
        "id": message_id,
        "conversation_id": conversation,
        "sender": conversation if incoming else "me",
        "direction": Direction.INCOMING if incoming else Direction.OUTGOING,
        "sort_key": sort_key,
        "kind": "text",
        "body": f"text of {message_id}",
        "status": MessageStatus.DELIVERED if incoming else MessageStatus.SENT,
    }
    values.update(fields)
    return NewMessage(**values)


def _tombstone(store: MessageStore, conversation: str, message_id: str) -> None:
    """Delete for everyone: the row stays as a tombstone, without its body."""
    assert store.messages.tombstone(MessageKey(conversation, message_id)) is not None


def _ids(conversations: list[Conversation]) -> list[str]:
    return [conversation.id for conversation in conversations]


def _by_id(store: MessageStore, **options: Any) -> dict[str, Conversation]:
    return {c.id: c for c in store.conversations.list_summaries(**options)}


def test_pinned_first_then_newest_activity_and_archived_left_out(store: MessageStore) -> None:
    for index, peer in enumerate(["ann", "ben", "cat", "dan", "eve"]):
        store.messages.insert(_message(peer, f"{peer}-1", 1_000 + index * 100))
    store.conversations.ensure("fay", peer_address="fay")  # no message yet: last
    assert _ids(store.conversations.list_summaries()) == ["eve", "dan", "cat", "ben", "ann", "fay"]

    assert store.conversations.set_pinned("ann", True)
    assert store.conversations.set_pinned("cat", True)
    assert store.conversations.set_archived("dan", True)
    # Pinned ones first (newest first among them), then the rest; the archived one only in
    # the archive view, at its place by the same order.
    assert _ids(store.conversations.list_summaries()) == ["cat", "ann", "eve", "ben", "fay"]
    assert _ids(store.conversations.list_summaries(include_archived=True)) == [
        "cat",
        "ann",
        "eve",
        "dan",
        "ben",
        "fay",
    ]
    assert _ids(store.conversations.list_summaries(limit=2)) == ["cat", "ann"]

    # A new message moves its conversation up among the unpinned ones.
    store.messages.insert(_message("ben", "ben-2", 5_000, incoming=False))
    assert _ids(store.conversations.list_summaries()) == ["cat", "ann", "ben", "eve", "fay"]
    with pytest.raises(ValueError, match="positive limit"):
        store.conversations.list_summaries(limit=0)


def test_preview_is_the_newest_shown_message_with_counts_and_flags(
    store: MessageStore, clock: Any
) -> None:
    now = clock.millis()
    store.messages.insert(_message("bob", "old", 1_000))
    store.messages.insert(_message("bob", "mine", 2_000, incoming=False))
    store.messages.insert(_message("bob", "new", 3_000))
    summary = _by_id(store)["bob"]
    assert summary.last_message is not None
    assert (summary.last_message.id, summary.last_message.body) == ("new", "text of new")
    assert summary.last_message.direction is Direction.INCOMING
    assert summary.unread_count == 2
    assert summary.last_activity_at == 3_000
    assert (summary.muted, summary.pinned, summary.archived) == (False, False, False)

    # Deleted for everyone (a tombstone row): the preview falls back to the one before.
    _tombstone(store, "bob", "new")
    assert _by_id(store)["bob"].last_message.id == "mine"  # type: ignore[union-attr]

    # A disappearing message is previewed until its time is up, never after (even before
    # the sweeper has deleted it).
    store.messages.insert(_message("bob", "brief", 4_000, expires_at=now + 5_000))
    assert _by_id(store)["bob"].last_message.id == "brief"  # type: ignore[union-attr]
    clock.advance(5)
    assert _by_id(store)["bob"].last_message.id == "mine"  # type: ignore[union-attr]

    # Deleted for me (the row is gone): the one before again.
    store.messages.delete([MessageKey("bob", "mine")])
    assert _by_id(store)["bob"].last_message.id == "old"  # type: ignore[union-attr]

    # Nothing left to show: no preview, the conversation stays listed.
    _tombstone(store, "bob", "old")
    assert _by_id(store)["bob"].last_message is None


def test_attachment_preview_carries_its_file_name_and_type(store: MessageStore) -> None:
    store.messages.insert(
        _message(
            "bob",
            "photo",
            1_000,
            kind="attachment",
            body=None,
            attachment=AttachmentInfo(
                blob_id="b1", size=1234, mime="image/jpeg", file_name="beach.jpg", width=4
            ),
        )
    )
    store.messages.insert(
        _message(
            "carol",
            "report",
            2_000,
            kind="attachment",
            body="the numbers",
            attachment=AttachmentInfo(blob_id="b2", mime="application/pdf", file_name="q3.pdf"),
        )
    )
    summaries = _by_id(store)
    photo = summaries["bob"].last_message
    assert photo is not None and photo.kind == "attachment" and photo.body is None
    assert photo.attachment is not None
    assert (photo.attachment.file_name, photo.attachment.mime) == ("beach.jpg", "image/jpeg")
    report = summaries["carol"].last_message
    assert report is not None and report.attachment is not None
    assert (report.body, report.attachment.file_name) == ("the numbers", "q3.pdf")


def test_each_preview_belongs_to_its_own_conversation(store: MessageStore) -> None:
    # Interleaved sort keys across conversations: each row gets its own newest message.
    for index in range(30):
        peer = ["ann", "ben", "cat"][index % 3]
        store.messages.insert(_message(peer, f"{peer}-{index}", 1_000 + index))
    summaries = _by_id(store)
    assert {peer: s.last_message.id for peer, s in summaries.items()} == {  # type: ignore[union-attr]
        "ann": "ann-27",
        "ben": "ben-28",
        "cat": "cat-29",
    }
    assert all(s.last_message.conversation_id == peer for peer, s in summaries.items())  # type: ignore[union-attr]


def test_the_list_is_one_statement_using_indexes(store: MessageStore) -> None:
    for index in range(20):
        store.messages.insert(_message(f"peer{index:02d}", "m", 1_000 + index))
    statements: list[str] = []
    store._db.connection.set_trace_callback(statements.append)
    try:
        assert len(store.conversations.list_summaries(include_archived=True)) == 20
        assert len(store.conversations.list_summaries()) == 20
    finally:
        store._db.connection.set_trace_callback(None)
    assert len(statements) == 2  # one each: no query per conversation
    for include_archived in (False, True):
        from chat_desktop.storage.conversations import _list_query

        plan = " | ".join(
            str(row[-1])
            for row in store._db.query_all(
                "EXPLAIN QUERY PLAN " + _list_query(include_archived=include_archived),
                {"limit": 10, "now": 0},
            )
        )
        # The newest message comes from an index seek, never from a scan of the messages.
        assert "SCAN messages" not in plan and "SCAN m " not in plan, plan
        assert "messages_by_position" in plan, plan


def test_flags_survive_reopening_and_report_real_changes(
    store: MessageStore, vault: UnlockedVault
) -> None:
    for peer in ("bob", "carol", "dave"):
        store.conversations.ensure(peer, peer_address=peer)
    assert store.conversations.set_muted("bob", True) is True
    assert store.conversations.set_muted("bob", True) is False  # already muted
    assert store.conversations.set_pinned("carol", True) is True
    assert store.conversations.set_archived("dave", True) is True
    assert store.conversations.set_muted("nobody", True) is False  # no such conversation
    store.close()

    reopened = vault.open_store()
    summaries = _by_id(reopened, include_archived=True)
    flags = {peer: (s.muted, s.pinned, s.archived) for peer, s in summaries.items()}
    assert flags == {
        "bob": (True, False, False),
        "carol": (False, True, False),
        "dave": (False, False, True),
    }
    single = reopened.conversations.get("bob")
    assert single is not None and single.muted and single.last_message is None
    assert reopened.conversations.set_muted("bob", False) is True
    assert reopened.conversations.set_pinned("carol", False) is True
    assert reopened.conversations.set_archived("dave", False) is True
    assert not any(
        c.muted or c.pinned or c.archived for c in reopened.conversations.list_summaries()
    )


def test_an_incoming_message_unarchives_unless_muted(store: MessageStore) -> None:
    for peer in ("bob", "carol"):
        store.messages.insert(_message(peer, "first", 1_000))
        store.conversations.set_archived(peer, True)
    store.conversations.set_muted("carol", True)

    # Our own message (e.g. sent from the archive view) leaves it archived.
    store.messages.insert(_message("bob", "mine", 2_000, incoming=False))
    assert store.conversations.get("bob").archived  # type: ignore[union-attr]
    # A duplicate of a message already stored is not new: still archived.
    assert store.messages.insert(_message("bob", "first", 1_000)) is False
    assert store.conversations.get("bob").archived  # type: ignore[union-attr]

    store.messages.insert(_message("bob", "second", 3_000))
    store.messages.insert(_message("carol", "second", 3_000))
    assert store.conversations.get("bob").archived is False  # type: ignore[union-attr]
    assert store.conversations.get("carol").archived is True  # type: ignore[union-attr]
    assert _ids(store.conversations.list_summaries()) == ["bob"]


def test_unread_total_counts_every_conversation_not_archived(store: MessageStore) -> None:
    assert store.conversations.unread_total() == 0
    for peer, count in (("bob", 2), ("carol", 3), ("dave", 4)):
        for index in range(count):
            store.messages.insert(_message(peer, f"m{index}", 1_000 + index))
    store.messages.insert(_message("bob", "mine", 2_000, incoming=False))  # never unread
    assert store.conversations.unread_total() == 9
    store.conversations.set_muted("carol", True)  # muted still counts
    assert store.conversations.unread_total() == 9
    store.conversations.set_archived("dave", True)
    assert store.conversations.unread_total() == 5
    bob = store.messages.get(MessageKey("bob", "m1"))
    assert bob is not None
    store.messages.mark_read("bob", bob.cursor, read_at=5)
    assert store.conversations.unread_total() == 3


def test_an_older_database_upgrades_with_flags_off(vault: UnlockedVault) -> None:
    before = tuple(m for m in MIGRATIONS if m.version < 4)
    old = vault.open_store(migrations=before)
    old._db.execute(
        "INSERT INTO conversations(id, peer_address, last_activity_at, created_at) "
        "VALUES ('bob', 'bob', 7, 1)"
    )
    old._db.execute(
        "INSERT INTO messages(id, conversation_id, sender, direction, sort_key, kind, body, "
        "status) VALUES ('m1', 'bob', 'bob', 'in', 7, 'text', 'hello', 'delivered')"
    )
    old.close()

    upgraded = vault.open_store()
    (bob,) = upgraded.conversations.list_summaries()
    assert (bob.muted, bob.pinned, bob.archived) == (False, False, False)
    assert bob.last_message is not None and bob.last_message.body == "hello"
    upgraded.conversations.set_archived("bob", True)
    upgraded.messages.insert(_message("bob", "m2", 8))  # the trigger came with the upgrade
    assert upgraded.conversations.get("bob").archived is False  # type: ignore[union-attr]
