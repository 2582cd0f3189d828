"""Link previews of text messages: at most one per message, stored as it was checked.

The receiver checks a preview before it gets here (docs/protocol.md §4): this table only
keeps it with its message, as the msgpack map of the wire. A window of messages reads it in
its own statement (:data:`PREVIEW_COLUMN`, a correlated subquery), so previews cost no query
of their own. A row goes when its message goes (the foreign key cascades) and when the
message is deleted for everyone (:meth:`LinkPreviewRepository.clear`).
"""

from __future__ import annotations

from typing import Final

import msgspec

from chat_desktop.protocol.link_preview import LinkPreview
from chat_desktop.storage.db import Database

#: The stored preview of the ``messages`` row of the same statement (NULL if none).
PREVIEW_COLUMN: Final = (
    "(SELECT lp.preview FROM link_previews AS lp "
    "WHERE lp.conversation_id = messages.conversation_id AND lp.message_id = messages.id)"
)

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(LinkPreview)


def stored_preview(value: object) -> LinkPreview | None:
    """The preview a :data:`PREVIEW_COLUMN` read (None if none, or if it no longer decodes)."""
    if not isinstance(value, bytes | bytearray | memoryview):
        return None
    try:
        return _decoder.decode(bytes(value))
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


class LinkPreviewRepository:
    """Writes of ``link_previews`` (reads go with the message rows, :data:`PREVIEW_COLUMN`).

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def put(self, conversation_id: str, message_id: str, preview: LinkPreview) -> None:
        """Stores the preview of one message (which must exist); replaces an older one."""
        self._db.execute(
            "INSERT INTO link_previews(conversation_id, message_id, preview) VALUES (?, ?, ?) "
            "ON CONFLICT(conversation_id, message_id) DO UPDATE SET preview = excluded.preview",
            (conversation_id, message_id, _encoder.encode(preview)),
        )

    def clear(self, conversation_id: str, message_id: str) -> None:
        """Removes the preview of one message (a delete for everyone)."""
        self._db.execute(
            "DELETE FROM link_previews WHERE conversation_id = ? AND message_id = ?",
            (conversation_id, message_id),
        )
