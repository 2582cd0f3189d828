"""Where a small popup (the reaction picker, the emoji picker) opens: above a point, on screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def show_above(popup: QWidget, global_pos: QPoint) -> None:
    """Shows ``popup`` centred above ``global_pos``, or below it where the screen ends above."""
    popup.adjustSize()
    size = popup.sizeHint()
    top_left = QPoint(global_pos.x() - size.width() // 2, global_pos.y() - size.height() - 4)
    screen = QGuiApplication.screenAt(global_pos) or QGuiApplication.primaryScreen()
    if screen is not None:
        area: QRect = screen.availableGeometry()
        x = max(area.left(), min(top_left.x(), area.right() - size.width()))
        y = top_left.y() if top_left.y() >= area.top() else global_pos.y() + 4
        top_left = QPoint(x, y)
    popup.move(top_left)
    popup.show()
