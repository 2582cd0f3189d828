"""Storage hardening: disappeared means gone, restores never reuse ratchet state, quick open
with background housekeeping, private file modes, orphan cleanup, zxcvbn, one opener."""

from __future__ import annotations

import io
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import chat_desktop
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.sending import OutboxPayload, encode_payload
from chat_desktop.storage.errors import DatabaseCorrupt, ProfileInUse, VaultLocked, WeakPassword
from chat_desktop.storage.models import (
    AttachmentInfo,
    Direction,
    MessageKey,
    MessageStatus,
    NewMessage,
)
from chat_desktop.storage.password_policy import check_new_password, password_weaknesses
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.snapshots import ROLLING_LABEL, connect_encrypted_readonly, list_snapshots
from chat_desktop.storage.store import HousekeepingReport, MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password
SECRET_WORDS = ("quixotic", "xylophone", "zanzibar")
KEPT_WORDS = ("marmalade", "harpsichord")
_REPO_ROOT = str(Path(chat_desktop.__file__).resolve().parent.parent)

# SQLCipher 4 defaults: 4096-byte pages ending with a 16-byte IV and a 64-byte HMAC; page 1
# starts with the 16-byte salt. With a raw key, the key itself is the AES-256 key.
_PAGE = 4096
_RESERVE = 80
_SALT = 16
_WAL_HEADER = 32
_FRAME_HEADER = 24


def _decrypt_page(key: bytes, page: bytes, page_number: int) -> bytes:
    start = _SALT if page_number == 1 else 0
    iv = page[_PAGE - _RESERVE : _PAGE - _RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[start : _PAGE - _RESERVE]) + decryptor.finalize()


def decrypted_database(path: Path, key: bytes) -> bytes:
    """Every page of an SQLCipher file decrypted: live, free and unused space alike."""
    data = path.read_bytes()
    pages = [data[offset : offset + _PAGE] for offset in range(0, len(data), _PAGE)]
    plain = [_decrypt_page(key, page, number) for number, page in enumerate(pages, start=1)]
    # Sanity: page 1 decrypts to an SQLite header (bytes 16-17 of it: the page size).
    assert plain[0][:2] == struct.pack(">H", _PAGE)
    return b"".join(plain)


def decrypted_wal(path: Path, key: bytes) -> bytes:
    """Every frame of an SQLCipher WAL decrypted (old frames included)."""
    data = path.read_bytes()
    frames = []
    offset = _WAL_HEADER
    while offset + _FRAME_HEADER + _PAGE <= len(data):
        (page_number,) = struct.unpack(">I", data[offset : offset + 4])
        page = data[offset + _FRAME_HEADER : offset + _FRAME_HEADER + _PAGE]
        frames.append(_decrypt_page(key, page, page_number))
        offset += _FRAME_HEADER + _PAGE
    return b"".join(frames)


def _message(
    message_id: str, body: str, *, expire_timer: int = 0, expires_at: int | None = None
) -> NewMessage:
    return NewMessage(
        id=message_id,
        conversation_id="bob",
        sender="bob",
        direction=Direction.INCOMING,
        sort_key=int(message_id.strip("m") or 0),
        kind="text",
        body=body,
        status=MessageStatus.DELIVERED,
        expire_timer=expire_timer,
        expires_at=expires_at,
    )


def _fts_terms(connection: Any) -> set[str]:
    connection.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.terms USING fts5vocab(main, messages_fts, row)"
    )
    return {row[0] for row in connection.execute("SELECT term FROM temp.terms")}


def _assert_content_gone(
    path: Path, key: bytes, *, words: tuple[str, ...], wal: Path | None = None
) -> None:
    """The words are in no decrypted page (nor WAL frame), no row, no search index term."""
    plain = decrypted_database(path, key)
    if wal is not None and wal.exists():
        plain += decrypted_wal(wal, key)
    for word in KEPT_WORDS:  # the decryption sees the ordinary message: the check has teeth
        assert word.encode() in plain, f"{word} should be in {path.name}"
    for word in words:
        assert word.encode() not in plain, f"{word} found in the decrypted {path.name}"
    connection = connect_encrypted_readonly(path, key)
    try:
        terms = _fts_terms(connection)
        assert set(KEPT_WORDS) <= terms
        assert not set(words) & terms
        bodies = " ".join(row[0] or "" for row in connection.execute("SELECT body FROM messages"))
        assert not any(word in bodies for word in words)
        assert connection.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM attachment_files").fetchone() == (0,)
    finally:
        connection.close()


