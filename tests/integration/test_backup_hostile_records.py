"""A backup sealed with the right passphrase but holding records out of place is refused.

Someone who knows the passphrase (or a bug) can make chunks that authenticate; the restore
still checks the records' order, counts and sizes (docs/protocol.md §12.3). Each crafted file
below is refused with ``BackupDamaged`` and leaves neither the profile nor its staging
folder; the same file with the fault left out restores (so each refusal is that fault's).
Real stores, real files; no relay is needed to restore.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from chat_desktop.crypto.errors import InvalidKey
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.backup_format import BackupDamaged, BackupWriter
from chat_desktop.services.backup_records import (
    Account,
    Appearance,
    Chat,
    End,
    Entry,
    FileData,
    FileInfo,
    Manifest,
    Record,
    Setting,
    frame,
)
from chat_desktop.services.backup_restore import restore_backup_sync, staging_folder
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.integration

PASSPHRASE = "crafted backup passphrase 9"
PASSWORD = "the new profile password 9"

MANIFEST = Manifest(
    version=1, created_at=1, username="alice", device_id=1, conversations=1, messages=2
)


def _seed_with_sign_bit() -> bytes:
    """An Ed25519 seed whose public key has sign bit 1: never an identity (§1)."""
    while True:
        seed = os.urandom(32)
        try:
            IdentityKeyPair.from_seed(seed)
        except InvalidKey:
            return seed


_SIGN_BIT_SEED = _seed_with_sign_bit()

ACCOUNT = Account(
    relay_url="http://127.0.0.1:1",
    identity_seed=IdentityKeyPair.generate().seed,  # a valid one: its sign bit is 0 (§1)
    device_key_seed=os.urandom(32),
    device_key_registered=True,
    key_counters=[],
)
CHAT = Chat(
    id="bob",
    peer_address="bob",
    title=None,
    timer=0,
    pinned=True,
    muted=False,
    archived=False,
    marked_unread=False,
    draft="",
)


def entry(message_id: str, *, stored_size: int | None = None, status: str = "delivered") -> Entry:
    attachment = None
    if stored_size is not None:
        attachment = FileInfo(
            blob_id=None,
            key=None,
            digest=None,
            size=stored_size,
            mime="application/octet-stream",
            file_name="f.bin",
            width=None,
            height=None,
            thumbnail=None,
            local_status="done",
            stored_size=stored_size,
        )
    return Entry(
        id=message_id,
        sender="bob",
        sender_device=1,
        outgoing=False,
        sort_key=1000,
        kind="attachment" if attachment else "text",
        body=None if attachment else "hi",
        status=status,
        sent_at=1000,
        received_at=1001,
        read_at=1002,
        server_ts=None,
        expire_timer=0,
        expires_at=None,
        undecryptable=False,
        deleted=False,
        attachment=attachment,
        quote=None,
        edited_at=None,
        delivered_at=None,
        read_by_peer_at=None,
        edits=[],
        reactions=[],
    )


def good() -> list[Record]:
    return [
        MANIFEST,
        ACCOUNT,
        Setting(key="privacy.read_receipts", value_json="false"),
        Setting(key="own_keys.current_signed_prekey", value_json="7"),
        Appearance(json='{"theme": "dark"}'),
        CHAT,
        entry("m1"),
        entry("m2", stored_size=5),
        FileData(data=b"abc"),
        FileData(data=b"de"),
        End(conversations=1, messages=2, files=1),
    ]


def _without(kind: type, records: list[Record]) -> list[Record]:
    return [record for record in records if not isinstance(record, kind)]


FAULTS: dict[str, Callable[[list[Record]], list[Record]]] = {
    "no manifest": lambda r: r[1:],
    "the account first": lambda r: [r[1], r[0], *r[2:]],
    "no account": lambda r: _without(Account, r),
    "two manifests": lambda r: [r[0], *r],
    "a message before any conversation": lambda r: [*r[:5], r[6], r[5], *r[7:]],
    "a setting after the conversations": lambda r: [*r[:6], r[2], *r[6:]],
    "counts that do not match": lambda r: [*r[:-1], End(conversations=1, messages=3, files=1)],
    "no end": lambda r: r[:-1],
    "a record after the end": lambda r: [*r, Setting(key="late", value_json="1")],
    "file bytes without a message": lambda r: [*r[:7], FileData(data=b"x"), *r[7:]],
    "a file longer than it says": lambda r: [*r[:9], FileData(data=b"def"), *r[10:]],
    "a file cut short": lambda r: [*r[:9], *r[10:]],
    "a message twice": lambda r: [*r[:7], r[6], *r[7:]],
    "a group conversation": lambda r: [
        *r[:5],
        msgspec.structs.replace(CHAT, id="g:" + "ab" * 32),
        *r[6:],
    ],
    "an unknown status": lambda r: [*r[:6], entry("m1", status="teleported"), *r[7:]],
    "a setting that is not JSON": lambda r: [
        *r[:2],
        Setting(key="x", value_json="{nope"),
        *r[3:],
    ],
    "an appearance out of range": lambda r: [*r[:4], Appearance(json='{"theme": 7}'), *r[5:]],
    "an identity seed no device makes": lambda r: [
        r[0],
        msgspec.structs.replace(ACCOUNT, identity_seed=_SIGN_BIT_SEED),
        *r[2:],
    ],
}


def _write(path: Path, records: list[Record]) -> None:
    writer = BackupWriter(path, PASSPHRASE, params=FLOOR_PARAMS)
    for record in records:
        writer.write(frame(record))
    writer.finish()


def test_the_crafted_backup_without_a_fault_restores(tmp_path: Path) -> None:
    _write(tmp_path / "b", good())
    result = restore_backup_sync(
        tmp_path / "b", PASSPHRASE, tmp_path / "profile", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    assert (result.username, result.messages, result.files) == ("alice", 2, 1)
    vault = Vault.unlock(tmp_path / "profile", PASSWORD)
    try:
        store = vault.open_store()
        assert store.settings.get("privacy.read_receipts") is False
        assert store.settings.get("own_keys.current_signed_prekey") is None  # never restored
        message = store.messages.oldest("bob", 10)[1]
        assert message.attachment is not None and message.attachment.local_file_id
        with store.attachments.open(message.attachment.local_file_id) as source:
            assert source.read() == b"abcde"
        conversation = store.conversations.get("bob")
        assert conversation is not None and conversation.pinned
    finally:
        vault.lock()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_records_out_of_place_are_refused_whole(tmp_path: Path, fault: str) -> None:
    _write(tmp_path / "b", FAULTS[fault](good()))
    with pytest.raises(BackupDamaged):
        restore_backup_sync(
            tmp_path / "b", PASSPHRASE, tmp_path / "profile", PASSWORD, kdf_params=FLOOR_PARAMS
        )
    assert not (tmp_path / "profile").exists()
    assert not staging_folder(tmp_path / "profile").exists()
