"""Forwarding (issue 23, item 4): texts and files go to several chats; a file the relay still
holds is pointed at, not uploaded again; an older one is sent again from our copy; every
refusal leaves the outbox untouched; a forward whose key does not match its blob is refused
by the receiver. Real relay, real stores.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from groups_helpers import wait_for_state

from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.protocol.message_content import AttachmentContent, Content
from chat_desktop.relay.app import RelayServer
from chat_desktop.services import forwarding
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import ClientError, UnknownMessage
from chat_desktop.services.events import MessageReceived
from chat_desktop.services.forwarding import ForwardRefused
from chat_desktop.services.groups_held import NotAGroupMember
from chat_desktop.services.types import GROUP_NOTE_KIND
from chat_desktop.storage.models import AttachmentInfo, Message

FILE_BYTES = b"forwarded report " * 4096  # 68 KiB: downloads by itself


def blob_count(relay: RelayServer) -> int:
    """Blob files the relay holds (an upload adds one)."""
    return sum(1 for path in relay.config.blob_dir.rglob("*") if path.is_file())


async def received(client: ChatClient, peer: str, message_id: str) -> Message | None:
    return await client.messages.get(peer, message_id)


async def downloaded(client: ChatClient, peer: str, message_id: str) -> bool:
    message = await received(client, peer, message_id)
    return bool(message and message.attachment and message.attachment.local_status == "done")


async def fetch(client: ChatClient, peer: str, message_id: str) -> None:
    """Waits for the file's message, then downloads it (as a click on it does)."""
    await wait_until(lambda: received(client, peer, message_id))
    if not await downloaded(client, peer, message_id):
        await client.attachments.download(peer, message_id)


