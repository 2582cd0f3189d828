"""Schema v8 in a real SQLCipher store: who holds our sender key, updates kept aside."""

from __future__ import annotations

import pytest

from chat_desktop.storage.errors import NotFound
from chat_desktop.storage.group_ids import GroupValueRefused, group_conversation_id
from chat_desktop.storage.migrations.v008_group_delivery import (
    MAX_DEFERRED_UPDATE_BYTES,
    MAX_DEFERRED_UPDATES_PER_GROUP,
)
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

GROUP = bytes(range(32))
CONVERSATION = group_conversation_id(GROUP)
OTHER = group_conversation_id(bytes(range(1, 33)))


def test_key_holders_are_kept_per_key_id_and_go_with_a_rotation(store: MessageStore) -> None:
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    store.groups.set_own_sender_key(CONVERSATION, b"own key")
    store.groups.add_key_holders(CONVERSATION, 7, [("bob", 1), ("bob", 2), ("carol", 1)])
    assert store.groups.key_holders(CONVERSATION, 7) == {("bob", 1), ("bob", 2), ("carol", 1)}
    assert store.groups.key_holders(CONVERSATION, 8) == set()
    # Handing a new key to a device records it under the new id only.
    store.groups.add_key_holders(CONVERSATION, 8, [("bob", 1)])
    assert store.groups.key_holders(CONVERSATION, 7) == {("bob", 2), ("carol", 1)}
    assert store.groups.key_holders(CONVERSATION, 8) == {("bob", 1)}
    store.groups.drop_own_sender_key(CONVERSATION)
    assert store.groups.own_sender_key(CONVERSATION) is None
    assert store.groups.key_holders(CONVERSATION, 7) == set()
    assert store.groups.key_holders(CONVERSATION, 8) == set()


@pytest.mark.parametrize("key_id", [-1, 2**32, True])
def test_a_key_id_that_is_no_u32_is_refused(store: MessageStore, key_id: int) -> None:
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    with pytest.raises(GroupValueRefused):
        store.groups.add_key_holders(CONVERSATION, key_id, [("bob", 1)])
    assert store.groups.key_holders(CONVERSATION, 0) == set()


def test_updates_kept_aside_are_bounded_per_group_keeping_the_highest(
    store: MessageStore,
) -> None:
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    store.groups.save(OTHER, bytes(range(1, 33)), b"held", 1)
    store.groups.defer_update(OTHER, "bob", "other", 2, b"x")
    for revision in range(2, 2 + MAX_DEFERRED_UPDATES_PER_GROUP + 4):
        store.groups.defer_update(CONVERSATION, "bob", f"id{revision}", revision, b"u")
    kept = store.groups.deferred_updates(CONVERSATION)
    assert len(kept) == MAX_DEFERRED_UPDATES_PER_GROUP
    # The lowest revisions went first; what is left comes by revision.
    assert [content_id for _, content_id, _ in kept] == [
        f"id{revision}" for revision in range(6, 6 + MAX_DEFERRED_UPDATES_PER_GROUP)
    ]
    assert store.groups.deferred_updates(OTHER) == [("bob", "other", b"x")]
    # The same update again is kept once.
    store.groups.defer_update(OTHER, "bob", "other", 2, b"x")
    assert len(store.groups.deferred_updates(OTHER)) == 1
    store.groups.drop_deferred_update(OTHER, "bob", "other")
    assert store.groups.deferred_updates(OTHER) == []


def test_an_update_kept_aside_out_of_bounds_or_of_no_group_is_refused(
    store: MessageStore,
) -> None:
    with pytest.raises(NotFound):
        store.groups.defer_update(CONVERSATION, "bob", "id", 2, b"u")
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    for content, revision in ((b"", 2), (b"u" * (MAX_DEFERRED_UPDATE_BYTES + 1), 2), (b"u", 0)):
        with pytest.raises(GroupValueRefused):
            store.groups.defer_update(CONVERSATION, "bob", "id", revision, content)
    assert store.groups.deferred_updates(CONVERSATION) == []


def test_deleting_the_group_conversation_deletes_holders_and_kept_updates(
    store: MessageStore,
) -> None:
    store.groups.save(CONVERSATION, GROUP, b"held", 1)
    store.groups.add_key_holders(CONVERSATION, 7, [("bob", 1)])
    store.groups.defer_update(CONVERSATION, "bob", "id", 2, b"u")
    store.conversations.delete(CONVERSATION)
    assert store.groups.key_holders(CONVERSATION, 7) == set()
    assert store.groups.deferred_updates(CONVERSATION) == []
