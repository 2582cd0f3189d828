"""``Composer``: the text box under a conversation (Enter sends, Shift+Enter breaks a line)."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QToolButton, QWidget

from chat_desktop.gui.icons import icon, tinted_icon
from chat_desktop.gui.notices import choose_file
from chat_desktop.gui.theme import current_colors

#: "Typing" is re-sent at most this often while the user keeps typing.
TYPING_REPEAT_MS = 4_000
#: "Stopped typing" after this long without a keystroke.
TYPING_IDLE_MS = 5_000
MAX_LINES_SHOWN = 6
#: The attach and send icons, in line heights of the composer's font (they grow with the text).
ICON_LINES = 1.35


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
    """Text box, attach and send buttons and typing notifications for one conversation.

    The buttons show icons sized from the font (a larger text size makes them larger);
    the send icon is drawn in the accent's text colour and follows theme switches.

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
        # A plain QWidget paints no style-sheet background unless asked to.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setPlaceholderText(self.tr("Write a message…"))
        self.edit.setAccessibleName(self.tr("Message"))
        self.edit.setAccessibleDescription(
            self.tr("Enter sends the message; Shift+Enter starts a new line.")
        )
        self.edit.setToolTip(self.tr("Enter sends, Shift+Enter starts a new line"))
        self.edit.setTabChangesFocus(True)
        self.attach_button = QToolButton(self)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setIcon(icon("attach"))
        self.attach_button.setToolTip(self.tr("Send a file or an image"))
        self.attach_button.setAccessibleName(self.tr("Attach a file"))
        self.attach_button.setAccessibleDescription(self.tr("Send a file or an image"))
        self.attach_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.send_button = QToolButton(self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip(self.tr("Send (Enter)"))
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setAccessibleDescription(self.tr("Sends the message you typed"))
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        for button in (self.attach_button, self.send_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        QWidget.setTabOrder(self.edit, self.send_button)
        QWidget.setTabOrder(self.send_button, self.attach_button)
        # The box's height depends on its style-sheet padding, known once it is polished.
        self.edit.installEventFilter(self)
        self.edit.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._apply_metrics()
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

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Resizes the box and icons with the font, recolours the send icon with the theme."""
        super().changeEvent(event)
        if event.type() in (
            QEvent.Type.FontChange,
            QEvent.Type.PaletteChange,
            QEvent.Type.StyleChange,
        ):
            self._apply_metrics()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Refits the text box when its font or style (hence its padding) changes."""
        if watched is self.edit and event.type() in (
            QEvent.Type.Polish,
            QEvent.Type.Show,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self._fit_height()
        return super().eventFilter(watched, event)

    def _apply_metrics(self) -> None:
        side = round(self.fontMetrics().lineSpacing() * ICON_LINES)
        for button in (self.attach_button, self.send_button):
            button.setIconSize(QSize(side, side))
        self.send_button.setIcon(tinted_icon("send", current_colors().accent_text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grows the box with its wrapped lines up to :data:`MAX_LINES_SHOWN`, then scrolls."""
        # A plain-text document's layout measures its height in lines (wrapped ones included).
        wrapped = round(self.edit.document().documentLayout().documentSize().height())
        lines = max(1, min(MAX_LINES_SHOWN, wrapped))
        self.edit.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if wrapped > MAX_LINES_SHOWN
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        margins = self.edit.contentsMargins()  # the frame and the style sheet's padding
        document_margin = round(2 * self.edit.document().documentMargin())
        self.edit.setFixedHeight(
            self.edit.fontMetrics().lineSpacing() * lines
            + document_margin
            + margins.top()
            + margins.bottom()
        )

    def submit(self) -> None:
        """Sends the text (if any) and clears the box."""
        text = self.edit.toPlainText().strip()
        if not text:
            return
        self.edit.clear()
        self._set_typing(False)
        self.sendRequested.emit(text)

    def _choose_file(self) -> None:
        self.file_chooser = choose_file(self, self.tr("Send a file"), self.attachRequested.emit)

    def _on_text_changed(self) -> None:
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
