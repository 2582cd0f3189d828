"""The ``voice`` field of an attachment content: its bytes (docs/protocol.md §4) and bounds."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    AttachmentContent,
    VoiceNote,
    decode_content,
    encode_content,
    pad,
)

pytestmark = pytest.mark.unit

MESSAGE_ID = "01890a5d-ac96-774b-bcce-b302099a8057"


def voice_attachment(**changes: object) -> AttachmentContent:
    fields: dict[str, object] = {
        "id": MESSAGE_ID,
        "sent_at": 1,
        "blob_id": "",
        "key": bytes(64),
        "digest": bytes(32),
        "size": 5_000,
        "mime_type": "audio/ogg",
        "file_name": "voice-note.ogg",
        "voice": VoiceNote(duration_ms=2000, waveform=b"\x10\x20"),
    }
    fields.update(changes)
    return AttachmentContent(**fields)  # type: ignore[arg-type]


def test_the_voice_note_map_has_the_pinned_bytes() -> None:
    encoded = msgspec.msgpack.encode(VoiceNote(duration_ms=2000, waveform=b"\x10\x20"))
    assert encoded == bytes.fromhex(
        "82 ab 6475726174696f6e5f6d73 cd 07d0 a8 77617665666f726d c4 02 1020"
    )


def test_a_voice_note_goes_through_encoding_unchanged() -> None:
    content = voice_attachment()
    assert decode_content(encode_content(content)) == content


def test_an_attachment_without_the_field_is_a_plain_file() -> None:
    old = msgspec.msgpack.decode(msgspec.msgpack.encode(voice_attachment(voice=None)))
    del old["voice"]  # written by senders from before the field
    decoded = decode_content(pad(msgspec.msgpack.encode(old)))
    assert isinstance(decoded, AttachmentContent) and decoded.voice is None


@pytest.mark.parametrize(
    "changes",
    [{"size": 8 * 1024 * 1024 + 1}, {"mime_type": "audio/mpeg"}, {"thumbnail": b"\xff\xd8"}],
    ids=["oversize", "not_ogg_or_webm", "thumbnail"],
)
def test_a_sender_cannot_make_a_voice_note_out_of_bounds(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="voice note"):
        voice_attachment(**changes)
