"""``IncomingCallWindow``: a call rings on this computer: who, voice or video; accept or
decline.

A small window of its own, on top, not modal (the app never nests an event loop). It rings
(the desktop's beep, every :data:`RING_INTERVAL_MS`) until the user answers, or the call
ends by itself (answered on another device, hung up, timed out): the controller then closes
it with :meth:`IncomingCallWindow.dismiss`. Keyboard: Enter accepts (with video for a
video call), Escape or closing the window declines.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.calls.call_words import incoming_text
from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.icons import icon, tinted_icon
from chat_desktop.gui.common.theme import current_colors

#: How often the ring sounds while the window waits for an answer.
RING_INTERVAL_MS = 2_500


class IncomingCallWindow(QDialog):
    """The ringing window of one incoming call.

    Signals:
        acceptRequested(bool): Accept, with video (True) or voice only.
        declineRequested(): Decline (the button, Escape, or closing the window).

    Attributes:
        call_id: The call it rings for.
        video: Whether the caller offers video.
        rings: How many times it has rung (tests look).
    """

    acceptRequested = Signal(bool)  # noqa: N815
    declineRequested = Signal()  # noqa: N815

    def __init__(
        self,
        call_id: str,
        name: str,
        video: bool,
        avatar: QPixmap | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Builds the window for ``name``'s call (their profile name, else username)."""
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("incomingCallWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.call_id = call_id
        self.video = video
        self.rings = 0
        self._answered = False
        what = incoming_text(video)
        self.setWindowTitle(self.tr("Call from %1").replace("%1", name))
        picture = QLabel()
        picture.setObjectName("callerAvatar")
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if avatar is not None and not avatar.isNull():
            picture.setPixmap(
                avatar.scaled(
                    96,
                    96,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            picture.setPixmap(icon("video" if video else "call").pixmap(64, 64))
        self.name_label = QLabel(name)
        self.name_label.setObjectName("callerName")
        self.name_label.setProperty("heading", True)
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark_as_data(self.name_label)
        self.what_label = QLabel(what)
        self.what_label.setObjectName("callKind")
        self.what_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.accept_video_button = QPushButton(icon("video"), self.tr("Accept with video"))
        self.accept_video_button.setObjectName("acceptVideoButton")
        self.accept_video_button.setVisible(video)
        self.accept_voice_button = QPushButton(
            icon("call"), self.tr("Accept voice only") if video else self.tr("Accept")
        )
        self.accept_voice_button.setObjectName("acceptVoiceButton")
        colors = current_colors()
        self.decline_button = QPushButton(
            tinted_icon("hang-up", colors.accent_text), self.tr("Decline")
        )
        self.decline_button.setObjectName("declineButton")
        self.decline_button.setStyleSheet(
            f"QPushButton#declineButton {{ background: {colors.danger};"
            f" color: {colors.accent_text}; border: 1px solid {colors.danger}; }}"
        )
        name_controls(
            (self.accept_video_button, self.tr("Accept the call with video")),
            (self.accept_voice_button, self.tr("Accept the call with voice only")),
            (self.decline_button, self.tr("Decline the call")),
        )
        self.setAccessibleName(self.windowTitle())
        self.setAccessibleDescription(what)
        self.accept_video_button.clicked.connect(lambda: self._accept(True))
        self.accept_voice_button.clicked.connect(lambda: self._accept(False))
        self.decline_button.clicked.connect(self.reject)
        default = self.accept_video_button if video else self.accept_voice_button
        # The default button wears the accent: its icon takes the accent's text colour.
        default.setIcon(tinted_icon("video" if video else "call", colors.accent_text))
        default.setDefault(True)
        default.setAutoDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline_button)
        buttons.addStretch(1)
        buttons.addWidget(self.accept_voice_button)
        buttons.addWidget(self.accept_video_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(picture)
        layout.addWidget(self.name_label)
        layout.addWidget(self.what_label)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.accept_video_button, self.accept_voice_button)
        QWidget.setTabOrder(self.accept_voice_button, self.decline_button)
        self._ringer = QTimer(self)
        self._ringer.setInterval(RING_INTERVAL_MS)
        self._ringer.timeout.connect(self._ring)

    def showEvent(self, event: object) -> None:  # noqa: N802
        """Starts ringing (once now, then on the timer) and takes the focus."""
        super().showEvent(event)  # type: ignore[arg-type]
        if not self._ringer.isActive() and not self._answered:
            self._ring()
            self._ringer.start()
        (self.accept_video_button if self.video else self.accept_voice_button).setFocus()

    def _ring(self) -> None:
        self.rings += 1
        QApplication.beep()

    def _accept(self, video: bool) -> None:
        if self._answered:
            return
        self._answered = True
        self._ringer.stop()
        self.acceptRequested.emit(video)
        self.done(QDialog.DialogCode.Accepted)

    def reject(self) -> None:
        """Escape, the Decline button or closing the window (Qt rejects a closed dialog):
        declines, once."""
        if not self._answered:
            self._answered = True
            self._ringer.stop()
            self.declineRequested.emit()
        super().reject()

    def dismiss(self) -> None:
        """Closes without answering: the call ended or was answered elsewhere."""
        self._answered = True
        self._ringer.stop()
        self.close()

    @property
    def ringing(self) -> bool:
        """Whether it still rings."""
        return self._ringer.isActive()
