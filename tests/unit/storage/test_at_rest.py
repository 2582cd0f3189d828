"""Acceptance 1: nothing readable at rest (database, WAL, snapshots, attachments)."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chat_desktop.storage.attachment_files import CHUNK_BYTES
from chat_desktop.storage.errors import AttachmentCorrupt
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault

pytestmark = pytest.mark.unit

CANARY = "zebra-canary-7f3a91"


def _files_containing(root: Path, needle: bytes) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    ]


def test_database_is_not_plain_sqlite(store: MessageStore, profile_dir: Path) -> None:
    store.settings.set("x", 1)
    database = ProfilePaths(profile_dir).database
    assert not database.read_bytes().startswith(b"SQLite format 3")
    plain = sqlite3.connect(database)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            plain.execute("SELECT * FROM sqlite_master").fetchall()
    finally:
        plain.close()


def test_canary_is_in_no_file_of_the_profile(
    vault: UnlockedVault, profile_dir: Path, clock: Any
) -> None:
    store = vault.open_store(clock=clock.millis)
    canary = CANARY.encode()
    with store.transaction():
        for index in range(300):
            store.messages.insert(
                NewMessage(
                    id=f"m{index}",
                    conversation_id="bob",
                    sender="bob",
                    direction=Direction.INCOMING,
                    sort_key=index,
                    kind="text",
                    body=f"{CANARY} number {index}",
                    status=MessageStatus.DELIVERED,
                )
            )
    store.contacts.ensure("bob", display_name=CANARY)
    store.secrets.put_session("bob", 1, canary * 4)
    store.attachments.write(io.BytesIO(canary * 50_000))
    store.attachments.write(io.BytesIO(canary))
    store.take_snapshot()
    # While open, the WAL and SHM hold the latest pages.
    wal = Path(f"{ProfilePaths(profile_dir).database}-wal")
    assert wal.exists()
    assert wal.stat().st_size > 0
    assert _files_containing(profile_dir, canary) == []
    assert [message.id for message in store.search("canary", limit=1)] == ["m299"]
    vault.lock()
    assert _files_containing(profile_dir, canary) == []
    names = {path.name for path in profile_dir.rglob("*") if path.is_file()}
    assert "vault.json" in names
    # Only the explicit one: opening no longer takes a snapshot (housekeeping does).
    assert len(list(ProfilePaths(profile_dir).snapshots.iterdir())) == 1


def _write(store: MessageStore, data: bytes) -> tuple[str, Path]:
    stored = store.attachments.write(io.BytesIO(data))
    return stored.file_id, store.attachments.path_of(stored.file_id)


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, 3 * CHUNK_BYTES + 5])
def test_attachment_round_trip_at_every_chunk_boundary(store: MessageStore, size: int) -> None:
    data = os.urandom(size)
    file_id, path = _write(store, data)
    assert store.attachments.open(file_id).read() == data
    assert store.attachments.size_of(file_id) == size
    assert path.stat().st_mode & 0o077 == 0


Damage = Callable[[bytes], bytes]


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-1],  # truncated inside the last chunk
        lambda blob: blob[: 9 + CHUNK_BYTES + 16],  # truncated at a chunk boundary
        lambda blob: blob[:100] + bytes([blob[100] ^ 1]) + blob[101:],  # a flipped bit
        lambda blob: blob[:9] + blob[9 + CHUNK_BYTES + 16 :][: CHUNK_BYTES + 16] + blob[9:],
    ],
)
def test_altered_attachment_files_are_rejected(store: MessageStore, damage: Damage) -> None:
    file_id, path = _write(store, os.urandom(2 * CHUNK_BYTES + 100))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(AttachmentCorrupt):
        store.attachments.open(file_id).read()


def test_attachment_file_moved_to_another_id_is_rejected(store: MessageStore) -> None:
    first_id, first_path = _write(store, b"first file")
    second_id, second_path = _write(store, b"second file")
    second_path.write_bytes(first_path.read_bytes())
    with pytest.raises(AttachmentCorrupt):
        store.attachments.open(second_id).read()
    assert store.attachments.open(first_id).read() == b"first file"
