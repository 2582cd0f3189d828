"""Hostile voice notes (issue 23, item 6): every lie is refused, and nothing else changes.

The sender here is a real client whose upload is handed a lying voice note (the machinery
below ``send_voice_note``, which never makes one): a note that lies about its length, a file
that is not Opus or not sound at all, a tiny file that unpacks into minutes beside a claim of
seconds. The receiver downloads the blob, decodes it and refuses it: the message stays,
without a file, marked failed; no plaintext or at-rest copy is kept. Claims out of the
protocol's bounds (an oversize note, a length past 15 minutes, a voice note that says it is
a picture) are refused when the content is decoded.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from engine_helpers import EventLog, new_client
from voice_helpers import flac_in_ogg, opus_silence, sine_pcm

from chat_desktop.protocol.message_content import (
    MAX_VOICE_DURATION_MS,
    MAX_VOICE_NOTE_SIZE,
    ContentError,
    VoiceNote,
    decode_content,
    pad,
)
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.attachment_upload import PreparedFile
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import AttachmentStored
from chat_desktop.services.voice_codec import VoiceRejected, encode_voice

pytestmark = pytest.mark.integration


async def send_lying_note(alice: ChatClient, data: bytes, claimed_ms: int) -> str:
    """Alice's real upload and outbox, sending ``data`` as a voice note of ``claimed_ms``."""
    prepared = PreparedFile(
        path=Path("voice-note.ogg"),
        data=data,
        mime="audio/ogg",
        name="voice-note.ogg",
        width=None,
        height=None,
        thumbnail=None,
        voice=VoiceNote(duration_ms=claimed_ms, waveform=bytes(range(0, 250, 10))),
    )
    engine = alice._engine
    return await engine.transfers._uploads.queue(
        "bob", prepared, engine.queue.queue_content, caption="", quote=None
    )


LIES = {
    "length": (lambda: encode_voice(sine_pcm(440, 2.0)).data, 60_000),
    "not_opus": (lambda: flac_in_ogg(1.0), 1_000),
    "not_sound": (lambda: b"OggS" + bytes(range(256)) * 40, 1_000),
    "bomb": (lambda: opus_silence(180.0), 5_000),
}


@pytest.mark.parametrize("lie", sorted(LIES))
async def test_a_lying_voice_note_is_refused_and_nothing_is_kept(
    tmp_path: Path, relay: RelayServer, lie: str
) -> None:
    make, claimed_ms = LIES[lie]
    data = make()
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        await bob.conversations.start("alice")
        message_id = await send_lying_note(alice, data, claimed_ms)
        # The download starts on its own and ends refused.
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, AttachmentStored) and e.message_id == message_id for e in events
            )
        )
        assert [e.ok for e in bob_log.of_type(AttachmentStored)] == [False]
        message = await bob.messages.get("alice", message_id)
        assert message is not None and message.attachment is not None
        assert message.attachment.local_file_id is None
        assert message.attachment.local_status == "failed"
        kept = [path for path in bob.store.paths.attachments.rglob("*") if path.is_file()]
        assert kept == []
        # Asking again is refused the same way, with the reason named.
        with pytest.raises(VoiceRejected):
            await bob.attachments.download("alice", message_id)
        assert [e.ok for e in bob_log.of_type(AttachmentStored)] == [False, False]
        assert [m.id for m in await bob.messages.history("alice")] == [message_id]
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


def attachment_map(**changes: object) -> dict[str, object]:
    """An ``attachment`` content map as a hostile peer could write it."""
    fields: dict[str, object] = {
        "kind": "attachment",
        "blob_id": "0" * 32,
        "key": bytes(64),
        "digest": bytes(32),
        "size": 10_000,
        "mime_type": "audio/ogg",
        "file_name": "voice-note.ogg",
        "caption": "",
        "width": None,
        "height": None,
        "thumbnail": None,
        "quote": None,
        "voice": {"duration_ms": 2_000, "waveform": b"\x10\x20"},
        "v": 1,
        "id": "01890a5d-ac96-774b-bcce-b302099a8057",
        "sent_at": 1,
        "expire_timer": 0,
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    "changes",
    [
        {"size": MAX_VOICE_NOTE_SIZE + 1},
        {"voice": {"duration_ms": MAX_VOICE_DURATION_MS + 1, "waveform": b""}},
        {"voice": {"duration_ms": 0, "waveform": b""}},
        {"voice": {"duration_ms": 2_000, "waveform": bytes(101)}},
        {"mime_type": "application/x-msdownload"},
        {"width": 10, "height": 10},
    ],
    ids=["oversize", "too_long", "empty", "waveform", "not_audio", "picture"],
)
def test_a_voice_note_out_of_its_bounds_is_not_valid_content(changes: dict[str, object]) -> None:
    assert decode_content(pad(msgspec.msgpack.encode(attachment_map())))  # the valid one
    with pytest.raises(ContentError):
        decode_content(pad(msgspec.msgpack.encode(attachment_map(**changes))))
