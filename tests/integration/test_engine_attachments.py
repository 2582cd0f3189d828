"""Attachments and disappearing messages through the engine, the relay and both stores."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest
from engine_helpers import EventLog, acquaint, new_client, wait_until
from PIL import ExifTags, Image

from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import AttachmentStored, MessageReceived, MessagesExpired
from chat_desktop.services.image_processing import ImageTooLarge, NotAnImage, prepare_image
from chat_desktop.storage.models import TIMER_NOTE_KIND, Message

pytestmark = pytest.mark.integration

RED, BLUE = (255, 0, 0), (0, 0, 255)


def phone_photo(path: Path) -> None:
    """A 80x40 JPEG, left red / right blue, with EXIF orientation 6 (rotate 90°) and GPS."""
    image = Image.new("RGB", (80, 40), RED)
    image.paste(BLUE, (40, 0, 80, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    image.save(path, "JPEG", exif=exif.tobytes(), quality=95)


async def attachment_message(client: ChatClient, peer: str, message_id: str) -> object:
    message = await client.messages.get(peer, message_id)
    assert message is not None and message.attachment is not None
    return message.attachment


async def test_photo_arrives_without_metadata_with_size_known_before_download(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    bob_log = EventLog(bob)
    photo = tmp_path / "holiday.jpg"
    phone_photo(photo)
    try:
        message_id = await alice.attachments.send_file("bob", photo)
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        info = await attachment_message(bob, "alice", message_id)
        # Layout facts travel in the message itself, before any download.
        assert (info.width, info.height) == (40, 80)  # type: ignore[attr-defined]
        assert info.thumbnail and len(info.thumbnail) <= 2048  # type: ignore[attr-defined]

        async def downloaded() -> bool:
            attachment = await attachment_message(bob, "alice", message_id)
            return attachment.local_status == "done"  # type: ignore[attr-defined]

        await wait_until(downloaded)
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, AttachmentStored) and e.message_id == message_id and e.ok
                for e in events
            )
        )
        data = await bob.attachments.read("alice", message_id)
        for marker in (b"Exif", b"GPS"):
            assert marker not in data
        received = Image.open(io.BytesIO(data))
        assert received.size == (40, 80)
        assert not received.getexif()
        # Orientation applied: the red left half is now the top half.
        top, bottom = (
            received.convert("RGB").getpixel((20, 10)),
            received.convert("RGB").getpixel((20, 70)),
        )
        assert top[0] > 200 and top[2] < 60, top  # red
        assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_bad_images_are_refused_and_nothing_is_sent(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    try:
        bomb = tmp_path / "bomb.png"
        Image.new("1", (20_000, 20_000)).save(bomb)  # 400 Mpx that compresses to a few KB
        assert bomb.stat().st_size < 200_000
        with pytest.raises(ImageTooLarge):
            await alice.attachments.send_file("bob", bomb)
        fake = tmp_path / "cat.png"
        fake.write_text("this is not a picture")
        with pytest.raises(NotAnImage):
            await alice.attachments.send_file("bob", fake)
        assert await alice.messages.history("bob") == []
        outbox = await alice.run_in_store(alice.store.outbox.pending)
        assert outbox == []
    finally:
        await alice.close()


async def test_tampered_blob_is_rejected_and_nothing_is_stored(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    document = tmp_path / "notes.bin"
    document.write_bytes(os.urandom(50_000))
    try:
        message_id = await alice.attachments.send_file("bob", document)
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        info = await attachment_message(bob, "alice", message_id)
        blob_file = next(
            path
            for path in (tmp_path / "relay").rglob("*")
            if path.is_file() and path.name == info.blob_id  # type: ignore[attr-defined]
        )
        data = bytearray(blob_file.read_bytes())
        data[len(data) // 2] ^= 0x01
        blob_file.write_bytes(bytes(data))
        with pytest.raises(AttachmentRejected):
            await bob.attachments.download("alice", message_id)
        await bob_log.wait_for(lambda events: any(isinstance(e, AttachmentStored) for e in events))
        assert [e.ok for e in bob_log.of_type(AttachmentStored)] == [False]
        info = await attachment_message(bob, "alice", message_id)
        assert info.local_file_id is None and info.local_status == "failed"  # type: ignore[attr-defined]
        kept = [path for path in bob.store.paths.attachments.rglob("*") if path.is_file()]
        assert kept == []  # no partial plaintext, not even an encrypted one
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


def files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    """Every file under ``root`` that contains any of ``needles``."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(path)
    return found


