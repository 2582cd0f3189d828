"""``TrayIcon``: the app in the system tray, with the unread total painted as a badge.

The icon is the application icon with a round red badge holding the unread total
of every conversation not archived; the tooltip says it in words. The menu offers Show, Lock
and Quit; a click shows and raises the window. The tray exists only where the desktop has
one (``QSystemTrayIcon.isSystemTrayAvailable()``); the computed count, icon and tooltip are
kept either way, so tests can check them without a real tray. It also shows a notification
bubble (``showMessage``) when the native notification service is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from chat_desktop.gui.common.icons import app_icon
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.common.translation import APP_NAME
from chat_desktop.gui.conversation_list.delegate import badge_text

logger = logging.getLogger(__name__)

#: The sizes the badged icon is rendered at (trays ask for 16–64 px).
TRAY_ICON_SIZES = (16, 22, 24, 32, 48, 64)


def badge_rect(side: int) -> QRectF:
    """Where the badge goes on an icon of ``side`` pixels (the top-right corner)."""
    diameter = side * 0.58
    return QRectF(side - diameter, 0, diameter, diameter)


def badged_image(count: int, side: int) -> QImage:
    """The application icon at ``side`` pixels with ``count`` in a badge (none for 0)."""
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    app_icon().paint(painter, 0, 0, side, side)
    if count > 0:
        colors = current_colors()
        rect = badge_rect(side)
        # Red on a light ring: it stands out on the blue icon and on any tray background.
        ring = max(1.0, side / 32)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.highlighted_text))
        painter.drawEllipse(rect)
        painter.setBrush(QColor(colors.danger))
        painter.drawEllipse(rect.adjusted(ring, ring, -ring, -ring))
        font = QFont()
        font.setBold(True)
        text = badge_text(count)
        font.setPixelSize(max(6, int(rect.height() * (0.62 if len(text) == 1 else 0.45))))
        painter.setFont(font)
        painter.setPen(QColor(colors.highlighted_text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def badged_icon(count: int) -> QIcon:
    """The tray icon for an unread total of ``count`` (rendered at every tray size)."""
    result = QIcon()
    for side in TRAY_ICON_SIZES:
        result.addPixmap(QPixmap.fromImage(badged_image(count, side)))
    return result


class TrayIcon(QObject):
    """The tray icon of an unlocked app (created and removed with the main window).

    Args:
        parent: Owner (the controller).
        available: Whether to show a real tray icon; None asks the desktop.

    Signals:
        showRequested(): Show and raise the window (a click, or "Show").
        lockRequested(): "Lock" was chosen.
        quitRequested(): "Quit" was chosen.
    """

    showRequested = Signal()  # noqa: N815
    lockRequested = Signal()  # noqa: N815
    quitRequested = Signal()  # noqa: N815

    def __init__(self, parent: QObject | None = None, *, available: bool | None = None) -> None:
        """Builds the menu and, where the desktop has a tray, shows the icon."""
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        #: The unread total shown (tests read it).
        self.unread_count = 0
        #: The icon shown (tests render it).
        self.icon = badged_icon(0)
        #: The tooltip shown.
        self.tooltip = APP_NAME
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.show_action = self._action(self.tr("Show chat_desktop"), self.showRequested.emit)
        self.lock_action = self._action(self.tr("Lock"), self.lockRequested.emit)
        self.menu.addSeparator()
        self.quit_action = self._action(self.tr("Quit"), self.quitRequested.emit)
        self._on_message_clicked: Callable[[], None] | None = None
        self._tray: QSystemTrayIcon | None = None
        if self.available:
            tray = QSystemTrayIcon(self.icon, self)
            tray.setToolTip(self.tooltip)
            tray.setContextMenu(self.menu)
            tray.activated.connect(self._on_activated)
            tray.messageClicked.connect(self._message_clicked)
            tray.show()
            self._tray = tray

    def _action(self, text: str, emit: Callable[[], None]) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(lambda _checked=False: emit())
        return action

    def set_unread_count(self, count: int) -> None:
        """Shows ``count`` unread messages on the icon and in the tooltip."""
        count = max(0, count)
        if count == self.unread_count:
            return
        self.unread_count = count
        self.icon = badged_icon(count)
        self.tooltip = (
            self.tr("%1 — %n unread", "", count).replace("%1", APP_NAME) if count else APP_NAME
        )
        if self._tray is not None:
            self._tray.setIcon(self.icon)
            self._tray.setToolTip(self.tooltip)

    def icon_image(self, side: int = 64) -> QImage:
        """The current icon at ``side`` pixels (what a test looks at)."""
        return self.icon.pixmap(QSize(side, side)).toImage()

    def show_message(self, title: str, body: str, on_clicked: Callable[[], None]) -> bool:
        """Shows a notification bubble from the tray; False where there is no tray."""
        if self._tray is None or not QSystemTrayIcon.supportsMessages():
            return False
        self._on_message_clicked = on_clicked
        self._tray.showMessage(title, body, self.icon)
        return True

    def _message_clicked(self) -> None:
        callback, self._on_message_clicked = self._on_message_clicked, None
        if callback is not None:
            callback()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.showRequested.emit()

    def dispose(self) -> None:
        """Removes the icon from the tray (the app locked or quit)."""
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
        self.menu.deleteLater()
        self.deleteLater()
