"""A backup round-trips into a new profile, and the restored device talks on (issue 23, 11).

Real relay, real stores: alice's profile (texts, a reply, reactions, an edit, a file each
way, flags, a draft, a verified contact, a preference) is backed up, alice's computer is
"lost" (her client closed for good), the backup is restored into a new folder, and the
restored device carries on with bob: he still writes on the session he had, she has none;
both sides heal through a normal new session and bob sees no key change.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from backup_helpers import NEW_PASSWORD, PASSPHRASE, everything, fill_profile, has_text
from engine_helpers import EventLog, new_client, wait_until

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.backup_restore import restore_backup
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageRecovered
from chat_desktop.storage.models import KEY_CHANGE_NOTE_KIND

pytestmark = pytest.mark.integration


async def test_a_backup_restores_everything_and_the_device_talks_on(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    restored: ChatClient | None = None
    try:
        await fill_profile(tmp_path, alice, bob)
        before = await everything(alice)
        seen: list[tuple[int, int]] = []
        summary = await alice.backup.export(
            tmp_path / "alice.backup",
            PASSPHRASE,
            lambda done, total: seen.append((done, total)),
            kdf_params=FLOOR_PARAMS,
        )
        assert summary.messages == len(before["chats"]["bob"][-1])
        assert summary.files == 2
        assert seen and seen[-1][0] == summary.messages
        raw = (tmp_path / "alice.backup").read_bytes()
        assert b"hello bob" not in raw and b"meeting notes" not in raw
        await alice.close()  # the old computer is gone

        steps: list[int] = []
        result = await restore_backup(
            tmp_path / "alice.backup",
            PASSPHRASE,
            tmp_path / "alice-restored",
            NEW_PASSWORD,
            kdf_params=FLOOR_PARAMS,
            progress=lambda done, total: steps.append(done),
        )
        assert (result.username, result.messages, result.files) == (
            "alice",
            summary.messages,
            2,
        )
        assert steps and steps[-1] == len(raw)
        restored = await ChatClient.unlock(tmp_path / "alice-restored", NEW_PASSWORD)
        after = await everything(restored)
        assert after == before
        bob_chat = after["chats"]["bob"]
        assert bob_chat[4] == 7 * 24 * 3600  # the timer
        assert any(row[4] == "this one disappears in a week" for row in bob_chat[-1])

        # The restored device: same account and device, no sessions, no prekeys.
        log = EventLog(restored)
        await restored.connect()
        await restored.wait_connected()
        # Bob still writes on his old session; she asks, he resends on a new one.
        lost = await bob.messages.send_text("alice", "are you there?")
        await log.wait_for(
            lambda events: any(
                isinstance(e, MessageRecovered) and e.message_id == lost for e in events
            )
        )
        await restored.messages.send_text("bob", "back from a backup")
        await wait_until(lambda: has_text(bob, "alice", "back from a backup"))
        await bob.messages.send_text("alice", "welcome back")
        await wait_until(lambda: has_text(restored, "bob", "welcome back"))  # type: ignore[arg-type]
        # Carol never wrote to alice: she starts a session from the relay's bundle, whose
        # one-time prekey is one the backup did not carry. It fails once and heals.
        first = await carol.messages.send_text("alice", "hello from carol")
        await log.wait_for(
            lambda events: any(
                isinstance(e, MessageRecovered) and e.message_id == first for e in events
            )
        )
        await carol.messages.send_text("alice", "and again")
        await wait_until(lambda: has_text(restored, "carol", "and again"))  # type: ignore[arg-type]
        log.close()

        # Bob never saw a key change: no note, no recorded change, alice still trusted.
        history = await bob.messages.history("alice", limit=200)
        assert all(m.kind != KEY_CHANGE_NOTE_KIND for m in history)
        assert await bob.run_in_store(bob.store.contacts.key_changes, "alice") == []
        assert await restored.trust.is_verified("bob")
    finally:
        await alice.close()
        await bob.close()
        await carol.close()
        if restored is not None:
            await restored.close()


async def test_a_cancelled_export_leaves_no_file(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await fill_profile(tmp_path, alice, bob)
        path = tmp_path / "alice.backup"
        export: asyncio.Task[object] | None = None

        def cancel_at_first_progress(done: int, total: int) -> None:
            assert export is not None
            export.cancel()

        export = asyncio.create_task(
            alice.backup.export(path, PASSPHRASE, cancel_at_first_progress, kdf_params=FLOOR_PARAMS)
        )
        with pytest.raises(asyncio.CancelledError):
            await export
        assert list(tmp_path.glob("alice.backup*")) == []
        # Cancelled during the passphrase's derivation, before any page was read.
        early = asyncio.create_task(alice.backup.export(path, PASSPHRASE, kdf_params=FLOOR_PARAMS))
        await asyncio.sleep(0)
        early.cancel()
        with pytest.raises(asyncio.CancelledError):
            await early
        # The store thread is free again: a new export completes.
        summary = await alice.backup.export(path, PASSPHRASE, kdf_params=FLOOR_PARAMS)
        assert summary.files == 2 and path.stat().st_size == summary.size
        # The early one's file, made once its derivation ended, was removed: only the backup.
        assert [found.name for found in tmp_path.glob("alice.backup*")] == ["alice.backup"]
    finally:
        await alice.close()
        await bob.close()
