"""``Composer``: the text box under a conversation (Enter sends, Shift+Enter breaks a line)."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QToolButton, QWidget

from chat_desktop.gui.notices import choose_file

#: "Typing" is re-sent at most this often while the user keeps typing.
TYPING_REPEAT_MS = 4_000
#: "Stopped typing" after this long without a keystroke.
TYPING_IDLE_MS = 5_000
MAX_LINES_SHOWN = 6


class ComposerEdit(QPlainTextEdit):
    """A plain-text box where Enter submits and Shift+Enter inserts a newline.

    Signals:
        submitted(): Enter was pressed.
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter submits; Shift+Enter (or Enter while composing with an IME) is a newline."""
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if is_enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Text box, attach button and typing notifications for one conversation.

    Signals:
        sendRequested(str): The user sent this text (already stripped, never empty).
        attachRequested(object): The user picked a file (a ``pathlib.Path``).
        typingChanged(bool): Throttled: True while typing, False once idle or sent.
    """

    sendRequested = Signal(str)  # noqa: N815
    attachRequested = Signal(object)  # noqa: N815
    typingChanged = Signal(bool)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the composer."""
        super().__init__(parent)
        self.setObjectName("composer")
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setPlaceholderText("Write a message…  (Enter sends, Shift+Enter: new line)")
        self.edit.setTabChangesFocus(True)
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(line * 2 + 14)
        self.attach_button = QToolButton(self)
        self.attach_button.setText("📎")
        self.attach_button.setToolTip("Send a file or an image")
        self.attach_button.setObjectName("attachButton")
        attach_font = self.attach_button.font()
        attach_font.setPointSizeF(attach_font.pointSizeF() * 1.4)
        self.attach_button.setFont(attach_font)
        self.send_button = QToolButton(self)
        self.send_button.setText("Send")
        self.send_button.setObjectName("sendButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addWidget(self.attach_button)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send_button)
        self._typing = False
        self._since_typing_sent = QElapsedTimer()
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(TYPING_IDLE_MS)
        self._idle.timeout.connect(lambda: self._set_typing(False))
        self.edit.submitted.connect(self.submit)
        self.send_button.clicked.connect(self.submit)
        self.file_chooser: QFileDialog | None = None
        self.attach_button.clicked.connect(self._choose_file)
        self.edit.textChanged.connect(self._on_text_changed)

    def submit(self) -> None:
        """Sends the text (if any) and clears the box."""
        text = self.edit.toPlainText().strip()
        if not text:
            return
        self.edit.clear()
        self._set_typing(False)
        self.sendRequested.emit(text)

    def _choose_file(self) -> None:
        self.file_chooser = choose_file(self, "Send a file", self.attachRequested.emit)

    def _on_text_changed(self) -> None:
        lines = max(2, min(MAX_LINES_SHOWN, self.edit.document().blockCount()))
        self.edit.setFixedHeight(self.edit.fontMetrics().lineSpacing() * lines + 14)
        if not self.edit.toPlainText():
            self._set_typing(False)
            return
        self._idle.start()
        if not self._typing or self._since_typing_sent.elapsed() >= TYPING_REPEAT_MS:
            self._set_typing(True)

    def _set_typing(self, typing: bool) -> None:
        if typing:
            self._since_typing_sent.restart()
        else:
            self._idle.stop()
            if not self._typing:
                return
        self._typing = typing
        self.typingChanged.emit(typing)