def test_a_disappeared_message_is_in_no_file_of_the_profile(
    vault: UnlockedVault, profile_dir: Path, clock: Any, all_files: Callable[..., dict[str, bytes]]
) -> None:
    key = vault.database_key()
    paths = ProfilePaths(profile_dir)
    store = vault.open_store(clock=clock.millis)
    secret_body = " ".join(SECRET_WORDS)
    stored = store.attachments.write(io.BytesIO(secret_body.encode() * 100))
    with store.transaction():
        store.messages.insert(_message("m1", " ".join(KEPT_WORDS)))
        store.messages.insert(
            _message("m2", secret_body, expire_timer=60, expires_at=clock.millis() + 60_000)
        )
        store.messages.update_attachment_state(
            MessageKey("bob", "m2"), local_file_id=stored.file_id, local_status="done"
        )
        store.outbox.enqueue("bob", "m2", "bob", secret_body.encode())
    # A snapshot taken while the message is still there must not keep it either.
    early = store.take_snapshot()
    assert [message.id for message in store.search("xylophone")] == ["m2"]

    clock.advance(61)
    assert store.delete_expired() == [MessageKey("bob", "m2")]
    late = store.run_housekeeping(snapshot_interval_ms=0).snapshot
    assert late is not None
    assert not store.attachments.path_of(stored.file_id).exists()

    wal = Path(f"{paths.database}-wal")  # while open: the live database and its WAL
    _assert_content_gone(paths.database, key, words=SECRET_WORDS, wal=wal)
    store.close()

    snapshots = list_snapshots(paths.snapshots)
    assert {early, late} <= set(snapshots)
    for database in (paths.database, *snapshots):
        _assert_content_gone(database, key, words=SECRET_WORDS)
    for name, data in all_files(profile_dir).items():  # raw bytes of every file, too
        assert not any(word.encode() in data for word in SECRET_WORDS), name


def test_a_restored_snapshot_holds_no_session_and_no_old_ciphertext(
    vault: UnlockedVault, clock: Any
) -> None:
    store = vault.open_store(clock=clock.millis)
    with store.transaction():
        for message_id in ("m1", "m2"):
            store.messages.insert(
                NewMessage(
                    id=message_id,
                    conversation_id="bob",
                    sender="me",
                    direction=Direction.OUTGOING,
                    sort_key=1,
                    kind="text",
                    body="hello",
                    status=MessageStatus.PENDING,
                )
            )
        store.secrets.put_session("bob", 1, b"ratchet state on chain 7")
        store.secrets.put_session("carol", 2, b"another ratchet state")
        encrypted = OutboxPayload(content=None, bodies=[(1, b"ciphertext")], expires_at=None)
        queued = OutboxPayload(content=b"padded plaintext", bodies=None, expires_at=None)
        store.outbox.enqueue("bob", "m1", "bob", encode_payload(encrypted))
        store.outbox.enqueue("bob", "m2", "bob", encode_payload(queued))
    snapshot = store.take_snapshot()
    snapshot_bytes = snapshot.read_bytes()
    store.close()

    report = vault.restore_snapshot(snapshot)

    assert report.sessions_dropped == 2
    assert report.outbox_dropped == (MessageKey("bob", "m1"),)
    assert snapshot.read_bytes() == snapshot_bytes  # the snapshot itself is kept as it was
    restored = vault.open_store(clock=clock.millis)
    assert restored.secrets.session_devices("bob") == []
    assert restored.secrets.session_devices("carol") == []
    assert [entry.message_id for entry in restored.outbox.pending()] == ["m2"]
    assert restored.outbox.failed() == []
    failed = restored.messages.get(MessageKey("bob", "m1"))
    assert failed is not None
    assert failed.status is MessageStatus.FAILED
    assert restored.outbox.retry("bob", "m1") == 0  # the old ciphertext can't come back


def _seed(vault: UnlockedVault) -> None:
    store = vault.open_store()
    with store.transaction():
        for index in range(300):
            store.messages.insert(_message(f"m{index}", f"body {index} " + "x" * 200))
    store.close()


