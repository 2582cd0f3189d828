"""Outbox, contacts, conversations, settings and sealed secret rows."""

from __future__ import annotations

from typing import Any

import pytest

from chat_desktop.storage.models import (
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
    VerifiedState,
)
from chat_desktop.storage.secret_rows import SecretRowCorrupt
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

DAY_S = 24 * 60 * 60


def _outgoing(message_id: str) -> NewMessage:
    return NewMessage(
        id=message_id,
        conversation_id="bob",
        sender="me",
        direction=Direction.OUTGOING,
        sort_key=1,
        kind="text",
        body="hi",
        status=MessageStatus.PENDING,
    )


def test_outbox_keeps_order_and_ack_marks_sent(store: MessageStore) -> None:
    for message_id in ("a", "b", "c"):
        with store.transaction():
            store.messages.insert(_outgoing(message_id))
            store.outbox.enqueue("bob", message_id, "bob", f"payload {message_id}".encode())
    again = store.outbox.enqueue("bob", "a", "bob", b"ignored")
    assert again.payload == b"payload a"
    pending = store.outbox.pending()
    assert [entry.message_id for entry in pending] == ["a", "b", "c"]
    store.outbox.record_attempt(pending[1].seq)
    assert store.outbox.pending()[1].attempts == 1
    assert store.outbox.mark_acked(pending[1].seq, server_ts=555)
    assert not store.outbox.mark_acked(pending[1].seq, server_ts=555)
    assert [entry.message_id for entry in store.outbox.pending()] == ["a", "c"]
    sent = store.messages.get(MessageKey("bob", "b"))
    assert sent is not None
    assert (sent.status, sent.server_ts) == (MessageStatus.SENT, 555)


def test_outbox_fails_after_a_day_and_retry_requeues(store: MessageStore, clock: Any) -> None:
    with store.transaction():
        store.messages.insert(_outgoing("old"))
        store.outbox.enqueue("bob", "old", "bob", b"x")
    clock.advance(DAY_S - 10)
    with store.transaction():
        store.messages.insert(_outgoing("new"))
        store.outbox.enqueue("bob", "new", "bob", b"y")
    clock.advance(20)
    failed = store.outbox.fail_stale()
    assert [entry.message_id for entry in failed] == ["old"]
    assert [entry.message_id for entry in store.outbox.pending()] == ["new"]
    assert [entry.message_id for entry in store.outbox.failed()] == ["old"]
    old = store.messages.get(MessageKey("bob", "old"))
    assert old is not None
    assert old.status is MessageStatus.FAILED
    assert store.outbox.retry("bob", "old") == 1
    assert [entry.message_id for entry in store.outbox.pending()] == ["old", "new"]
    retried = store.messages.get(MessageKey("bob", "old"))
    assert retried is not None
    assert retried.status is MessageStatus.PENDING


def test_identity_key_changes_are_recorded_and_reset_verification(store: MessageStore) -> None:
    first = store.contacts.save_identity_key("bob", b"K1" * 16)
    assert first.key_change is None
    store.contacts.set_verified("bob", True)
    assert store.contacts.save_identity_key("bob", b"K1" * 16).key_change is None
    contact = store.contacts.get("bob")
    assert contact is not None
    assert contact.verified_state is VerifiedState.VERIFIED
    changed = store.contacts.save_identity_key("bob", b"K2" * 16)
    assert changed.key_change is not None
    assert changed.contact.verified_state is VerifiedState.UNVERIFIED
    history = store.contacts.key_changes("bob")
    assert [(c.old_identity_key, c.new_identity_key) for c in history] == [(b"K1" * 16, b"K2" * 16)]
    store.contacts.ensure("bob", display_name="Bob")
    named = store.contacts.get("bob")
    assert named is not None
    assert (named.display_name, named.identity_key) == ("Bob", b"K2" * 16)
    assert [c.address for c in store.contacts.list_all()] == ["bob"]


def test_conversations_timer_title_and_order(store: MessageStore) -> None:
    store.conversations.ensure("bob", peer_address="bob")
    store.conversations.ensure("carol", peer_address="carol", title="Carol")
    store.messages.insert(_outgoing("m1"))
    store.conversations.set_expire_timer("carol", 3600)
    assert [c.id for c in store.conversations.list_recent()] == ["bob", "carol"]
    carol = store.conversations.get("carol")
    assert carol is not None
    assert (carol.expire_timer, carol.title) == (3600, "Carol")
    with pytest.raises(ValueError, match="negative"):
        store.conversations.set_expire_timer("carol", -1)
    store.conversations.delete("bob")
    assert store.messages.count("bob") == 0


def test_settings_round_trip(store: MessageStore) -> None:
    assert store.settings.get("theme", "light") == "light"
    store.settings.set("theme", {"name": "dark", "scale": 1.25})
    assert store.settings.get("theme") == {"name": "dark", "scale": 1.25}
    store.settings.delete("theme")
    assert store.settings.get("theme") is None


def test_secret_rows_round_trip_and_are_sealed(store: MessageStore) -> None:
    store.secrets.put_session("bob", 1, b"ratchet state one")
    store.secrets.put_session("bob", 2, b"ratchet state two")
    store.secrets.put_identity(b"identity seed")
    store.secrets.put_prekey("one_time", 7, b"private seven", b"public seven")
    assert store.secrets.get_session("bob", 1) == b"ratchet state one"
    assert store.secrets.session_devices("bob") == [1, 2]
    assert store.secrets.get_identity() == b"identity seed"
    assert store.secrets.get_prekey("one_time", 7) == b"private seven"
    assert store.secrets.prekey_public("one_time", 7) == b"public seven"
    assert store.secrets.prekey_ids("one_time") == [7]
    raw = store._db.query_value("SELECT sealed_state FROM sessions WHERE device_id = 1")
    assert b"ratchet state" not in raw
    store.secrets.delete_prekey("one_time", 7)
    assert store.secrets.get_prekey("one_time", 7) is None
    store.secrets.delete_session("bob", 2)
    assert store.secrets.get_session("bob", 2) is None


def test_swapped_secret_rows_do_not_open(store: MessageStore) -> None:
    store.secrets.put_session("bob", 1, b"bob's state")
    store.secrets.put_session("mallory", 1, b"mallory's state")
    store._db.execute(
        "UPDATE sessions SET sealed_state = "
        "(SELECT sealed_state FROM sessions WHERE peer = 'mallory') WHERE peer = 'bob'"
    )
    with pytest.raises(SecretRowCorrupt):
        store.secrets.get_session("bob", 1)
    assert store.secrets.get_session("mallory", 1) == b"mallory's state"


def test_key_ids_never_repeat_across_reopen(store: MessageStore, vault: Any) -> None:
    assert store.secrets.allocate_key_ids("one_time", 3) == [1, 2, 3]
    assert store.secrets.allocate_key_ids("signed") == [1]
    store.close()
    reopened = vault.open_store()
    assert reopened.secrets.allocate_key_ids("one_time", 2) == [4, 5]
    assert reopened.secrets.allocate_key_ids("one_time", 0) == []


def test_store_is_usable_from_one_worker_thread_other_than_the_opener(
    store: MessageStore,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def work() -> list[str]:
        with store.transaction():
            store.messages.insert(_outgoing("from-worker"))
            store.outbox.enqueue("bob", "from-worker", "bob", b"bytes")
        return [entry.message_id for entry in store.outbox.pending()]

    with ThreadPoolExecutor(max_workers=1) as worker:
        assert worker.submit(work).result() == ["from-worker"]
    assert store.messages.count("bob") == 1
