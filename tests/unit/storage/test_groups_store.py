"""Groups in a real SQLCipher store: state, sealed sender keys, cascade, bounds, schema v7."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from chat_desktop.crypto.sender_keys import MAX_STORED_MESSAGE_KEYS, OwnSenderKey, ReceivedSenderKey
from chat_desktop.protocol.message_content import GROUP_ID_SIZE, GroupAvatar
from chat_desktop.services.group_state import GroupState, GroupUpdate, HeldGroup
from chat_desktop.services.history_transfer import decode_archive, export_history
from chat_desktop.storage.errors import DatabaseError, NotFound
from chat_desktop.storage.group_ids import (
    GROUP_ID_BYTES,
    GroupValueRefused,
    group_conversation_id,
    group_id_of,
)
from chat_desktop.storage.groups import (
    MAX_HELD_BYTES,
    MAX_SENDER_KEY_BYTES,
    SecretRowCorrupt,
)
from chat_desktop.storage.migrations import MIGRATIONS
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage, StoredGroup
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password
GROUP_A = bytes(range(32))
GROUP_B = bytes(range(100, 132))
CONVERSATION_A = group_conversation_id(GROUP_A)
CONVERSATION_B = group_conversation_id(GROUP_B)


def _group_message(conversation: str, message_id: str, sort_key: int, **fields: Any) -> NewMessage:
    values: dict[str, Any] = {
        "id": message_id,
        "conversation_id": conversation,
        "sender": "alice",
        "sender_device": 1,
        "direction": Direction.INCOMING,
        "sort_key": sort_key,
        "kind": "text",
        "body": f"text of {message_id}",
        "status": MessageStatus.DELIVERED,
    }
    values.update(fields)
    return NewMessage(**values)


def _row_counts(store: MessageStore) -> dict[str, int]:
    tables = (
        "conversations",
        "groups",
        "group_own_sender_keys",
        "group_received_sender_keys",
    )
    return {table: int(store._db.query_value(f"SELECT count(*) FROM {table}")) for table in tables}


def _store_group_with_keys(store: MessageStore, conversation: str, group_id: bytes) -> None:
    store.groups.save(conversation, group_id, b"held state of " + group_id[:4], 3)
    store.groups.set_own_sender_key(conversation, b"own key of " + group_id[:4])
    store.groups.set_received_sender_key(conversation, "bob", 1, b"bob 1 in " + group_id[:4])
    store.groups.set_received_sender_key(conversation, "bob", 2, b"bob 2 in " + group_id[:4])
    store.groups.set_received_sender_key(conversation, "carol", 1, b"carol 1 in " + group_id[:4])


# --- conversation ids --------------------------------------------------------------------------


def test_a_group_conversation_id_is_g_and_the_hex_of_its_id() -> None:
    assert GROUP_ID_BYTES == GROUP_ID_SIZE
    assert group_conversation_id(GROUP_A) == "g:" + GROUP_A.hex()
    assert len(CONVERSATION_A) == 2 + 64
    assert group_id_of(CONVERSATION_A) == GROUP_A
    assert group_id_of("bob") is None  # a 1:1 conversation


@pytest.mark.parametrize(
    "conversation_id",
    [
        "",
        "g:",
        "g:" + GROUP_A.hex().upper(),
        "G:" + GROUP_A.hex(),
        "g:" + GROUP_A.hex()[:-1],
        "g:" + GROUP_A.hex() + "0",
        "g:" + GROUP_A.hex() + "\n",
        " g:" + GROUP_A.hex(),
        "g:" + GROUP_A.hex()[:-1] + "g",
        "g" + GROUP_A.hex(),
        "h:" + GROUP_A.hex(),
    ],
)
def test_a_malformed_group_conversation_id_names_no_group(conversation_id: str) -> None:
    assert group_id_of(conversation_id) is None


@pytest.mark.parametrize("group_id", [b"", bytes(31), bytes(33), bytearray(32), "0" * 32])
def test_a_group_id_of_another_length_or_type_has_no_conversation(group_id: Any) -> None:
    with pytest.raises(GroupValueRefused):
        group_conversation_id(group_id)


# --- round trip --------------------------------------------------------------------------------


def test_a_group_and_its_keys_survive_closing_and_unlocking_again(
    created_vault: tuple[UnlockedVault, str], profile_dir: Path
) -> None:
    vault = created_vault[0]
    store = vault.open_store(clock=lambda: 1_000)
    saved = store.groups.save(CONVERSATION_A, GROUP_A, b"held state one", 1)
    assert saved == StoredGroup(CONVERSATION_A, GROUP_A, b"held state one", 1, 1_000)
    store.groups.save(CONVERSATION_A, GROUP_A, b"held state two", 2)  # replaces
    store.groups.set_own_sender_key(CONVERSATION_A, b"own key one")
    store.groups.set_own_sender_key(CONVERSATION_A, b"own key two")  # a rotation replaces it
    store.groups.set_received_sender_key(CONVERSATION_A, "bob", 1, b"bob's first device")
    store.groups.set_received_sender_key(CONVERSATION_A, "bob", 2, b"bob's second device")
    store.groups.save(CONVERSATION_B, GROUP_B, b"another group", 7)
    raw = b"".join(
        bytes(row[0])
        for row in store._db.query_all(
            "SELECT sealed_key FROM group_own_sender_keys "
            "UNION ALL SELECT sealed_key FROM group_received_sender_keys"
        )
    )
    assert b"own key" not in raw and b"device" not in raw  # sealed even inside SQLCipher
    store.close()
    vault.lock()

    reopened = Vault.unlock(profile_dir, PASSWORD).open_store()
    expected = StoredGroup(CONVERSATION_A, GROUP_A, b"held state two", 2, 1_000)
    assert reopened.groups.get(CONVERSATION_A) == expected
    assert reopened.groups.by_group_id(GROUP_A) == expected
    assert [group.conversation_id for group in reopened.groups.list()] == sorted(
        [CONVERSATION_A, CONVERSATION_B]
    )
    assert reopened.groups.own_sender_key(CONVERSATION_A) == b"own key two"
    assert reopened.groups.received_sender_key(CONVERSATION_A, "bob", 1) == b"bob's first device"
    assert reopened.groups.received_sender_key(CONVERSATION_A, "bob", 2) == b"bob's second device"
    assert reopened.groups.received_sender_key(CONVERSATION_A, "bob", 3) is None
    assert reopened.groups.own_sender_key(CONVERSATION_B) is None
    assert reopened.groups.get("bob") is None
    assert reopened.groups.by_group_id(bytes(32)) is None
    conversation = reopened.conversations.get(CONVERSATION_A)
    assert conversation is not None and conversation.peer_address is None
    reopened.close()


def test_the_largest_sender_key_and_group_state_fit_their_bounds(store: MessageStore) -> None:
    sender = OwnSenderKey.generate()
    receiver = ReceivedSenderKey(sender.distribution())
    for _ in range(MAX_STORED_MESSAGE_KEYS + 1):
        sender.encrypt(b"missed")
    receiver.decrypt(sender.encrypt(b"arrived"))  # every earlier iteration's key is stored
    assert receiver.stored_message_key_count == MAX_STORED_MESSAGE_KEYS
    state = receiver.to_bytes()
    assert 64 * 1024 < len(state) <= MAX_SENDER_KEY_BYTES
    names = tuple(f"{index:03d}" + "x" * 29 for index in range(256))
    largest = GroupState(
        group_id=GROUP_A,
        revision=2**53,
        title="\U0001f600" * 128,
        members=names,
        admins=names,
        timer_seconds=2**31,
        avatar=GroupAvatar(blob_id="a" * 32, key=bytes(64), digest=bytes(32), size=2**20),
    )
    held = msgspec.msgpack.encode(
        HeldGroup(
            update=GroupUpdate(state=largest, sender="y" * 32, content_id="c" * 36),
            base=largest,
        )
    )
    assert len(held) <= MAX_HELD_BYTES

    store.groups.save(CONVERSATION_A, GROUP_A, held, 2**53)
    store.groups.set_received_sender_key(CONVERSATION_A, "bob", 1, state)
    stored = store.groups.received_sender_key(CONVERSATION_A, "bob", 1)
    assert stored is not None
    assert ReceivedSenderKey.from_bytes(stored).stored_message_key_count == MAX_STORED_MESSAGE_KEYS
    assert store.groups.get(CONVERSATION_A).held == held  # type: ignore[union-attr]


def test_a_removed_members_keys_or_all_keys_are_dropped(store: MessageStore) -> None:
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    _store_group_with_keys(store, CONVERSATION_B, GROUP_B)
    assert store.groups.drop_received_sender_keys(CONVERSATION_A, "bob") == 2
    assert store.groups.received_sender_key(CONVERSATION_A, "bob", 1) is None
    assert (
        store.groups.received_sender_key(CONVERSATION_A, "carol", 1)
        == b"carol 1 in " + (GROUP_A[:4])
    )
    assert store.groups.received_sender_key(CONVERSATION_B, "bob", 1) is not None
    assert store.groups.drop_received_sender_keys(CONVERSATION_A) == 1
    assert store.groups.drop_received_sender_keys(CONVERSATION_A) == 0
    assert store.groups.own_sender_key(CONVERSATION_A) is not None  # ours stays
    assert store.groups.received_sender_key(CONVERSATION_B, "carol", 1) is not None


# --- sealing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "read"),
    [
        (  # another device of the same member
            "SELECT sealed_key FROM group_received_sender_keys WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 2",
            "UPDATE group_received_sender_keys SET sealed_key = :blob WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 1",
            lambda store: store.groups.received_sender_key(CONVERSATION_A, "bob", 1),
        ),
        (  # another member
            "SELECT sealed_key FROM group_received_sender_keys WHERE conversation_id = :a "
            "AND sender = 'carol'",
            "UPDATE group_received_sender_keys SET sealed_key = :blob WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 1",
            lambda store: store.groups.received_sender_key(CONVERSATION_A, "bob", 1),
        ),
        (  # the same member and device in another group
            "SELECT sealed_key FROM group_received_sender_keys WHERE conversation_id = :b "
            "AND sender = 'bob' AND device_id = 1",
            "UPDATE group_received_sender_keys SET sealed_key = :blob WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 1",
            lambda store: store.groups.received_sender_key(CONVERSATION_A, "bob", 1),
        ),
        (  # our own key of another group
            "SELECT sealed_key FROM group_own_sender_keys WHERE conversation_id = :b",
            "UPDATE group_own_sender_keys SET sealed_key = :blob WHERE conversation_id = :a",
            lambda store: store.groups.own_sender_key(CONVERSATION_A),
        ),
        (  # a member's key as our own
            "SELECT sealed_key FROM group_received_sender_keys WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 1",
            "UPDATE group_own_sender_keys SET sealed_key = :blob WHERE conversation_id = :a",
            lambda store: store.groups.own_sender_key(CONVERSATION_A),
        ),
        (  # a ratchet session's sealed state
            "SELECT sealed_state FROM sessions WHERE peer = 'bob' AND device_id = 1",
            "UPDATE group_received_sender_keys SET sealed_key = :blob WHERE conversation_id = :a "
            "AND sender = 'bob' AND device_id = 1",
            lambda store: store.groups.received_sender_key(CONVERSATION_A, "bob", 1),
        ),
    ],
    ids=["device", "member", "group", "own-of-other-group", "received-as-own", "session"],
)
def test_a_sealed_key_copied_into_another_row_does_not_open(
    store: MessageStore, source: str, target: str, read: Any
) -> None:
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    _store_group_with_keys(store, CONVERSATION_B, GROUP_B)
    store.secrets.put_session("bob", 1, b"a ratchet session")
    names = {"a": CONVERSATION_A, "b": CONVERSATION_B}
    blob = store._db.query_value(source, names)
    assert blob is not None
    assert store._db.execute(target, {**names, "blob": blob}).rowcount == 1
    with pytest.raises(SecretRowCorrupt):
        read(store)


def test_a_damaged_sealed_key_does_not_open(store: MessageStore) -> None:
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    store._db.execute("UPDATE group_own_sender_keys SET sealed_key = x'00'")
    with pytest.raises(SecretRowCorrupt):
        store.groups.own_sender_key(CONVERSATION_A)


# --- deleting ----------------------------------------------------------------------------------


def test_deleting_the_conversation_removes_the_group_and_every_key(store: MessageStore) -> None:
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    _store_group_with_keys(store, CONVERSATION_B, GROUP_B)
    store.messages.insert(_group_message(CONVERSATION_A, "m1", 10))
    store.drafts.set(CONVERSATION_A, "unsent")
    before = _row_counts(store)

    store.conversations.delete(CONVERSATION_A)

    assert store.groups.get(CONVERSATION_A) is None
    assert store.groups.by_group_id(GROUP_A) is None
    assert store.groups.own_sender_key(CONVERSATION_A) is None
    assert store.groups.received_sender_key(CONVERSATION_A, "bob", 1) is None
    assert store.drafts.get(CONVERSATION_A) == ""
    assert _row_counts(store) == {
        "conversations": before["conversations"] - 1,
        "groups": 1,
        "group_own_sender_keys": 1,
        "group_received_sender_keys": 3,
    }
    assert [group.group_id for group in store.groups.list()] == [GROUP_B]
    assert store.groups.own_sender_key(CONVERSATION_B) == b"own key of " + GROUP_B[:4]


# --- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conversation_id", "group_id", "held", "revision"),
    [
        (CONVERSATION_A, GROUP_A[:31], b"held", 1),
        (CONVERSATION_A, GROUP_A + b"\x00", b"held", 1),
        (CONVERSATION_A, GROUP_B, b"held", 1),  # the id of another group
        ("bob", GROUP_A, b"held", 1),
        (CONVERSATION_A.upper(), GROUP_A, b"held", 1),
        (CONVERSATION_A, GROUP_A, b"", 1),
        (CONVERSATION_A, GROUP_A, bytes(MAX_HELD_BYTES + 1), 1),
        (CONVERSATION_A, GROUP_A, "held", 1),
        (CONVERSATION_A, GROUP_A, b"held", 0),
        (CONVERSATION_A, GROUP_A, b"held", -1),
        (CONVERSATION_A, GROUP_A, b"held", 2**63),
        (CONVERSATION_A, GROUP_A, b"held", True),
    ],
    ids=[
        "id-short",
        "id-long",
        "id-of-another-group",
        "one-to-one-id",
        "uppercase-id",
        "held-empty",
        "held-too-large",
        "held-not-bytes",
        "revision-0",
        "revision-negative",
        "revision-too-high",
        "revision-bool",
    ],
)
def test_a_group_beyond_its_bounds_is_refused_and_nothing_written(
    store: MessageStore, conversation_id: str, group_id: bytes, held: bytes, revision: int
) -> None:
    store.groups.save(CONVERSATION_B, GROUP_B, b"kept", 1)
    before = _row_counts(store)
    with pytest.raises(GroupValueRefused):
        store.groups.save(conversation_id, group_id, held, revision)
    assert _row_counts(store) == before
    assert store.groups.get(CONVERSATION_B) == store.groups.by_group_id(GROUP_B)
    assert store.groups.get(CONVERSATION_B).held == b"kept"  # type: ignore[union-attr]


def test_the_largest_group_state_is_kept(store: MessageStore) -> None:
    store.groups.save(CONVERSATION_A, GROUP_A, bytes(MAX_HELD_BYTES), 2**63 - 1)
    assert store.groups.get(CONVERSATION_A).held == bytes(MAX_HELD_BYTES)  # type: ignore[union-attr]


@pytest.mark.parametrize("key", [b"", bytes(MAX_SENDER_KEY_BYTES + 1), "a key"])
def test_a_sender_key_beyond_its_bounds_is_refused_and_nothing_written(
    store: MessageStore, key: Any
) -> None:
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    before = _row_counts(store)
    with pytest.raises(GroupValueRefused):
        store.groups.set_own_sender_key(CONVERSATION_A, key)
    with pytest.raises(GroupValueRefused):
        store.groups.set_received_sender_key(CONVERSATION_A, "bob", 1, key)
    assert _row_counts(store) == before
    assert store.groups.own_sender_key(CONVERSATION_A) == b"own key of " + GROUP_A[:4]
    assert (
        store.groups.received_sender_key(CONVERSATION_A, "bob", 1) == b"bob 1 in " + (GROUP_A[:4])
    )
    store.groups.set_own_sender_key(CONVERSATION_A, bytes(MAX_SENDER_KEY_BYTES))  # the bound itself
    assert store.groups.own_sender_key(CONVERSATION_A) == bytes(MAX_SENDER_KEY_BYTES)


def test_a_sender_key_of_a_group_not_held_is_refused_and_nothing_written(
    store: MessageStore,
) -> None:
    store.conversations.ensure(CONVERSATION_A)  # the conversation alone is not a group
    before = _row_counts(store)
    with pytest.raises(NotFound):
        store.groups.set_own_sender_key(CONVERSATION_A, b"own key")
    with pytest.raises(NotFound):
        store.groups.set_received_sender_key(CONVERSATION_A, "bob", 1, b"bob's key")
    with pytest.raises(NotFound):
        store.groups.set_own_sender_key("bob", b"own key")
    assert _row_counts(store) == before


# --- the conversation list and schema v7 -------------------------------------------------------


def test_the_conversation_list_shows_a_group_conversation(store: MessageStore) -> None:
    store.messages.insert(
        NewMessage(
            id="b1",
            conversation_id="bob",
            sender="bob",
            direction=Direction.INCOMING,
            sort_key=5,
            kind="text",
            body="hello from bob",
            status=MessageStatus.DELIVERED,
        )
    )
    store.groups.save(CONVERSATION_A, GROUP_A, b"held", 1)
    store.conversations.set_title(CONVERSATION_A, "Climbing")
    store.messages.insert(_group_message(CONVERSATION_A, "g1", 10, body="ropes on saturday"))
    store.groups.save(CONVERSATION_B, GROUP_B, b"held", 1)  # a group without messages yet

    listed = {
        conversation.id: conversation for conversation in store.conversations.list_summaries()
    }
    assert list(listed) == [CONVERSATION_A, "bob", CONVERSATION_B]
    group = listed[CONVERSATION_A]
    assert (group.peer_address, group.title, group.unread_count) == (None, "Climbing", 1)
    assert group.last_message is not None
    assert (group.last_message.sender, group.last_message.body) == ("alice", "ropes on saturday")
    assert listed[CONVERSATION_B].last_message is None
    assert store.conversations.unread_total() == 2
    assert [m.id for m in store.search("saturday")] == ["g1"]


def test_a_version_6_profile_migrates_to_version_7_keeping_its_messages(
    vault: UnlockedVault,
) -> None:
    before = tuple(migration for migration in MIGRATIONS if migration.version <= 6)
    old = vault.open_store(migrations=before)
    assert old._db.query_value("PRAGMA user_version") == 6
    # Written as a version 6 app wrote it (today's insert names later columns).
    old._db.execute(
        "INSERT INTO conversations(id, peer_address, last_activity_at, created_at) "
        "VALUES ('bob', 'bob', 7, 7)"
    )
    old._db.execute(
        "INSERT INTO messages(id, conversation_id, sender, direction, sort_key, kind, body, "
        "status) VALUES ('m1', 'bob', 'bob', 'in', 7, 'text', 'hello', 'delivered')"
    )
    old.drafts.set("bob", "a reply")
    old.close()

    upgraded = vault.open_store()
    assert upgraded._db.query_value("PRAGMA user_version") == MIGRATIONS[-1].version
    (bob,) = upgraded.conversations.list_summaries()
    assert bob.last_message is not None and bob.last_message.body == "hello"
    assert upgraded.drafts.get("bob") == "a reply"
    assert upgraded.groups.list() == []
    upgraded.groups.save(CONVERSATION_A, GROUP_A, b"held", 1)
    upgraded.groups.set_own_sender_key(CONVERSATION_A, b"own key")
    assert upgraded.groups.own_sender_key(CONVERSATION_A) == b"own key"


def test_the_schema_refuses_a_group_row_at_odds_with_its_id(store: MessageStore) -> None:
    store.conversations.ensure("bob")
    before = _row_counts(store)
    with pytest.raises(DatabaseError, match="CHECK constraint failed"):
        store._db.execute(
            "INSERT INTO groups(conversation_id, group_id, held, revision, updated_at) "
            "VALUES ('bob', ?, x'00', 1, 0)",
            (GROUP_A,),
        )
    assert _row_counts(store) == before


def test_a_restored_snapshot_forgets_our_own_sender_keys_only(vault: UnlockedVault) -> None:
    """A restored own sender key would rewind its chain and reuse message keys and IVs: the
    restore drops it (the engine makes and distributes a new one); what others sent us stays."""
    store = vault.open_store(clock=lambda: 1_000)
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    snapshot = store.take_snapshot()
    store.close()
    vault.restore_snapshot(snapshot)
    restored = vault.open_store(clock=lambda: 2_000)
    try:
        assert restored.groups.own_sender_key(CONVERSATION_A) is None
        assert (
            restored.groups.received_sender_key(CONVERSATION_A, "bob", 2)
            == b"bob 2 in " + (GROUP_A[:4])
        )
        group = restored.groups.get(CONVERSATION_A)
        assert group is not None and group.revision == 3
    finally:
        restored.close()


def test_a_history_archive_made_with_a_group_present_still_decodes(store: MessageStore) -> None:
    """The history transfer to a new device must not be voided by a group conversation: until
    groups have their own archive entry they are left out, and every 1:1 chat goes."""
    store.conversations.ensure("bob", peer_address="bob")
    bobs = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"  # message ids on the wire are UUIDs
    store.messages.insert(_group_message("bob", bobs, 1, sender="bob"))
    _store_group_with_keys(store, CONVERSATION_A, GROUP_A)
    store.messages.insert(_group_message(CONVERSATION_A, "0190f5a4-7c3e-7b2a-9f00-0123456789ac", 2))
    archive = decode_archive(export_history(store))
    assert [conversation.peer for conversation in archive.conversations] == ["bob"]