def test_open_leaves_page_check_and_snapshot_to_housekeeping(vault: UnlockedVault) -> None:
    _seed(vault)
    data = bytearray(vault.paths.database.read_bytes())
    data[len(data) - _PAGE + 1000] ^= 0x10  # a message page, not read by the open itself
    vault.paths.database.write_bytes(bytes(data))

    store = vault.open_store()  # quick: no page check, no snapshot

    assert list_snapshots(vault.paths.snapshots, ROLLING_LABEL) == []
    with pytest.raises(DatabaseCorrupt):
        store.run_housekeeping()
    assert list_snapshots(vault.paths.snapshots, ROLLING_LABEL) == []


def test_housekeeping_runs_beside_the_store_thread_and_snapshots_when_due(
    vault: UnlockedVault,
) -> None:
    _seed(vault)
    store = vault.open_store()
    reports = []
    failures: list[BaseException] = []

    def housekeeping() -> None:
        try:
            reports.append(store.run_housekeeping())
        except BaseException as error:
            failures.append(error)

    worker = threading.Thread(target=housekeeping)
    worker.start()
    for index in range(300, 500):  # the store keeps serving writes meanwhile
        store.messages.insert(_message(f"m{index}", f"body {index}"))
    worker.join()
    assert failures == []
    (report,) = reports
    assert report.pages_verified
    assert report.snapshot is not None
    assert not report.interrupted
    assert store.messages.count("bob") == 500
    again = store.run_housekeeping()  # not due again within a day
    assert again.pages_verified
    assert again.snapshot is None
    store.close()
    with pytest.raises(VaultLocked):
        store.run_housekeeping()


