"""Picking several messages of the list, to forward or delete them together (issue 23, item 4).

"Select" in a message's menu starts picking with that message; while picking, a click on a
message (or Space on the current one) adds or removes it, and Esc or the bar's Cancel stops.
The picked rows are tinted with a check mark at their left edge, drawn over the list (the
delegate's painting and the rows' heights don't change). The picked ids are kept in the order
they were picked; the engine sends them oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen

from chat_desktop.gui.common.theme import current_colors

#: Most messages picked at once (what the engine forwards at once).
MAX_PICKED = 100
#: The check mark's circle (px) and its distance from the row's left edge: inside the row's
#: margin, left of every bubble (message_layout.ROW_MARGIN_H is 14).
MARK_SIZE = 12
MARK_MARGIN = 1


class MessagePicking(QObject):
    """Which messages are picked, and whether picking is on.

    Signals:
        changed(): Picking started or stopped, or a message was picked or unpicked.

    Attributes:
        active: Whether picking is on.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        """Picking off, nothing picked."""
        super().__init__(parent)
        self.active = False
        self._picked: dict[str, None] = {}

    @property
    def picked(self) -> list[str]:
        """The picked message ids, in the order they were picked."""
        return list(self._picked)

    def start(self, message_id: str) -> None:
        """Turns picking on with ``message_id`` picked."""
        self.active = True
        self._picked = {message_id: None}
        self.changed.emit()

    def toggle(self, message_id: str) -> None:
        """Picks ``message_id``, or unpicks it if it was (at most :data:`MAX_PICKED`)."""
        if message_id in self._picked:
            del self._picked[message_id]
        elif len(self._picked) < MAX_PICKED:
            self._picked[message_id] = None
        self.changed.emit()

    def forget(self, message_ids: Iterable[str]) -> None:
        """Unpicks messages that left the conversation (deleted, expired)."""
        before = len(self._picked)
        for message_id in message_ids:
            self._picked.pop(message_id, None)
        if len(self._picked) != before:
            self.changed.emit()

    def stop(self) -> None:
        """Turns picking off and unpicks everything."""
        if self.active or self._picked:
            self.active = False
            self._picked = {}
            self.changed.emit()

    def is_picked(self, message_id: str) -> bool:
        """Whether ``message_id`` is picked."""
        return message_id in self._picked


def paint_picked(painter: QPainter, rows: Iterable[tuple[QRect, bool]]) -> None:
    """Draws each row's check circle (filled and ticked when picked) and tints picked rows."""
    colors = current_colors()
    accent = QColor(colors.accent)
    tint = QColor(accent)
    tint.setAlpha(40)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for rect, picked in rows:
        mark = QRect(
            rect.left() + MARK_MARGIN,
            rect.center().y() - MARK_SIZE // 2,
            MARK_SIZE,
            MARK_SIZE,
        )
        if picked:
            painter.fillRect(rect, tint)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(accent)
            painter.drawEllipse(mark)
            painter.setPen(QPen(QColor(colors.accent_text), 2))
            centre = QPointF(mark.center())
            painter.drawPolyline(
                [centre + QPointF(-3, 0), centre + QPointF(-1, 2.5), centre + QPointF(3, -2.5)]
            )
        else:
            painter.setPen(QPen(QColor(colors.control_border), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(mark)
    painter.restore()
