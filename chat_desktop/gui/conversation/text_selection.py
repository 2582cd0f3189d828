"""Selecting part of a message's text with the mouse, to copy it (issue 23, item 5).

The message list paints its bubbles itself, so there is no text widget to select in: the
selection is kept here, as the message and two cursor positions in its laid-out text (UTF-16
units, where Qt's text layout counts), and the delegate draws it as a highlighted range. A
press on a bubble's text starts it, dragging extends it (within that bubble, as in Signal
Desktop), a double click selects a word, and a press anywhere else clears it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QTextCharFormat, QTextLayout

from chat_desktop.gui.conversation.message_layout import MessageLayout


def cursor_at(layout: MessageLayout, point: QPoint) -> int | None:
    """The text position (UTF-16) nearest ``point`` (row coordinates) in the row's text, or
    None when the point is not on the text's box."""
    text_layout = layout.text_layout
    if layout.text is None or text_layout is None or not layout.text.contains(point):
        return None
    local = QPointF(point - layout.text.topLeft())
    for number in range(text_layout.lineCount()):
        line = text_layout.lineAt(number)
        if local.y() < line.y() + line.height() or number == text_layout.lineCount() - 1:
            return line.xToCursor(local.x())
    return None


def utf16_slice(text: str, start: int, end: int) -> str:
    """``text`` from UTF-16 position ``start`` to ``end``."""
    units = text.encode("utf-16-le")
    return units[2 * start : 2 * end].decode("utf-16-le", errors="ignore")


def word_around(text: str, position: int) -> tuple[int, int]:
    """The UTF-16 span of the word at ``position`` (letters and digits), or an empty span."""
    units = text.encode("utf-16-le")
    chars = [units[i : i + 2].decode("utf-16-le", errors="ignore") for i in range(0, len(units), 2)]

    def in_word(index: int) -> bool:
        char = chars[index] if 0 <= index < len(chars) else ""
        return len(char) == 1 and (char.isalnum() or char in "'’-_")

    start = end = position
    while in_word(start - 1):
        start -= 1
    while in_word(end):
        end += 1
    return start, end


class TextSelection:
    """The selected range of one message's text (or none).

    Attributes:
        message_id: The message whose text is selected, or None.
        anchor: Where the selection began (UTF-16 position).
        cursor: Where it ends now (before or after ``anchor``).
        dragging: Whether the mouse button that makes it is still down.
    """

    def __init__(self) -> None:
        """No selection."""
        self.message_id: str | None = None
        self.anchor = 0
        self.cursor = 0
        self.dragging = False

    @property
    def span(self) -> tuple[int, int]:
        """The selected range, start first (empty when nothing is selected)."""
        return (min(self.anchor, self.cursor), max(self.anchor, self.cursor))

    def has_text(self, message_id: str | None = None) -> bool:
        """Whether some text is selected (of ``message_id`` when given)."""
        start, end = self.span
        chosen = self.message_id is not None and end > start
        return chosen and (message_id is None or message_id == self.message_id)

    def start(self, message_id: str, position: int) -> None:
        """A press at ``position`` of the message's text: an empty selection there."""
        self.message_id, self.anchor, self.cursor, self.dragging = (
            message_id,
            position,
            position,
            True,
        )

    def extend(self, position: int) -> None:
        """Dragged to ``position``."""
        self.cursor = position

    def select(self, message_id: str, start: int, end: int) -> None:
        """Selects ``start``–``end`` of the message's text (a double-clicked word)."""
        self.message_id, self.anchor, self.cursor, self.dragging = message_id, start, end, False

    def clear(self) -> bool:
        """Selects nothing; True if something was selected."""
        had = self.has_text()
        self.message_id, self.anchor, self.cursor, self.dragging = None, 0, 0, False
        return had

    def selected_text(self, text: str) -> str:
        """The selected part of ``text`` (the message's laid-out text)."""
        start, end = self.span
        return utf16_slice(text, start, end)

    def ranges(self, message_id: str, look: QTextCharFormat) -> list[QTextLayout.FormatRange]:
        """The selection as a format range (drawn in ``look``) for ``message_id``'s text:
        none if another message's text is selected."""
        if not self.has_text(message_id):
            return []
        start, end = self.span
        format_range = QTextLayout.FormatRange()
        format_range.start, format_range.length = start, end - start
        format_range.format = look
        return [format_range]