async def test_texts_and_files_go_to_several_chats_and_fresh_files_are_not_uploaded_again(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    dave = await new_client(tmp_path, relay.url, "dave")
    try:
        report = tmp_path / "report.bin"
        report.write_bytes(FILE_BYTES)
        text_id = await bob.messages.send_text("alice", "the plan for monday")
        file_id = await bob.attachments.send_file("alice", report, caption="the report")
        await fetch(alice, "bob", file_id)
        blobs_before = blob_count(relay)

        forwarded = await alice.messages.forward("bob", [file_id, text_id], ["carol", "dave"])
        assert len(forwarded) == 4
        for reader in (carol, dave):
            ids = forwarded[:2] if reader is carol else forwarded[2:]
            first, second = ids  # oldest first: the text, then the file
            await wait_until(lambda r=reader, i=first: received(r, "alice", i))  # type: ignore[misc]
            text = await received(reader, "alice", first)
            assert text is not None and text.body == "the plan for monday"
            assert text.quote is None  # nothing says where it came from
            await fetch(reader, "alice", second)
            file = await received(reader, "alice", second)
            assert file is not None and file.body == "the report"
            assert await reader.attachments.read("alice", second) == FILE_BYTES
        assert blob_count(relay) == blobs_before  # the same blob, pointed at: no upload

        # Our own copies are copies: deleting the original keeps the forwarded file.
        await alice.messages.delete_for_me("bob", [file_id])
        mine = await received(alice, "carol", forwarded[1])
        assert mine is not None and mine.attachment is not None
        assert mine.attachment.local_status == "done"
        assert await alice.attachments.read("carol", forwarded[1]) == FILE_BYTES
    finally:
        for client in (alice, bob, carol, dave):
            await client.close()


async def test_an_old_file_is_sent_again_from_our_copy(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    try:
        report = tmp_path / "report.bin"
        report.write_bytes(FILE_BYTES)
        file_id = await bob.attachments.send_file("alice", report)
        await fetch(alice, "bob", file_id)
        blobs_before = blob_count(relay)
        monkeypatch.setattr(forwarding, "BLOB_FRESH_MS", 0)  # as if a month had passed
        (new_id,) = await alice.messages.forward("bob", [file_id], ["carol"])
        await fetch(carol, "alice", new_id)
        assert await carol.attachments.read("alice", new_id) == FILE_BYTES
        assert blob_count(relay) == blobs_before + 1  # uploaded again, under a new key
        theirs = await received(carol, "alice", new_id)
        original = await received(alice, "bob", file_id)
        assert theirs is not None and original is not None
        assert theirs.attachment and original.attachment
        assert theirs.attachment.key != original.attachment.key
    finally:
        for client in (alice, bob, carol):
            await client.close()


async def test_refusals_queue_nothing(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        kept = await bob.messages.send_text("alice", "keep this")
        gone = await bob.messages.send_text("alice", "then deleted")
        await wait_until(lambda: received(alice, "bob", gone))
        await bob.messages.delete_for_everyone("alice", gone)

        async def deleted() -> bool:
            message = await received(alice, "bob", gone)
            return bool(message and message.deleted)

        await wait_until(deleted)
        before = await alice.messages.history("carol", 10)
        with pytest.raises(ForwardRefused):
            await alice.messages.forward("bob", [kept, gone], ["carol"])
        with pytest.raises(UnknownMessage):
            await alice.messages.forward("bob", [kept, "no-such-id"], ["carol"])
        with pytest.raises(ClientError):
            await alice.messages.forward("bob", [kept, kept], ["carol"])
        with pytest.raises(ClientError):
            await alice.messages.forward("bob", [kept], ["carol"] * 2)
        with pytest.raises(ClientError):
            await alice.messages.forward("bob", [], ["carol"])
        with pytest.raises(ClientError):
            await alice.messages.forward("bob", [kept], [f"u{n}" for n in range(33)])
        assert await alice.messages.history("carol", 10) == before == []
    finally:
        await alice.close()
        await bob.close()


async def test_a_forward_whose_key_does_not_match_its_blob_is_refused_by_the_receiver(
    tmp_path: Path, relay: RelayServer
) -> None:
    """A hostile contact points at a real blob with another key: the download fails its
    MAC check, nothing is stored, and the message shows the file as failed."""
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    carol_log = EventLog(carol)
    try:
        report = tmp_path / "report.bin"
        report.write_bytes(FILE_BYTES)
        file_id = await bob.attachments.send_file("alice", report)
        await fetch(alice, "bob", file_id)
        original = await received(alice, "bob", file_id)
        assert original is not None and original.attachment is not None
        info: AttachmentInfo = original.attachment
        wrong_key = bytes(64)

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            assert info.blob_id and info.digest and info.size is not None
            return AttachmentContent(
                id=message_id,
                sent_at=sent_at,
                expire_timer=timer,
                blob_id=info.blob_id,
                key=wrong_key,
                digest=info.digest,
                size=info.size,
                mime_type="application/octet-stream",
                file_name="report.bin",
            )

        lying = await alice.messages.queue_content(
            "carol", make, kind="attachment", attachment=info
        )
        await carol_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == lying for e in events
            )
        )
        with pytest.raises(AttachmentRejected):
            await carol.attachments.download("alice", lying)
        shown = await received(carol, "alice", lying)
        assert shown is not None and shown.attachment is not None
        assert shown.attachment.local_status != "done"
        assert shown.attachment.local_file_id is None
    finally:
        carol_log.close()
        for client in (alice, bob, carol):
            await client.close()


async def test_a_text_and_a_fresh_file_are_forwarded_into_a_group(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, carol, dave = clients = [
        await new_client(tmp_path, relay.url, name) for name in ("alice", "bob", "carol", "dave")
    ]
    try:
        report = tmp_path / "report.bin"
        report.write_bytes(FILE_BYTES)
        text_id = await bob.messages.send_text("alice", "the plan for monday")
        file_id = await bob.attachments.send_file("alice", report, caption="the report")
        await fetch(alice, "bob", file_id)
        group = await alice.groups.create("Team", ["carol", "dave"])
        await wait_for_state([alice, carol, dave], group, revision=1)
        uploads_before = blob_count(relay)

        await alice.messages.forward("bob", [text_id, file_id], [group])

        async def from_alice(member: ChatClient) -> list[Message]:
            history = await member.groups.history(group)
            return [m for m in history if m.sender == "alice" and m.kind != GROUP_NOTE_KIND]

        for member in (carol, dave):
            await wait_until(lambda m=member: _two(from_alice(m)), timeout=60)
            history = await from_alice(member)
            assert [m.body for m in history] == ["the plan for monday", "the report"]
            assert history[1].attachment is not None
            await member.groups.download(group, history[1].id)
            data = await member.groups.read(group, history[1].id)
            assert data == FILE_BYTES
        assert blob_count(relay) == uploads_before  # the fresh file was pointed at
        # Bob, who is not in the group, got nothing of it.
        assert await bob.groups.get(group) is None
        # A group we are not a member of is refused, and nothing is queued.
        other = await carol.groups.create("Without alice", ["dave"])
        with pytest.raises(NotAGroupMember):
            await alice.messages.forward("bob", [text_id], [other])
        assert not await alice.run_in_store(lambda: alice.store.outbox.pending(10))
    finally:
        for client in clients:
            await client.close()


async def _two(messages: Awaitable[list[Message]]) -> bool:
    return len(await messages) >= 2
