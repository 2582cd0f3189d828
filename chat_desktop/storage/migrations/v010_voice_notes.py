"""Schema v10: what makes an attachment a voice note (issue 23, item 6).

Two columns of ``messages``, both NULL for any other message: ``att_voice_ms``, the voice
note's length in milliseconds as its sender claimed it (the download checks it against the
decoded file, docs/protocol.md §5), and ``att_waveform``, its levels to draw (at most 100
bytes). They go with the attachment: deleting it for everyone clears them.
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE messages ADD COLUMN att_voice_ms INTEGER "
    "CHECK (att_voice_ms IS NULL OR att_voice_ms > 0)",
    "ALTER TABLE messages ADD COLUMN att_waveform BLOB",
)
