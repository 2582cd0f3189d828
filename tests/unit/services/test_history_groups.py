"""Groups in the link-time history archive: carried whole, checked on import, and an archive
made before groups still reads (real SQLCipher stores on both sides)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.group_state import GroupState, GroupUpdate, HeldGroup
from chat_desktop.services.groups_held import encode_held, load_held, save_held
from chat_desktop.services.history_transfer import (
    ARCHIVE_VERSION,
    ArchiveRejected,
    HistoryArchive,
    count_messages,
    decode_archive,
    export_history,
    import_history,
)
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.migrations.v007_groups import MAX_HELD_BYTES
from chat_desktop.storage.models import Direction, NewMessage
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.unit

GROUP = bytes(range(32))
CONVERSATION = group_conversation_id(GROUP)


def _store(root: Path) -> Iterator[MessageStore]:
    vault, _recovery = Vault.create(root, "correct horse battery staple", kdf_params=FLOOR_PARAMS)
    yield vault.open_store()
    vault.lock()


@pytest.fixture
def old(tmp_path: Path) -> Iterator[MessageStore]:
    yield from _store(tmp_path / "old")


@pytest.fixture
def new(tmp_path: Path) -> Iterator[MessageStore]:
    yield from _store(tmp_path / "new")


def held(group_id: bytes = GROUP, revision: int = 3) -> HeldGroup:
    state = GroupState(
        group_id=group_id,
        revision=revision,
        title="Climbing",
        members=("alice", "bob", "carol"),
        admins=("alice",),
    )
    return HeldGroup(update=GroupUpdate(state=state, sender="alice", content_id="c"))


def fill(store: MessageStore) -> None:
    with store.transaction():
        save_held(store, held())
        for index, (sender, direction) in enumerate(
            [
                ("alice", Direction.OUTGOING),
                ("bob", Direction.INCOMING),
                ("carol", Direction.INCOMING),
            ]
        ):
            store.messages.insert(
                NewMessage(
                    id=f"0190c8a0-0000-7000-8000-00000000000{index}",
                    conversation_id=CONVERSATION,
                    sender=sender,
                    direction=direction,
                    sort_key=1_700_000_000_000 + index,
                    kind="text",
                    body=f"{sender} says {index}",
                    sent_at=1_700_000_000_000 + index,
                )
            )
        store.conversations.set_muted(CONVERSATION, True)


def texts(store: MessageStore) -> list[tuple[str, str | None, Direction]]:
    return [(m.sender, m.body, m.direction) for m in store.messages.oldest(CONVERSATION, 100)]


def test_a_group_goes_across_with_its_state_flags_and_senders(
    old: MessageStore, new: MessageStore
) -> None:
    fill(old)
    archive = decode_archive(export_history(old))
    assert archive.conversations == []  # no "g:" id where a username belongs
    assert count_messages(archive) == 3
    import_history(new, "alice", archive)
    got = load_held(new, CONVERSATION)
    assert got is not None and got.state == held().state
    assert new.groups.own_sender_key(CONVERSATION) is None  # no key travels
    assert texts(new) == texts(old)
    conversation = new.conversations.get(CONVERSATION)
    assert conversation is not None and conversation.muted
    # Again: nothing twice, and a group already held here is kept as it is.
    import_history(new, "alice", archive)
    assert texts(new) == texts(old)


def test_a_newer_state_already_here_is_kept(old: MessageStore, new: MessageStore) -> None:
    fill(old)
    with new.transaction():
        save_held(new, held(revision=7))
    import_history(new, "alice", decode_archive(export_history(old)))
    got = load_held(new, CONVERSATION)
    assert got is not None and got.state.revision == 7


def _with_group(old: MessageStore, group_id: bytes, held_bytes: bytes) -> HistoryArchive:
    fill(old)
    archive = decode_archive(export_history(old))
    (group,) = archive.groups
    changed = msgspec.structs.replace(group, group_id=group_id, held=held_bytes)
    return msgspec.structs.replace(archive, groups=[changed])


@pytest.mark.parametrize("case", ["another group's state", "not a state", "a state out of bounds"])
def test_a_group_whose_state_does_not_check_out_is_skipped_whole(
    old: MessageStore, new: MessageStore, case: str
) -> None:
    other = bytes(range(1, 33))
    if case == "another group's state":
        archive = _with_group(old, other, encode_held(held()))
    elif case == "not a state":
        archive = _with_group(old, GROUP, b"\x93garbage")
    else:
        state = msgspec.structs.replace(held().update.state, members=("bob",) * 300)
        bad = HeldGroup(update=GroupUpdate(state=state, sender="alice", content_id="c"))
        archive = _with_group(old, GROUP, encode_held(bad))
    data = msgspec.msgpack.encode(archive)
    import_history(new, "alice", decode_archive(data))
    for conversation_id in (CONVERSATION, group_conversation_id(other)):
        assert new.groups.get(conversation_id) is None
        assert new.messages.oldest(conversation_id, 10) == []


def test_an_archive_made_before_groups_still_reads() -> None:
    data = msgspec.msgpack.encode([ARCHIVE_VERSION, []])
    archive = decode_archive(data)
    assert archive.groups == []


def test_a_state_over_its_bound_voids_the_archive(old: MessageStore) -> None:
    archive = _with_group(old, GROUP, b"x" * (MAX_HELD_BYTES + 1))
    with pytest.raises(ArchiveRejected):
        decode_archive(msgspec.msgpack.encode(archive))
