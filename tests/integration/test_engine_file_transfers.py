"""Files of any type, streamed end to end: progress, flat memory, cancel, save and open.

Everything runs through the real relay (in process, on 127.0.0.1) and real stores; the
hostile cases put a layer in front of the relay's blob routes (``transfer_helpers``).
"""

from __future__ import annotations

import asyncio
import itertools
import resource
import stat
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from relay_harness import RELAXED_LIMITS
from transfer_helpers import BlobTamper, random_file, sha256_of

from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.net.http import BlobSizeMismatch, HttpFailure
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.attachments import AttachmentTooLargeToRead, TransferCancelled
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import (
    ClientEvent,
    MessageReceived,
    StatusChanged,
    TransferFinished,
    TransferProgress,
)
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
#: The Python heap may grow by at most this much while 50 MiB go through every stage.
HEAP_GROWTH_BOUND = 16 * MIB


@pytest.fixture
async def tamper(tmp_path: Path) -> AsyncIterator[BlobTamper]:
    """The real relay (as in the ``relay`` fixture) with a hostile layer on its blob routes."""
    config = RelayConfig(
        data_dir=tmp_path / "relay",
        port=0,
        rate_limits=parse_rate_limits(RELAXED_LIMITS),
        sweep_interval_s=0.2,
    )
    server = RelayServer(config)
    layer = BlobTamper(server)
    server.app.middlewares.append(layer.middleware)
    await server.start()
    try:
        yield layer
    finally:
        layer.release.set()
        await server.stop()


def progress_of(
    events: list[ClientEvent], message_id: str, direction: str
) -> list[tuple[int, int]]:
    return [
        (event.done, event.total)
        for event in events
        if isinstance(event, TransferProgress)
        and event.message_id == message_id
        and event.direction == direction
    ]


def finished(events: list[ClientEvent], message_id: str, direction: str) -> list[TransferFinished]:
    return [
        event
        for event in events
        if isinstance(event, TransferFinished)
        and event.message_id == message_id
        and event.direction == direction
    ]


def assert_monotonic_to_total(steps: list[tuple[int, int]]) -> None:
    assert steps, "no progress events"
    totals = {total for _done, total in steps}
    assert len(totals) == 1
    dones = [done for done, _total in steps]
    assert dones == sorted(dones)
    assert dones[-1] == totals.pop()
    # At least every 256 KiB (and 1 %): no gap wider than that between two events.
    assert max(b - a for a, b in itertools.pairwise(dones)) <= 256 * 1024


async def received(log: EventLog, message_id: str) -> None:
    await log.wait_for(
        lambda events: any(
            isinstance(e, MessageReceived) and e.message_id == message_id for e in events
        )
    )


def leftover_files(client: ChatClient) -> list[Path]:
    """Blob files still in the profile (partial or complete downloads, unsent uploads)."""
    root = client.store.paths.root
    return [
        path
        for folder in ("incoming_blobs", "outgoing_blobs")
        for path in (root / folder).glob("*")
    ]


