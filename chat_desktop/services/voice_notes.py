"""Voice notes as attachments: what goes on the wire, and the check a received one passes.

A voice note is an attachment (docs/protocol.md §5) whose content carries ``voice``: its
length and a waveform. Sending encodes the recorded PCM (in a thread) and queues the file
like any other, with that ``voice``; receiving stores the claims with the message, and the
download decodes the file before keeping it: one that is not Opus in Ogg/WebM, cannot be
decoded, or is not as long as it says (:func:`~chat_desktop.services.voice_codec.check_voice`)
is refused, stored nowhere, and its message stays without a file (status "failed").
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO, Final

from chat_desktop.protocol.message_content import VOICE_MIME_TYPES, VoiceNote
from chat_desktop.services.attachment_upload import PreparedFile
from chat_desktop.services.voice_codec import EncodedVoice, check_voice, clean_waveform
from chat_desktop.storage.models import AttachmentInfo

#: The file name a voice note is sent under.
VOICE_FILE_NAME: Final = "voice-note.ogg"
#: The MIME type we send voice notes as.
VOICE_MIME_TYPE: Final = VOICE_MIME_TYPES[0]


def voice_note_of(info: AttachmentInfo | None) -> VoiceNote | None:
    """The ``voice`` field for a stored attachment, or None if it is not a voice note."""
    if info is None or info.voice_ms is None:
        return None
    return VoiceNote(duration_ms=info.voice_ms, waveform=clean_waveform(info.waveform))


def prepared_voice(encoded: EncodedVoice) -> PreparedFile:
    """An encoded voice note as a file ready for the attachment upload."""
    return PreparedFile(
        path=Path(VOICE_FILE_NAME),
        data=encoded.data,
        mime=VOICE_MIME_TYPE,
        name=VOICE_FILE_NAME,
        width=None,
        height=None,
        thumbnail=None,
        voice=VoiceNote(duration_ms=encoded.duration_ms, waveform=encoded.waveform),
    )


class VoiceCheckingSink(io.RawIOBase):
    """Passes a decrypted attachment on to ``target`` and keeps a copy to check at the end.

    Only voice notes go through it; they are at most 8 MiB (the schema's bound), so the copy
    fits in memory. :meth:`check` decodes it and raises ``VoiceRejected`` if it is refused.
    """

    def __init__(self, target: BinaryIO, claimed_ms: int) -> None:
        """Writes go to ``target``; the file is to be ``claimed_ms`` long."""
        super().__init__()
        self._target = target
        self._claimed_ms = claimed_ms
        self._copy = bytearray()

    def writable(self) -> bool:
        """Always: this is a write-only stream."""
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Writes ``data`` to the target and to the copy."""
        self._target.write(data)
        self._copy += data
        return len(data)

    def check(self) -> None:
        """Decodes the copy and checks its length against the claim.

        Raises:
            VoiceRejected: Not a voice note, or not as long as claimed.
        """
        check_voice(bytes(self._copy), self._claimed_ms)
