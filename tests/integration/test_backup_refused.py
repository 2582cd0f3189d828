"""A tampered backup is refused whole, and an interrupted restore completes when run again.

Each damaged copy of a real backup (a flipped byte in the header or in a chunk, a file cut
short at a chunk boundary or inside one, two chunks swapped, a chunk dropped, bytes added at
the end) and a wrong passphrase is refused with its typed error, and leaves neither the new
profile nor its staging folder behind. A restore killed midway (a real process, SIGKILL)
leaves only its staging folder; running it again restores everything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from backup_helpers import NEW_PASSWORD, PASSPHRASE, everything, fill_profile
from engine_helpers import new_client, wait_until

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.backup_format import (
    HEADER_BYTES,
    BackupDamaged,
    BackupError,
    BackupWrongPassphrase,
)
from chat_desktop.services.backup_restore import (
    BackupTargetExists,
    interrupted_restore,
    restore_backup,
    staging_folder,
)
from chat_desktop.services.client import ChatClient

pytestmark = pytest.mark.integration


class Backup:
    """A real backup of alice's profile and what her profile held."""

    def __init__(self, path: Path, expected: dict[str, object]) -> None:
        self.path = path
        self.data = path.read_bytes()
        self.expected = expected

    def chunks(self) -> list[tuple[int, int]]:
        """(offset, length) of each sealed chunk, its length prefix included."""
        spans = []
        offset = HEADER_BYTES
        while offset < len(self.data):
            (length,) = struct.unpack_from(">I", self.data, offset)
            spans.append((offset, 4 + length))
            offset += 4 + length
        return spans


@pytest.fixture
async def backup(tmp_path: Path, relay: RelayServer) -> AsyncIterator[Backup]:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await fill_profile(tmp_path, alice, bob)
        expected = await everything(alice)
        path = tmp_path / "alice.backup"
        await alice.backup.export(path, PASSPHRASE, kdf_params=FLOOR_PARAMS)
    finally:
        await alice.close()
        await bob.close()
    yield Backup(path, expected)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _swap_first_two(backup: Backup) -> bytes:
    (a, a_len), (b, b_len) = backup.chunks()[:2]
    data = backup.data
    return data[:a] + data[b : b + b_len] + data[a : a + a_len] + data[b + b_len :]


def _drop_second(backup: Backup) -> bytes:
    start, length = backup.chunks()[1]
    return backup.data[:start] + backup.data[start + length :]


def _cut_before_last(backup: Backup) -> bytes:
    return backup.data[: backup.chunks()[-1][0]]


TAMPERED: dict[str, Callable[[Backup], bytes]] = {
    "flipped byte in the header's salt": lambda b: _flip(b.data, 30),
    "flipped byte in the header's chunk size": lambda b: _flip(b.data, 40),
    "flipped byte in a chunk": lambda b: _flip(b.data, b.chunks()[1][0] + 100),
    "flipped byte in the last chunk": lambda b: _flip(b.data, len(b.data) - 3),
    "flipped length prefix": lambda b: _flip(b.data, b.chunks()[0][0] + 3),
    "cut at a chunk boundary": _cut_before_last,
    "cut inside a chunk": lambda b: b.data[: len(b.data) - 20],
    "only the header": lambda b: b.data[:HEADER_BYTES],
    "two chunks swapped": _swap_first_two,
    "a chunk dropped": _drop_second,
    "bytes after the end": lambda b: b.data + b"\x00\x00\x00\x00",
    "the last chunk twice": lambda b: b.data + b.data[b.chunks()[-1][0] :],
}


async def test_every_tampered_backup_is_refused_whole(tmp_path: Path, backup: Backup) -> None:
    assert len(backup.chunks()) >= 3  # the file makes several chunks
    for name, tamper in TAMPERED.items():
        damaged = tmp_path / "damaged.backup"
        damaged.write_bytes(tamper(backup))
        target = tmp_path / f"restored-{len(name)}"
        with pytest.raises(BackupError) as refused:
            await restore_backup(damaged, PASSPHRASE, target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS)
        # A changed salt or chunk size is a changed key check: told as a wrong passphrase
        # (nothing in a header tells a changed salt from another passphrase).
        if "header" in name:
            assert isinstance(refused.value, BackupDamaged | BackupWrongPassphrase), name
        else:
            assert isinstance(refused.value, BackupDamaged), name
        assert not target.exists(), name
        assert not staging_folder(target).exists(), name
        assert "PASSPHRASE" not in str(refused.value) and PASSPHRASE not in str(refused.value)


