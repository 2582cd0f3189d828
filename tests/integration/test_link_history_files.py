"""A link's history never lies in plaintext on disk, leftovers are swept, failures are told.

Real clients on the real relay, with ``TMPDIR`` pointed at a folder of the test. A marker text
in the history must not appear in any file the transfer writes, kept or deleted: a Python
audit hook reads every file just before it is removed (``os.remove``, ``shutil.rmtree``), and
every file under the test's folders is read after the transfer. A spy on the attachment
encryption records what it encrypted from and decrypted into (docs/protocol.md §6.11).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from engine_helpers import PASSWORD, EventLog, new_client, wait_until
from test_linked_devices import link_device

from chat_desktop.crypto.attachment import AttachmentSecrets
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services import linking
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import PENDING_HISTORY_SETTING
from chat_desktop.services.events import HistoryImportFailed

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

MARKER = "plaintext-marker-5f1c9e2a"


class RemovalWatch:
    """Reads each file about to be removed while active; keeps the paths that hold a text."""

    def __init__(self, needle: bytes) -> None:
        self.needle = needle
        self.found: list[str] = []
        self.checked = 0
        self._busy = False

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self._busy or event not in ("os.remove", "shutil.rmtree"):
            return
        path, dir_fd = args[0], args[1]
        if dir_fd not in (None, -1) or not isinstance(path, str | bytes | os.PathLike):
            return  # rmtree's inner unlinks: the whole tree was read at its start
        self._busy = True
        try:
            for file in _files(Path(os.fsdecode(path))):
                self.checked += 1
                if _holds(file, self.needle):
                    self.found.append(str(file))
        finally:
            self._busy = False


_watch: list[RemovalWatch] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch:
        _watch[-1].hook(event, args)


sys.addaudithook(_audit)  # audit hooks stay for the process; this one idles between tests


def _files(root: Path) -> Iterator[Path]:
    if root.is_symlink() or not root.exists():
        return
    if root.is_file():
        yield root
        return
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _holds(path: Path, needle: bytes) -> bool:
    try:
        return needle in path.read_bytes()
    except OSError:
        return False


@pytest.fixture
def test_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, for this test: a folder of its own."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert Path(tempfile.gettempdir()) == folder
    return folder


async def has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer, limit=100))


async def test_the_history_never_lies_in_plaintext_on_disk(
    tmp_path: Path, relay: RelayServer, test_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources: list[str | None] = []
    sinks: list[str | None] = []
    encrypt, decrypt = linking.encrypt_attachment, linking.decrypt_attachment

    def encrypt_spy(src: BinaryIO, dst: BinaryIO, size: int | None = None) -> AttachmentSecrets:
        sources.append(getattr(src, "name", None))
        return encrypt(src, dst, size)

    def decrypt_spy(src: BinaryIO, dst: BinaryIO, *args: Any) -> None:
        sinks.append(getattr(dst, "name", None))
        decrypt(src, dst, *args)

    monkeypatch.setattr(linking, "encrypt_attachment", encrypt_spy)
    monkeypatch.setattr(linking, "decrypt_attachment", decrypt_spy)
    watch = RemovalWatch(MARKER.encode())
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    clients = [a1, bob]
    try:
        await a1.messages.send_text("bob", f"the secret is {MARKER}")
        await bob.messages.send_text("alice", f"and mine is {MARKER} too")
        await wait_until(functools.partial(has_text, a1, "bob", f"and mine is {MARKER} too"))
        _watch.append(watch)
        a2 = await link_device(a1, tmp_path, relay.url, "alice2", history=True)
        clients.append(a2)
        await wait_until(functools.partial(has_text, a2, "bob", f"the secret is {MARKER}"))
        await wait_until(functools.partial(_history_imported, a2))
        for client in reversed(clients):
            await client.close()
        clients.clear()
    finally:
        if watch in _watch:
            _watch.remove(watch)
        for client in reversed(clients):
            await client.close()
    # The transfer went through the encryption from memory, both ways.
    assert len(sources) == 1 and len(sinks) == 1
    temp = str(test_tmpdir)
    assert not any(isinstance(name, str) and name.startswith(temp) for name in sources + sinks)
    assert sources == [None] and sinks == [None], (sources, sinks)
    # No file removed meanwhile held the marker, and none left anywhere holds it.
    assert watch.checked > 0  # the hook saw the removals
    assert watch.found == []
    left = [str(p) for p in _files(tmp_path) if _holds(p, MARKER.encode())]
    assert left == []
    assert not list(test_tmpdir.iterdir())


async def _history_imported(client: ChatClient) -> bool:
    pending = await client.run_in_store(client.store.settings.get, PENDING_HISTORY_SETTING)
    return not pending


async def test_a_tampered_history_blob_is_told_on_the_new_device(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    clients = [a1, bob]
    try:
        await bob.messages.send_text("alice", "history to move")
        await wait_until(functools.partial(has_text, a1, "bob", "history to move"))
        pending = await ChatClient.begin_link(relay.url, "Laptop")
        offer = asyncio.create_task(pending.wait_for_offer())
        await a1.devices.link(pending.code, transfer_history=True)
        await offer
        a2, _ = await pending.accept(tmp_path / "alice2", PASSWORD, kdf_params=FLOOR_PARAMS)
        clients.append(a2)
        # The relay rewrites the blob (one byte in its middle) before the new device fetches it.
        blobs = [p for p in relay.config.blob_dir.iterdir() if p.is_file()]
        assert len(blobs) == 1
        data = bytearray(blobs[0].read_bytes())
        data[len(data) // 2] ^= 0x01
        blobs[0].write_bytes(bytes(data))
        log = EventLog(a2)
        try:
            await a2.connect()
            await log.wait_for(
                lambda events: any(isinstance(e, HistoryImportFailed) for e in events)
            )
        finally:
            log.close()
        assert not await has_text(a2, "bob", "history to move")
        await wait_until(functools.partial(_history_imported, a2))  # dropped, not retried
    finally:
        for client in reversed(clients):
            await client.close()


async def test_plaintext_leftovers_of_older_versions_are_swept_at_unlock(
    tmp_path: Path, relay: RelayServer, test_tmpdir: Path
) -> None:
    client = await new_client(tmp_path, relay.url, "alice")
    profile = client.store.paths.root
    await client.close()
    # What an older version left after a kill during a link, on either side ...
    old_export = test_tmpdir / "chat-desktop-history-k3j2h1x0"
    old_export.mkdir()
    (old_export / "archive").write_bytes(MARKER.encode())
    (old_export / "blob").write_bytes(b"\x00" * 64)
    old_import = test_tmpdir / "chat-desktop-history-9zq8w7e6"
    old_import.mkdir()
    (old_import / "archive").write_bytes(MARKER.encode())
    # ... and a pasted image that waited to be sent, and a link's blob of this version.
    pasted = profile / "pasted"
    pasted.mkdir(mode=0o700)
    (pasted / "pasted-image-0a1b2c3d.png").write_bytes(b"\x89PNG" + MARKER.encode())
    (profile / "linking").mkdir(mode=0o700)
    (profile / "linking" / "history-00112233.blob").write_bytes(b"\x00" * 64)
    unrelated = test_tmpdir / "someone-elses-folder"
    unrelated.mkdir()
    (unrelated / "keep").write_bytes(b"keep me")

    client = await ChatClient.unlock(profile, PASSWORD)
    try:
        assert not old_export.exists() and not old_import.exists()
        assert list(pasted.iterdir()) == []
        assert list((profile / "linking").iterdir()) == []
        assert (unrelated / "keep").read_bytes() == b"keep me"
    finally:
        await client.close()
