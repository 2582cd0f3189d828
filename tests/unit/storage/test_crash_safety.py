"""Acceptance 3 and 4: kill -9 while writing or migrating, flipped bits, snapshot restore."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest

import chat_desktop
from chat_desktop.storage.errors import DatabaseCorrupt, MigrationFailed, SchemaTooNew
from chat_desktop.storage.migrations import MIGRATIONS, Migration
from chat_desktop.storage.models import Direction, MessageKey, MessageStatus, NewMessage
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.snapshots import PRE_MIGRATION_LABEL, list_snapshots
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault

pytestmark = pytest.mark.unit

_REPO_ROOT = str(Path(chat_desktop.__file__).resolve().parent.parent)

_CHILD_PRELUDE = """
import sys, time
from pathlib import Path
from chat_desktop.storage.migrations import MIGRATIONS, Migration
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.store import MessageStore

db_key, row_key = (bytes.fromhex(part) for part in sys.stdin.readline().split())
paths = ProfilePaths(Path(sys.argv[1]))
"""

_INSERTER = """
store = MessageStore.open(paths, db_key, row_key, snapshot_interval_ms=None)
for index in range(10_000):
    message_id = f"m{index:05d}"
    store.messages.insert(NewMessage(
        id=message_id, conversation_id="bob", sender="bob", direction=Direction.INCOMING,
        sort_key=index, kind="text", body=f"body {index}", status=MessageStatus.DELIVERED,
    ))
    # Printed only after insert() returned, i.e. after the commit.
    sys.stdout.write(message_id + "\\n")
    sys.stdout.flush()
"""

_SLOW_MIGRATOR = """
def rewrite_then_hang(connection):
    connection.execute("UPDATE messages SET body = 'rewritten by v2'")
    connection.execute("DELETE FROM contacts")
    sys.stdout.write("migrating\\n")
    sys.stdout.flush()
    time.sleep(120)