async def test_a_wrong_passphrase_is_told_and_nothing_is_made(
    tmp_path: Path, backup: Backup
) -> None:
    target = tmp_path / "restored"
    with pytest.raises(BackupWrongPassphrase):
        await restore_backup(
            backup.path, "not the passphrase at all", target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS
        )
    assert not target.exists() and not staging_folder(target).exists()


async def test_a_restore_never_overwrites_a_profile(tmp_path: Path, backup: Backup) -> None:
    target = tmp_path / "restored"
    await restore_backup(backup.path, PASSPHRASE, target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS)
    vault = (target / "vault.json").read_bytes()
    with pytest.raises(BackupTargetExists):
        await restore_backup(backup.path, PASSPHRASE, target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS)
    assert (target / "vault.json").read_bytes() == vault


async def test_a_start_screen_folder_without_a_profile_is_filled(
    tmp_path: Path, backup: Backup
) -> None:
    target = tmp_path / "profile"
    target.mkdir()
    (target / "appearance.json").write_text('{"theme": "dark"}')
    await restore_backup(backup.path, PASSPHRASE, target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS)
    assert not staging_folder(target).exists()
    client = await ChatClient.unlock(target, NEW_PASSWORD)
    try:
        assert await everything(client) == backup.expected
    finally:
        await client.close()


async def test_a_cancelled_restore_leaves_nothing(tmp_path: Path, backup: Backup) -> None:
    target = tmp_path / "restored"
    loop = asyncio.get_running_loop()
    task: asyncio.Task[object] | None = None

    def cancel_at_first_chunk(done: int, total: int) -> None:  # a worker thread
        assert task is not None
        loop.call_soon_threadsafe(task.cancel)

    task = asyncio.create_task(
        restore_backup(
            backup.path,
            PASSPHRASE,
            target,
            NEW_PASSWORD,
            kdf_params=FLOOR_PARAMS,
            progress=cancel_at_first_chunk,
        )
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not target.exists() and not interrupted_restore(target)


_KILLED_RESTORE = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from chat_desktop.crypto.vault import FLOOR_PARAMS
    from chat_desktop.services.backup_restore import restore_backup_sync

    backup, target, passphrase, password, flag = sys.argv[1:]
    halt = threading.Event()

    def progress(done: int, total: int) -> None:
        Path(flag).write_text(str(done))  # part of it is in: wait here to be killed
        halt.wait()

    restore_backup_sync(
        Path(backup), passphrase, Path(target), password, kdf_params=FLOOR_PARAMS,
        progress=progress,
    )
    """
)


async def test_a_killed_restore_completes_when_run_again(tmp_path: Path, backup: Backup) -> None:
    target = tmp_path / "restored"
    flag = tmp_path / "halfway"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_RESTORE,
            str(backup.path),
            str(target),
            PASSPHRASE,
            NEW_PASSWORD,
            str(flag),
        ],
    )
    try:

        async def halfway() -> bool:
            return flag.exists() or process.poll() is not None

        await wait_until(halfway, timeout=60)
        assert process.poll() is None, "the restore ended before it could be interrupted"
        os.kill(process.pid, signal.SIGKILL)
        await asyncio.to_thread(process.wait)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not target.exists()
    assert interrupted_restore(target)

    result = await restore_backup(
        backup.path, PASSPHRASE, target, NEW_PASSWORD, kdf_params=FLOOR_PARAMS
    )
    assert not interrupted_restore(target)
    assert result.username == "alice"
    client = await ChatClient.unlock(target, NEW_PASSWORD)
    try:
        assert await everything(client) == backup.expected
    finally:
        await client.close()