async def shown(client: ChatClient, peer: str) -> list[Message]:
    """The conversation's messages, without the notes that the timer changed."""
    return [m for m in await client.messages.history(peer) if m.kind != TIMER_NOTE_KIND]


async def test_disappearing_messages_leave_no_trace(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    bob_log, alice_log = EventLog(bob), EventLog(alice)
    photo = tmp_path / "outside" / "secret.png"
    photo.parent.mkdir()
    Image.effect_noise((64, 64), 80).convert("RGB").save(photo)
    prepared = prepare_image(photo).data
    canary = "CANARY-vanishing-text-7f3a9"
    needles = [canary.encode(), prepared[100:164], photo.read_bytes()[200:264]]
    try:
        await alice.conversations.set_disappearing_timer("bob", 2)
        text_id = await alice.messages.send_text("bob", canary)
        photo_id = await alice.attachments.send_file("bob", photo)
        await bob_log.wait_for(
            lambda events: (
                len(
                    [
                        e
                        for e in events
                        if isinstance(e, MessageReceived) and e.kind != TIMER_NOTE_KIND
                    ]
                )
                == 2
            )
        )
        assert {m.id for m in await shown(bob, "alice")} == {text_id, photo_id}
        assert (await bob.messages.get("alice", text_id)).expire_timer == 2  # type: ignore[union-attr]

        async def photo_downloaded() -> bool:
            attachment = await attachment_message(bob, "alice", photo_id)
            return attachment.local_status == "done"  # type: ignore[attr-defined]

        await wait_until(photo_downloaded)
        await bob.conversations.mark_read("alice", photo_id)  # Bob's timer starts when he reads
        await bob_log.wait_for(
            lambda events: any(isinstance(e, MessagesExpired) for e in events), timeout=10
        )
        await alice_log.wait_for(
            lambda events: any(isinstance(e, MessagesExpired) for e in events), timeout=10
        )
        await asyncio.sleep(1.0)  # the relay's sweeper runs every 0.2 s here
        # Only the notes that the timer changed stay (they hold no content).
        assert await shown(alice, "bob") == [] and await shown(bob, "alice") == []
        assert (
            await bob.messages.search("vanishing") == []
            and await alice.messages.search("vanishing") == []
        )
    finally:
        bob_log.close()
        alice_log.close()
        await alice.close()
        await bob.close()
    leftovers = files_containing(tmp_path / "alice", needles)
    leftovers += files_containing(tmp_path / "bob", needles)
    leftovers += files_containing(tmp_path / "relay", needles)
    assert leftovers == []


async def test_a_sent_file_remembers_its_blob_so_it_can_be_resent(
    tmp_path: Path, relay: RelayServer
) -> None:
    """Our own file's row names the blob it was uploaded as: a retry request or a history
    transfer re-points to it (before, only the outbox knew it, and a resend of one of our
    files was impossible: ``content_from_message`` needs the blob id)."""
    from chat_desktop.services.resending import content_from_message
    from chat_desktop.storage.models import MessageKey

    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    document = tmp_path / "notes.pdf"
    document.write_bytes(os.urandom(20_000))
    try:
        message_id = await alice.attachments.send_file("bob", document)
        await bob_log.wait_for(lambda events: any(isinstance(e, MessageReceived) for e in events))
        received = await attachment_message(bob, "alice", message_id)
        sent = await alice.run_in_store(
            lambda: alice.store.messages.get(MessageKey("bob", message_id))
        )
        assert sent is not None and sent.attachment is not None
        assert sent.attachment.blob_id == received.blob_id  # type: ignore[attr-defined]
        assert content_from_message(sent) is not None
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()
