"""What a receiver keeps of a received preview: all of it when every rule holds, else nothing.

A peer's preview (docs/protocol.md §4, ``preview``) is checked apart from its text: a field
out of its bound or of the wrong type, an address not in the text, or an image that is not a
JPEG decoding within 256 × 256 pixels drops the preview, and the text is kept. The drop is
recorded in the log by the rule broken, never by what the preview said. A backup being
restored (docs/protocol.md §12.3) goes through the same checks.
"""

from __future__ import annotations

import logging

import msgspec

from chat_desktop.protocol.link_preview import LinkPreview, LinkPreviewError, decode_preview
from chat_desktop.protocol.message_content import Content, TextContent
from chat_desktop.services.link_preview_images import PreviewImageRefused, check_preview_image

_log = logging.getLogger(__name__)


def checked_preview(raw: msgspec.Raw | bytes, text: str) -> LinkPreview | None:
    """The preview in ``raw`` (its msgpack map) for a message of ``text``, checked; None
    (recorded in the log) when it breaks a rule."""
    try:
        preview = decode_preview(raw, text)
        if preview.image is not None:
            check_preview_image(preview.image)
    except (LinkPreviewError, PreviewImageRefused) as error:
        _log.warning("a link preview was dropped, its text kept: %s", error)
        return None
    return preview


def received_preview(content: Content) -> LinkPreview | None:
    """The preview of a received text, checked; None when it has none (or is not a text) or
    when its preview breaks a rule."""
    if not isinstance(content, TextContent) or isinstance(content.preview, msgspec.UnsetType):
        return None
    return checked_preview(content.preview, content.text)
