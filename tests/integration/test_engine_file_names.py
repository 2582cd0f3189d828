"""File names that fake their extension, and files that would run, end to end (issue 18 §3).

Real clients on the real relay: a content whose file name carries a bidirectional control
is refused by the receiver (nothing stored but the "could not be read" note every invalid
content leaves); a local file with such a name is sent under its real name; and "Open"
never makes a copy of a program, whatever its name says.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client, wait_until
from test_engine_conversation_hostile import send_raw

from chat_desktop.protocol.message_content import pad
from chat_desktop.relay.app import RelayServer
from chat_desktop.services import attachments
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import now_ms
from chat_desktop.services.events import MessageReceived, MessageUndecryptable
from chat_desktop.services.file_types import UnsafeToOpen
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration


async def received(log: EventLog, message_id: str) -> None:
    await log.wait_for(
        lambda events: any(
            isinstance(e, MessageReceived) and e.message_id == message_id for e in events
        )
    )


async def test_a_name_with_a_right_to_left_override_is_refused_and_nothing_is_stored(
    tmp_path: Path, relay: RelayServer
) -> None:
    mallory = await new_client(tmp_path, relay.url, "mallory")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(bob)
    try:
        await mallory.messages.send_text("bob", "hello")  # a session, and a conversation at Bob's
        await log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        hostile_id = str(uuid.uuid4())
        fields = {
            "kind": "attachment",
            "v": 1,
            "id": hostile_id,
            "sent_at": now_ms(),
            "blob_id": "ab" * 16,
            "key": b"k" * 64,
            "digest": b"d" * 32,
            "size": 10,
            "mime_type": "application/pdf",
            "file_name": "invoice_2024_\u202efdp.exe",
        }
        await send_raw(mallory, "bob", pad(msgspec.msgpack.encode(fields)))
        probe = await mallory.messages.send_text("bob", "probe")
        await received(log, probe)
        assert len(log.of_type(MessageUndecryptable)) == 1
        assert not any(e.kind == "attachment" for e in log.of_type(MessageReceived))
        history = await bob.messages.history("mallory")
        assert all(message.attachment is None for message in history)
        assert all(message.id != hostile_id for message in history)
    finally:
        log.close()
        await mallory.close()
        await bob.close()


async def test_a_local_name_with_controls_is_sent_under_its_real_name(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(bob)
    try:
        source = tmp_path / "invoice_2024_\u202efdp.exe"
        source.write_bytes(b"DATA and nothing else")
        message_id = await alice.attachments.send_file("bob", source)
        await received(log, message_id)
        mine = await alice.messages.get("bob", message_id)
        theirs = await bob.messages.get("alice", message_id)
        assert mine is not None and mine.attachment is not None
        assert theirs is not None and theirs.attachment is not None
        assert mine.attachment.file_name == theirs.attachment.file_name == "invoice_2024_fdp.exe"
        assert not log.of_type(MessageUndecryptable)
    finally:
        log.close()
        await alice.close()
        await bob.close()


async def _sent_and_downloaded(
    alice: ChatClient, bob: ChatClient, log: EventLog, path: Path
) -> str:
    message_id = await alice.attachments.send_file("bob", path)
    await received(log, message_id)
    await bob.attachments.download("alice", message_id)
    return message_id


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.pdf", b"MZ\x90\x00" + bytes(300)),  # a Windows program named like a document
        ("invoice", b"\x7fELF\x02\x01\x01" + bytes(300)),  # a Linux program, no extension
        ("x.sh", b"echo hello\n"),  # a script, by its name alone
        ("report.pdf.exe", b"DATA"),  # the last extension counts
        ("notes.txt", b"#!/bin/sh\necho hi\n"),  # a script, by its content
    ],
)
async def test_open_refuses_programs_and_scripts_and_leaves_no_copy(
    tmp_path: Path, relay: RelayServer, name: str, data: bytes
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(bob)
    try:
        source = tmp_path / "sent" / name
        source.parent.mkdir()
        source.write_bytes(data)
        message_id = await _sent_and_downloaded(alice, bob, log, source)
        with pytest.raises(UnsafeToOpen):
            await bob.attachments.path_for_opening("alice", message_id)
        cache = bob.store.paths.root / "open-cache"
        assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))
        saved = tmp_path / "saved" / name  # saving it is still possible
        saved.parent.mkdir()
        await bob.attachments.save("alice", message_id, saved)
        assert saved.read_bytes() == data
    finally:
        log.close()
        await alice.close()
        await bob.close()


async def test_open_still_opens_a_document(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(bob)
    try:
        source = tmp_path / "report.pdf"
        source.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
        message_id = await _sent_and_downloaded(alice, bob, log, source)
        opened = await bob.attachments.path_for_opening("alice", message_id)
        assert opened.name == "report.pdf"
        assert opened.read_bytes() == source.read_bytes()
    finally:
        log.close()
        await alice.close()
        await bob.close()


async def test_an_upload_queued_before_the_bound_fails_instead_of_retrying_for_ever(
    tmp_path: Path, relay: RelayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attachment queued by an older version with a bidi control in its name.

    Once uploaded, its content no longer fits the schema: the message is failed (the user
    sees it), rather than the outbox uploading the blob again every second.
    """
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    log = EventLog(bob)
    try:
        with monkeypatch.context() as patch:  # the older sender kept names as they were
            patch.setattr(attachments, "strip_file_name_controls", lambda name: name)
            source = tmp_path / "old_\u202efdp.exe"
            source.write_bytes(b"DATA queued by an older version")
            stuck = await alice.attachments.send_file("bob", source)

        async def failed() -> bool:
            message = await alice.messages.get("bob", stuck)
            return message is not None and message.status is MessageStatus.FAILED

        await wait_until(failed)
        later = await alice.messages.send_text("bob", "the outbox goes on")
        await received(log, later)
    finally:
        log.close()
        await alice.close()
        await bob.close()
