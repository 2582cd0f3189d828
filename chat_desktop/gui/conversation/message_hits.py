"""Hit-testing a message row: which clickable part (link, chip, quote, image, file) is where.

It reads the same :class:`~chat_desktop.gui.conversation.message_layout.MessageLayout` that
sizes and paints the row, so what a click hits always matches what is drawn.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextLine

from chat_desktop.gui.conversation.link_text import Link
from chat_desktop.gui.conversation.message_layout import MessageLayout, TransferState
from chat_desktop.gui.conversation.voice_note_painting import is_voice_note, seek_fraction
from chat_desktop.services.types import Message

HitKind = Literal[
    "quote", "link", "chip", "cancel", "download", "open", "image", "edited", "play", "seek"
]


class Hit(msgspec.Struct, frozen=True):
    """What a point of a row is: a clickable part and its value (target id, URL, emoji)."""

    kind: HitKind
    value: str = ""


def link_at(layout: MessageLayout, point: QPoint) -> Link | None:
    """The link under ``point`` (row coordinates), if any."""
    text_layout = layout.text_layout
    if not layout.links or text_layout is None or layout.text is None:
        return None
    x = point.x() - layout.text.left()
    y = point.y() - layout.text.top()
    for number in range(text_layout.lineCount()):
        line = text_layout.lineAt(number)
        if not line.y() <= y < line.y() + line.height():
            continue
        if x < 0 or x > line.naturalTextWidth():
            return None
        position = line.xToCursor(x, QTextLine.CursorPosition.CursorOnCharacter)
        for link in layout.links:
            if link.contains(position):
                return link
        return None
    return None


def hit_test(
    layout: MessageLayout, message: Message, point: QPoint, state: TransferState
) -> Hit | None:
    """What is under ``point`` (row coordinates): a clickable part, the "edited" mark, or None.

    A click on a not-yet-downloaded attachment answers ``download`` (the caller lets it take
    the usual download path); a moving one answers ``cancel`` on its button.
    """
    if layout.notice or layout.note:
        return None
    for chip in layout.chips:
        if chip.rect.contains(point):
            return Hit("chip", chip.emoji)
    if not layout.bubble.contains(point):
        return None
    quote = layout.quote
    if (
        quote is not None
        and message.quote is not None
        and message.quote.found
        and quote.rect.contains(point)
    ):
        return Hit("quote", message.quote.target_id)
    parts = layout.footer_parts
    if parts is not None and parts.edited is not None and parts.edited.contains(point):
        return Hit("edited")
    link = link_at(layout, point)
    if link is not None:
        return Hit("link", link.url)
    card = layout.link_preview
    if card is not None and message.link_preview is not None and card.contains(point):
        return Hit("link", message.link_preview.url)
    if layout.image is not None and layout.image.contains(point):
        if state == "transfer":
            button = layout.image_button
            return Hit("cancel") if button is not None and button.contains(point) else None
        return Hit("image") if state == "ready" else Hit("download")
    if layout.file is not None and layout.file_row is not None:
        parts_file = layout.file
        if state == "transfer":
            return Hit("cancel") if parts_file.badge.contains(point) else None
        if state == "ready" and is_voice_note(message):  # play, or seek on the waveform
            if parts_file.badge.contains(point):
                return Hit("play")
            fraction = seek_fraction(layout, point)
            return None if fraction is None else Hit("seek", f"{fraction:.4f}")
        if layout.file_row.contains(point):
            return Hit("open") if state == "ready" else Hit("download")
    return None