slow = Migration(MIGRATIONS[-1].version + 1, "slow", ("CREATE TABLE extra (x)",), rewrite_then_hang)
steps = (*MIGRATIONS, slow)
MessageStore.open(paths, db_key, row_key, migrations=steps, snapshot_interval_ms=None)
"""


CURRENT = MIGRATIONS[-1].version
NEXT = CURRENT + 1


def _start_child(vault: UnlockedVault, script: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": _REPO_ROOT}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CHILD_PRELUDE + script), str(vault.paths.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert child.stdin is not None
    child.stdin.write(f"{vault.database_key().hex()} {vault.row_wrap_key().hex()}\n")
    child.stdin.close()
    return child


def _incoming(index: int) -> NewMessage:
    return NewMessage(
        id=f"m{index:05d}",
        conversation_id="bob",
        sender="bob",
        direction=Direction.INCOMING,
        sort_key=index,
        kind="text",
        body=f"body {index}",
        status=MessageStatus.DELIVERED,
    )


def test_kill_9_while_inserting_loses_no_committed_message(vault: UnlockedVault) -> None:
    vault.open_store().close()  # create the schema
    child = _start_child(vault, _INSERTER)
    assert child.stdout is not None
    committed: list[str] = []
    for line in child.stdout:
        committed.append(line.strip())
        if len(committed) == 1_500:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    committed += [line.strip() for line in child.stdout]  # printed before the kill
    assert child.returncode == -signal.SIGKILL
    assert 1_500 <= len(committed) < 10_000
    assert vault.paths.running_marker.exists()  # the child never closed cleanly

    store = vault.open_store()  # runs both integrity checks after the unclean shutdown
    store.check_integrity()
    stored = {row[0] for row in store._db.query_all("SELECT id FROM messages")}
    assert set(committed) <= stored
    assert len(stored) - len(committed) <= 1  # at most the one committed but not yet printed
    assert store.messages.count("bob") == len(stored)


def _seed_v1(vault: UnlockedVault) -> None:
    store = vault.open_store()
    with store.transaction():
        for index in range(200):
            store.messages.insert(_incoming(index))
        store.contacts.ensure("bob", display_name="Bob")
    store.close()


def _assert_v1_data_intact(store: MessageStore) -> None:
    assert store._db.query_value("PRAGMA user_version") == CURRENT
    assert store._db.query_value("SELECT count(*) FROM sqlite_master WHERE name = 'extra'") == 0
    assert store.messages.count("bob") == 200
    message = store.messages.get(MessageKey("bob", "m00007"))
    assert message is not None
    assert message.body == "body 7"
    assert store.contacts.get("bob") is not None
    store.check_integrity()


def test_kill_9_during_a_migration_leaves_the_old_database(vault: UnlockedVault) -> None:
    _seed_v1(vault)
    child = _start_child(vault, _SLOW_MIGRATOR)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "migrating"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert list_snapshots(vault.paths.snapshots, PRE_MIGRATION_LABEL)
    _assert_v1_data_intact(vault.open_store())


def test_a_failing_migration_rolls_back_everything(vault: UnlockedVault) -> None:
    _seed_v1(vault)
    broken = Migration(NEXT, "broken", ("CREATE TABLE extra (x)", "UPDATE nowhere SET x = 1"))
    with pytest.raises(MigrationFailed) as failure:
        vault.open_store(migrations=(*MIGRATIONS, broken))
    assert (failure.value.from_version, failure.value.to_version) == (CURRENT, NEXT)
    _assert_v1_data_intact(vault.open_store())


def test_a_successful_migration_and_a_database_newer_than_the_app(vault: UnlockedVault) -> None:
    _seed_v1(vault)
    step = Migration(NEXT, "extra table", ("CREATE TABLE extra (x)",))
    upgraded = vault.open_store(migrations=(*MIGRATIONS, step))
    assert upgraded._db.query_value("PRAGMA user_version") == NEXT
    assert upgraded.messages.count("bob") == 200
    upgraded.close()
    (copy,) = list_snapshots(vault.paths.snapshots, PRE_MIGRATION_LABEL)
    assert copy.name.startswith(f"pre-migration-v{CURRENT}-")
    with pytest.raises(SchemaTooNew):
        vault.open_store()


def _flip_bit(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("offset", "found_at_open"),
    [(200, True), (3 * 4096 + 1000, False)],
    ids=["first-page-at-open", "data-page-by-housekeeping"],
)
def test_a_flipped_bit_is_detected_and_the_snapshot_restores(
    vault: UnlockedVault, clock: Any, offset: int, found_at_open: bool
) -> None:
    _seed_v1(vault)
    store = vault.open_store(clock=clock.millis)
    good_snapshot = store.take_snapshot()
    store.close()
    paths = ProfilePaths(vault.paths.root)
    damaged_bytes = bytearray(paths.database.read_bytes())
    damaged_bytes[offset] ^= 0x10
    _flip_bit(paths.database, offset)

    if found_at_open:  # the first page is read (and authenticated) by every open
        with pytest.raises(DatabaseCorrupt) as corrupt:
            vault.open_store(clock=clock.millis)
    else:  # other pages: the background page check finds it before it is read
        damaged = vault.open_store(clock=clock.millis)
        with pytest.raises(DatabaseCorrupt) as corrupt:
            damaged.run_housekeeping()
        damaged.close()
    assert corrupt.value.snapshots[0] == good_snapshot
    assert paths.database.read_bytes() == bytes(damaged_bytes)  # nothing deleted or "fixed"

    report = vault.restore_snapshot(corrupt.value.snapshots[0])
    assert (report.quarantine / "store.db").read_bytes() == bytes(damaged_bytes)
    _assert_v1_data_intact(vault.open_store(clock=clock.millis))


def test_page_check_can_be_skipped_after_a_clean_shutdown(vault: UnlockedVault) -> None:
    _seed_v1(vault)
    _flip_bit(vault.paths.database, 3 * 4096 + 1000)
    store = vault.open_store(verify_pages_on_open=False, snapshot_interval_ms=None)
    with pytest.raises(DatabaseCorrupt):
        store.check_integrity()


def test_a_damaged_page_met_while_reading_is_a_typed_error_with_snapshots(
    vault: UnlockedVault,
) -> None:
    store = vault.open_store()
    with store.transaction():
        for index in range(2_000):
            store.messages.insert(
                msgspec.structs.replace(_incoming(index), body=f"{index} " + "x" * 500)
            )
    snapshot = store.take_snapshot()
    store.close()
    page_count = vault.paths.database.stat().st_size // 4096
    # Message pages fill the end of the file; the schema pages, read at open, come first.
    for page in range(page_count * 3 // 4, page_count):
        _flip_bit(vault.paths.database, page * 4096 + 1000)
    store = vault.open_store(verify_pages_on_open=False, snapshot_interval_ms=None)
    with pytest.raises(DatabaseCorrupt) as corrupt:
        page = store.messages.oldest("bob", 100)
        while page:
            page = store.messages.after("bob", page[-1].cursor, 100)
    assert snapshot in corrupt.value.snapshots
    store.close()
