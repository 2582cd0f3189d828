"""The send log's rows: kept per device and key, gone after 24 h, on delivery and on delete."""

from __future__ import annotations

import pytest

from chat_desktop.storage.models import Direction, MessageKey, MessageStatus, NewMessage
from chat_desktop.storage.send_log import KEEP_MS
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

PEER = "bob"
MESSAGE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
RESEND = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"
KEY = b"k" * 32


def ours(store: MessageStore, clock_ms: int) -> None:
    store.conversations.ensure(PEER, peer_address=PEER)
    store.messages.insert(
        NewMessage(
            id=MESSAGE,
            conversation_id=PEER,
            sender="alice",
            direction=Direction.OUTGOING,
            sort_key=clock_ms,
            kind="text",
            body="hello",
            status=MessageStatus.SENT,
            sent_at=clock_ms,
        )
    )
    store.send_log.record(PEER, MESSAGE, [1, 2], KEY)


def test_rows_older_than_24_hours_are_purged(store: MessageStore, clock) -> None:  # type: ignore[no-untyped-def]
    ours(store, clock.millis())
    clock.advance(KEEP_MS / 1000 - 1)
    assert [entry.device_id for entry in store.send_log.entries(PEER, MESSAGE)] == [1, 2]
    clock.advance(1)
    assert store.send_log.entries(PEER, MESSAGE) == []  # never honoured from now on
    store.delete_expired()
    assert store.send_log.purge() == 0  # the expiry pass removed them already


def test_a_receipt_drops_only_that_devices_row_and_its_queued_resend(
    store: MessageStore, clock
) -> None:  # type: ignore[no-untyped-def]
    ours(store, clock.millis())
    entry = store.send_log.entry(PEER, MESSAGE, 1)
    assert entry is not None and entry.identity_key == KEY
    store.outbox.enqueue(PEER, RESEND, PEER, b"resend")
    store.send_log.note_resend(entry, RESEND)
    assert store.send_log.forget_delivered(PEER, [MESSAGE], 1) == 1
    assert [entry.device_id for entry in store.send_log.entries(PEER, MESSAGE)] == [2]
    assert store.outbox.pending() == []


def test_a_delete_for_everyone_forgets_the_rows_and_cancels_queued_resends(
    store: MessageStore, clock
) -> None:  # type: ignore[no-untyped-def]
    ours(store, clock.millis())
    entry = store.send_log.entry(PEER, MESSAGE, 2)
    assert entry is not None
    store.outbox.enqueue(PEER, RESEND, PEER, b"resend")
    store.send_log.note_resend(entry, RESEND)
    assert store.messages.tombstone(MessageKey(PEER, MESSAGE)) is not None
    assert store.send_log.entries(PEER, MESSAGE) == []
    assert store.outbox.pending() == []


def test_the_first_key_and_the_resend_count_stay(store: MessageStore, clock) -> None:  # type: ignore[no-untyped-def]
    ours(store, clock.millis())
    entry = store.send_log.entry(PEER, MESSAGE, 1)
    assert entry is not None
    store.send_log.note_resend(entry, RESEND)
    store.send_log.record(PEER, MESSAGE, [1], b"x" * 32)
    again = store.send_log.entry(PEER, MESSAGE, 1)
    assert again is not None and again.identity_key == KEY and again.resend_count == 1