@pytest.mark.slow
async def test_a_50_mib_file_streams_with_progress_and_flat_memory(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    source = tmp_path / "outside" / "archive.bin"
    source.parent.mkdir()
    original = random_file(source, 50 * MIB)
    saved = tmp_path / "outside" / "saved.bin"
    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        baseline, _ = tracemalloc.get_traced_memory()
        message_id = await alice.attachments.send_file("bob", source, caption="the archive")
        await alice_log.wait_for(lambda events: bool(finished(events, message_id, "up")))
        await received(bob_log, message_id)
        await bob.attachments.download("alice", message_id)
        await bob.attachments.save("alice", message_id, saved)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        growth = peak - baseline
        print(  # the figure is part of the acceptance report
            f"\nheap peak growth during send+receive of 50 MiB: {growth / MIB:.2f} MiB; "
            f"max RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB"
        )
        assert growth < HEAP_GROWTH_BOUND

        assert [(e.ok, e.cancelled) for e in finished(alice_log.events, message_id, "up")] == [
            (True, False)
        ]
        assert [(e.ok, e.cancelled) for e in finished(bob_log.events, message_id, "down")] == [
            (True, False)
        ]
        assert_monotonic_to_total(progress_of(alice_log.events, message_id, "up"))
        assert_monotonic_to_total(progress_of(bob_log.events, message_id, "down"))
        assert sha256_of(saved) == original
        message = await bob.messages.get("alice", message_id)
        assert message is not None and message.body == "the archive"
        assert message.attachment is not None and message.attachment.size == 50 * MIB
        # Too large to be handed out in memory: saved or opened instead.
        with pytest.raises(AttachmentTooLargeToRead):
            await bob.attachments.read("alice", message_id)
        assert leftover_files(alice) == [] and leftover_files(bob) == []
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("longer", BlobSizeMismatch),
        ("shorter", BlobSizeMismatch),
        ("cut", BlobSizeMismatch),
        ("corrupt", AttachmentRejected),
        ("stall", HttpFailure),
    ],
)
async def test_a_hostile_relay_answer_fails_the_download_keeps_nothing_and_retry_works(
    tmp_path: Path, tamper: BlobTamper, mode: str, error: type[Exception]
) -> None:
    relay = tamper.relay
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob._engine.transfers.stall_timeout = 1.0  # the stalled relay is given up after 1 s here
    bob_log = EventLog(bob)
    source = tmp_path / "report.pdf"
    original = random_file(source, 3 * MIB)
    try:
        message_id = await alice.attachments.send_file("bob", source)
        await received(bob_log, message_id)
        tamper.get_mode = mode
        with pytest.raises(error):
            await bob.attachments.download("alice", message_id)
        message = await bob.messages.get("alice", message_id)
        assert message is not None and message.attachment is not None
        assert message.attachment.local_status == "failed"
        assert message.attachment.local_file_id is None
        assert [(e.ok, e.cancelled) for e in finished(bob_log.events, message_id, "down")] == [
            (False, False)
        ]
        assert leftover_files(bob) == []
        assert [p for p in bob.store.paths.attachments.glob("*") if p.is_file()] == []

        tamper.get_mode = None
        await bob.attachments.download("alice", message_id)
        saved = tmp_path / "saved.pdf"
        await bob.attachments.save("alice", message_id, saved)
        assert sha256_of(saved) == original
        assert leftover_files(bob) == []
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_a_download_can_be_cancelled_mid_way_and_started_again(
    tmp_path: Path, tamper: BlobTamper
) -> None:
    relay = tamper.relay
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    source = tmp_path / "video.mkv"
    original = random_file(source, 3 * MIB)
    try:
        message_id = await alice.attachments.send_file("bob", source)
        await received(bob_log, message_id)
        tamper.get_mode = "stall"  # half arrives, then the relay holds on
        download = asyncio.create_task(bob.attachments.download("alice", message_id))
        await bob_log.wait_for(
            lambda events: any(done > 0 for done, _ in progress_of(events, message_id, "down"))
        )
        await bob.attachments.cancel("alice", message_id)
        with pytest.raises(TransferCancelled):
            await download
        assert [(e.ok, e.cancelled) for e in finished(bob_log.events, message_id, "down")] == [
            (False, True)
        ]
        message = await bob.messages.get("alice", message_id)
        assert message is not None and message.attachment is not None
        assert message.attachment.local_status == "none"
        assert leftover_files(bob) == []
        assert [p for p in bob.store.paths.attachments.glob("*") if p.is_file()] == []

        tamper.get_mode = None
        await bob.attachments.download("alice", message_id)
        saved = tmp_path / "saved.mkv"
        await bob.attachments.save("alice", message_id, saved)
        assert sha256_of(saved) == original
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_an_upload_can_be_cancelled_the_relay_keeps_nothing_and_retry_sends_it(
    tmp_path: Path, tamper: BlobTamper
) -> None:
    relay = tamper.relay
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    source = tmp_path / "backup.tar"
    original = random_file(source, 24 * MIB)
    try:
        tamper.stall_put = True  # the relay accepts the connection but reads nothing yet
        message_id = await alice.attachments.send_file("bob", source)
        await tamper.put_waiting.wait()
        await alice_log.wait_for(
            lambda events: any(done > 0 for done, _ in progress_of(events, message_id, "up"))
        )
        await alice.attachments.cancel("bob", message_id)
        assert [(e.ok, e.cancelled) for e in finished(alice_log.events, message_id, "up")] == [
            (False, True)
        ]
        assert any(
            isinstance(e, StatusChanged) and e.message_id == message_id and e.status == "failed"
            for e in alice_log.events
        )
        message = await alice.messages.get("bob", message_id)
        assert message is not None and message.status is MessageStatus.FAILED
        # The relay reads the aborted request now: it keeps no partial and no blob.
        tamper.stall_put = False
        tamper.release.set()
        partial = relay.config.blob_dir / "partial"
        await wait_until(lambda: _empty(partial))
        assert [p for p in relay.config.blob_dir.glob("*") if p.is_file()] == []

        assert await alice.messages.retry("bob", message_id)
        await received(bob_log, message_id)
        await bob.attachments.download("alice", message_id)
        saved = tmp_path / "saved.tar"
        await bob.attachments.save("alice", message_id, saved)
        assert sha256_of(saved) == original
        assert leftover_files(alice) == []
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()


async def _empty(folder: Path) -> bool:
    return not any(folder.iterdir())


async def test_save_replaces_atomically_and_opened_copies_are_private_and_removed_at_close(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    source = tmp_path / "notes.txt"
    original = random_file(source, 300_000)
    try:
        message_id = await alice.attachments.send_file("bob", source)
        await received(bob_log, message_id)
        await bob.attachments.download("alice", message_id)
        destination = tmp_path / "out" / "notes.txt"
        destination.parent.mkdir()
        destination.write_bytes(b"an older file of the same name")
        await bob.attachments.save("alice", message_id, destination)
        assert sha256_of(destination) == original
        assert sorted(p.name for p in destination.parent.iterdir()) == ["notes.txt"]

        opened = await bob.attachments.path_for_opening("alice", message_id)
        assert opened.name == "notes.txt" and sha256_of(opened) == original
        assert stat.S_IMODE(opened.stat().st_mode) == 0o600
        cache = bob.store.paths.root / "open-cache"
        assert opened.is_relative_to(cache)
        for folder in (cache, opened.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert await bob.attachments.path_for_opening("alice", message_id) == opened
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()
    assert not cache.exists()