def test_closing_the_store_stops_housekeeping_cleanly(vault: UnlockedVault) -> None:
    _seed(vault)
    store = vault.open_store()
    outcomes: list[object] = []
    started = threading.Event()

    def housekeeping() -> None:
        started.set()
        try:
            outcomes.append(store.run_housekeeping(snapshot_interval_ms=0))
        except BaseException as error:
            outcomes.append(error)

    worker = threading.Thread(target=housekeeping)
    worker.start()
    started.wait()
    store.close()  # interrupts it, waits for it, then closes
    worker.join()
    (outcome,) = outcomes
    # It finished first, stopped quietly (interrupted), or found the store already closed;
    # never another error, never a half-written snapshot.
    assert isinstance(outcome, (HousekeepingReport, VaultLocked))
    assert store.is_closed
    assert not vault.paths.running_marker.exists()
    assert not list(vault.paths.snapshots.glob("*.tmp"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_shm_and_snapshots_are_private(
    umask_022: None, profile_dir: Path, clock: Any
) -> None:
    vault, _ = Vault.create(profile_dir, PASSWORD, kdf_params=FLOOR_PARAMS)
    store = vault.open_store(clock=clock.millis)
    store.settings.set("x", 1)
    database = vault.paths.database
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    assert all(path.exists() for path in files)
    snapshot = store.take_snapshot()
    housekeeping = store.run_housekeeping(snapshot_interval_ms=0).snapshot
    assert housekeeping is not None
    assert {path.name: _mode(path) for path in [*files, snapshot, housekeeping]} == {
        path.name: 0o600 for path in [*files, snapshot, housekeeping]
    }
    store.close()
    report = vault.restore_snapshot(snapshot)
    assert _mode(database) == 0o600
    assert _mode(report.quarantine) == 0o700
    # A profile written by an older version (0644 files) is made private when opened.
    os.chmod(database, 0o644)
    os.chmod(snapshot, 0o644)
    vault.open_store(clock=clock.millis).close()
    assert (_mode(database), _mode(snapshot)) == (0o600, 0o600)
    assert _mode(profile_dir / "profile.lock") == 0o600
    vault.lock()


def test_orphaned_attachment_files_are_removed_by_housekeeping(
    vault: UnlockedVault, clock: Any
) -> None:
    store = vault.open_store(clock=clock.millis)
    linked = store.attachments.write(io.BytesIO(b"photo"))
    unlinked = store.attachments.write(io.BytesIO(b"crash before the message was updated"))
    store.messages.insert(
        NewMessage(
            id="m1",
            conversation_id="bob",
            sender="bob",
            direction=Direction.INCOMING,
            sort_key=1,
            kind="image",
            body=None,
            status=MessageStatus.DELIVERED,
            attachment=AttachmentInfo(local_file_id=linked.file_id, local_status="done"),
        )
    )
    directory = vault.paths.attachments
    stray = directory / f"{uuid.uuid4().hex}.enc"  # written, then a crash before its row
    stray.write_bytes(b"\x00" * 64)
    leftover = directory / f"{uuid.uuid4().hex}.enc.tmp"  # a crash while writing
    leftover.write_bytes(b"\x00" * 64)
    foreign = directory / "notes.txt"
    foreign.write_text("not ours")
    fresh = store.run_housekeeping(snapshot_interval_ms=None)
    # Written in this session: the engine may link it in its next step, so it stays.
    assert store.attachments.path_of(unlinked.file_id).exists()
    assert (fresh.orphan_files_removed, fresh.orphan_rows_removed) == (2, 0)
    store.close()

    store = vault.open_store(clock=clock.millis)
    report = store.run_housekeeping(snapshot_interval_ms=None)

    assert (report.orphan_files_removed, report.orphan_rows_removed) == (1, 1)
    assert sorted(path.name for path in directory.iterdir()) == sorted(
        [store.attachments.path_of(linked.file_id).name, foreign.name]
    )
    assert store.attachments.size_of(unlinked.file_id) is None
    with store.attachments.open(linked.file_id) as stream:
        assert stream.read() == b"photo"
    # Deleting a conversation takes its messages' attachment files along.
    store.conversations.delete("bob")
    assert not store.attachments.path_of(linked.file_id).exists()
    assert store.attachments.size_of(linked.file_id) is None


def test_weak_passwords_get_zxcvbn_feedback() -> None:
    # Accepted by the old home-made rules, found in seconds by a real guesser.
    for guessable in ("michael12345", "Superman2020", "1qaz2wsx3edc", "Charlie1990!"):
        assert password_weaknesses(guessable), guessable
    with pytest.raises(WeakPassword) as weak:
        check_new_password("1qaz2wsx3edc", allow_weak=False)
    assert "This is a very common password." in weak.value.reasons
    assert "1qaz2wsx3edc" not in str(weak.value)
    check_new_password("1qaz2wsx3edc", allow_weak=True)
    assert password_weaknesses(PASSWORD) == []
    # A password built on the username is weak for that user only.
    assert password_weaknesses("zorglubicus1987") == []
    with pytest.raises(WeakPassword):
        check_new_password("zorglubicus1987", allow_weak=False, user_inputs=["zorglubicus"])


def test_a_second_unlock_in_the_same_process_is_refused_and_changes_nothing(
    created_vault: tuple[UnlockedVault, str],
    profile_dir: Path,
    all_files: Callable[..., dict[str, bytes]],
    memory_keyring: Any,
) -> None:
    vault, recovery_key = created_vault
    vault.open_store().close()
    vault.enable_keychain()
    before = all_files(profile_dir)
    attempts: list[Callable[[], object]] = [
        lambda: Vault.unlock(profile_dir, PASSWORD),
        lambda: Vault.unlock(profile_dir, "a wrong password, not even tried"),
        lambda: Vault.unlock_with_recovery_key(profile_dir, recovery_key),
        lambda: Vault.unlock_with_keychain(profile_dir),
    ]
    for attempt in attempts:
        with pytest.raises(ProfileInUse, match="already open in another window or program"):
            attempt()
    assert all_files(profile_dir) == before
    assert not ProfilePaths(profile_dir).backoff.exists()
    vault.lock()
    Vault.unlock(profile_dir, PASSWORD).lock()  # free again once locked


_HOLDER = """
import sys
from pathlib import Path
from chat_desktop.storage.vault_file import Vault
vault = Vault.unlock(Path(sys.argv[1]), sys.argv[2])
store = vault.open_store()
sys.stdout.write("holding\\n")
sys.stdout.flush()
sys.stdin.read()  # until killed
"""


def test_a_killed_process_releases_the_profile(vault: UnlockedVault, profile_dir: Path) -> None:
    vault.lock()
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), str(profile_dir), PASSWORD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": _REPO_ROOT},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "holding"
        with pytest.raises(ProfileInUse):
            Vault.unlock(profile_dir, PASSWORD)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
    reopened = Vault.unlock(profile_dir, PASSWORD)
    store = reopened.open_store()  # the unclean shutdown is checked, then all is well
    store.check_integrity()
    reopened.lock()


def test_store_open_directly_still_works_for_tools(vault: UnlockedVault) -> None:
    store = MessageStore.open(vault.paths, vault.database_key(), vault.row_wrap_key())
    store.settings.set("y", 2)
    store.close()
