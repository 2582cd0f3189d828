"""``Composer``: the text box under a conversation (Enter sends, Shift+Enter breaks a line).

Above the box, a bar says what the next Enter does when it is not a plain message:
"Replying to bob: …" or "Editing message" (its close button or Esc goes back to a plain
message). Files come in through the attach button (several at once), a paste (Ctrl+V of
copied files or of an image) or a drop on the box: the composer only reports them, the
conversation shows the preview dialog and sends. The emoji button opens the
:class:`~chat_desktop.gui.conversation.emoji_picker.EmojiPicker` (its pick goes in at the
cursor), and typing ``:name`` offers matching emoji
(:class:`~chat_desktop.gui.conversation.emoji_completion.EmojiCompletion`). Misspelled
words are underlined, their corrections first in the box's context menu
(:class:`~chat_desktop.gui.conversation.spell_check.SpellCheck`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QElapsedTimer,
    QEvent,
    QMimeData,
    QObject,
    QSignalBlocker,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QContextMenuEvent, QImage, QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data
from chat_desktop.gui.common.icons import icon, tinted_icon
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation.emoji_completion import EmojiCompletion
from chat_desktop.gui.conversation.emoji_picker import EmojiPicker, RecentEmojiSource
from chat_desktop.gui.conversation.spell_check import SpellCheck, SpellSource, context_menu
from chat_desktop.gui.conversation.voice_recorder import VoiceRecorder

#: "Typing" is re-sent at most this often while the user keeps typing.
TYPING_REPEAT_MS = 4_000
#: "Stopped typing" after this long without a keystroke.
TYPING_IDLE_MS = 5_000
MAX_LINES_SHOWN = 6
#: The attach and send icons, in line heights of the composer's font (they grow with the text).
ICON_LINES = 1.35


#: The emoji button's padding, in line heights (the attach button's, as the theme sets it).
EMOJI_BUTTON_PADDING_LINES = 0.47
#: Characters of the replied-to message shown in the reply bar.
EXCERPT_CHARS = 120


def local_files(mime: QMimeData) -> list[Path]:
    """The local files named by dragged or copied data (other URLs are not files to send)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def pasted_image(mime: QMimeData) -> QImage | None:
    """The image of copied data when it is an image and not text (text is pasted as text)."""
    if not mime.hasImage() or mime.hasText():
        return None
    data = mime.imageData()
    image = data if isinstance(data, QImage) else QImage(data)
    return None if image.isNull() else image


class ComposerEdit(QPlainTextEdit):
    """A plain-text box where Enter submits and Shift+Enter inserts a newline.

    Pasting or dropping files (or a copied image) does not insert their names: they are
    reported instead, to be sent as attachments.

    Signals:
        submitted(): Enter was pressed.
        cancelled(): Esc was pressed while ``escape_cancels`` (a reply or an edit is set up).
        filesPasted(list): Local files were pasted or dropped (``pathlib.Path`` each).
        imagePasted(QImage): An image (not a file) was pasted.
    """

    submitted = Signal()
    cancelled = Signal()
    filesPasted = Signal(list)  # noqa: N815
    imagePasted = Signal(QImage)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """Creates the box."""
        super().__init__(parent)
        #: Whether Esc is ours (cancels the reply or edit) rather than the window's.
        self.escape_cancels = False
        #: The ``:name`` emoji suggestions.
        self.emoji_completion = EmojiCompletion(self)
        #: Misspelled words underlined, corrections in the context menu.
        self.spell_check = SpellCheck(self)
        #: The context menu last opened (tests look at it).
        self.context_menu: QMenu | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter submits; Shift+Enter (or Enter while composing with an IME) is a newline.

        While emoji suggestions are shown, Enter, Tab and Esc are theirs (the completer
        forwards them here first, then acts on them when they are ignored).
        """
        suggestion_keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape)
        if self.emoji_completion.is_open() and event.key() in suggestion_keys:
            event.ignore()
            return
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if is_enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape and self.escape_cancels:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        """The usual menu, a misspelled word's corrections first (a popup, not modal)."""
        self.context_menu = context_menu(self, self.spell_check, event.pos())
        self.context_menu.popup(event.globalPos())

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802
        """Tab moves the focus on, except while emoji suggestions are shown (it picks one)."""
        if self.emoji_completion.is_open():
            return False
        return super().focusNextPrevChild(next)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802
        """Files and images are accepted too (as attachments)."""
        if local_files(source) or pasted_image(source) is not None:
            return True
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802
        """Reports pasted or dropped files and images; inserts text as usual."""
        files = local_files(source)
        if files:
            self.filesPasted.emit(files)
            return
        image = pasted_image(source)
        if image is not None:
            self.imagePasted.emit(image)
            return
        super().insertFromMimeData(source)


class ComposerContextBar(QFrame):
    """The bar above the box: "Replying to bob" with an excerpt, or "Editing message".

    Signals:
        closeClicked(): The user dismissed it (back to a plain message).
    """

    closeClicked = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the (hidden) bar."""
        super().__init__(parent)
        self.setObjectName("composerContext")
        self.icon_label = QLabel(self)
        self.icon_label.setObjectName("composerContextIcon")
        self.title_label = QLabel(self)
        self.title_label.setObjectName("composerContextTitle")
        self.excerpt_label = QLabel(self)
        self.excerpt_label.setObjectName("composerContextExcerpt")
        mark_as_data(self.excerpt_label)
        self.excerpt_label.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("composerContextClose")
        self.close_button.setAccessibleName(self.tr("Cancel"))
        self.close_button.setIcon(icon("close"))
        self.close_button.setAutoRaise(True)
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self.closeClicked.emit)
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.title_label)
        texts.addWidget(self.excerpt_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(texts, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._apply_colors()
        self.hide()

    def show_context(self, icon_name: str, title: str, excerpt: str, close_name: str) -> None:
        """Shows ``title`` (translated) and ``excerpt`` (data; may be empty)."""
        size = self.fontMetrics().height()
        self.icon_label.setPixmap(icon(icon_name).pixmap(size, size))
        self.title_label.setText(title)
        flat = " ".join(excerpt.split())
        if len(flat) > EXCERPT_CHARS:
            flat = flat[: EXCERPT_CHARS - 1] + "…"
        self.excerpt_label.setText(flat)
        self.excerpt_label.setVisible(bool(flat))
        self.close_button.setToolTip(close_name)
        self.close_button.setAccessibleName(close_name)
        self.setAccessibleName(title)
        self.show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Follows theme switches."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._apply_colors()

    def _apply_colors(self) -> None:
        colors = current_colors()
        sheet = (
            f"QFrame#composerContext {{ border-left: 3px solid {colors.accent};"
            f" background: {colors.input_background}; border-radius: 4px; }}"
            f" QLabel#composerContextTitle {{ color: {colors.accent}; font-weight: 600; }}"
            f" QLabel#composerContextExcerpt {{ color: {colors.muted_text}; }}"
        )
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)


class Composer(QWidget):
    """Text box, attach and send buttons and typing notifications for one conversation.

    The buttons show icons sized from the font (a larger text size makes them larger);
    the send icon is drawn in the accent's text colour and follows theme switches.

    Signals:
        sendRequested(str text, str reply_to): The user sent this text (already stripped,
            never empty), as a reply to ``reply_to`` (empty: not a reply).
        editSubmitted(str message_id, str text): The user finished editing a message.
        filesChosen(list): Files to send (``pathlib.Path`` each): attach button, paste, drop.
        imagePasted(QImage): A copied image was pasted (not a file yet).
        typingChanged(bool): Throttled: True while typing, False once idle or sent.
    """

    sendRequested = Signal(str, str)  # noqa: N815
    editSubmitted = Signal(str, str)  # noqa: N815
    filesChosen = Signal(list)  # noqa: N815
    imagePasted = Signal(QImage)  # noqa: N815
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
        self.emoji_button = QToolButton(self)
        self.emoji_button.setObjectName("emojiButton")
        self.emoji_button.setIcon(icon("emoji"))
        self.emoji_button.setToolTip(self.tr("Insert an emoji"))
        self.emoji_button.setAccessibleName(self.tr("Emoji"))
        self.emoji_button.setAccessibleDescription(self.tr("Opens the emoji picker"))
        self.emoji_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.send_button = QToolButton(self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip(self.tr("Send (Enter)"))
        self.send_button.setAccessibleName(self.tr("Send"))
        self.send_button.setAccessibleDescription(self.tr("Sends the message you typed"))
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        for button in (self.attach_button, self.emoji_button, self.send_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.context_bar = ComposerContextBar(self)
        self.context_bar.closeClicked.connect(self.cancel_context)
        #: The microphone button and recording bar (voice_recorder.py).
        self.voice_recorder = VoiceRecorder(self)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.edit, 1)
        row.addWidget(self.emoji_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.voice_recorder.button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.context_bar)
        layout.addWidget(self.voice_recorder.bar)
        layout.addLayout(row)
        QWidget.setTabOrder(self.edit, self.emoji_button)
        QWidget.setTabOrder(self.emoji_button, self.voice_recorder.button)
        QWidget.setTabOrder(self.voice_recorder.button, self.send_button)
        QWidget.setTabOrder(self.send_button, self.attach_button)
        QWidget.setTabOrder(self.attach_button, self.context_bar.close_button)
        self._reply_to: str | None = None
        self._editing: str | None = None
        self._draft = ""
        self.edit.cancelled.connect(self.cancel_context)
        self.edit.filesPasted.connect(self.filesChosen.emit)
        self.edit.imagePasted.connect(self.imagePasted.emit)
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
        #: Where recent emoji are kept (``client.preferences``; None: no "Recent" row).
        self.recent_emoji: RecentEmojiSource | None = None
        #: The emoji picker last opened (tests look at it).
        self.emoji_picker: EmojiPicker | None = None
        self.emoji_button.clicked.connect(self.open_emoji_picker)
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
        for button in (
            self.attach_button,
            self.emoji_button,
            self.voice_recorder.button,
            self.send_button,
        ):
            button.setIconSize(QSize(side, side))
        self.send_button.setIcon(tinted_icon("send", current_colors().accent_text))
        self._style_emoji_button()
        self._fit_height()

    def _style_emoji_button(self) -> None:
        """Draws the emoji button as the theme draws the attach button (round, flat)."""
        colors = current_colors()
        padding = round(self.fontMetrics().lineSpacing() * EMOJI_BUTTON_PADDING_LINES)
        sheet = (
            "QToolButton#emojiButton { border: 2px solid transparent; background: transparent;"
            f" border-radius: {padding * 2 + 2}px; padding: {padding}px; }}"
            f" QToolButton#emojiButton:hover {{ background: {colors.hover}; }}"
            f" QToolButton#emojiButton:focus {{ border-color: {colors.accent}; }}"
        )
        if self.emoji_button.styleSheet() != sheet:
            self.emoji_button.setStyleSheet(sheet)
        self.voice_recorder.apply_style(padding, colors.hover, colors.accent)

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

    # ---- reply and edit ------------------------------------------------------------------

    @property
    def reply_to(self) -> str | None:
        """The id of the message the next send answers, if a reply is set up."""
        return self._reply_to

    @property
    def editing(self) -> str | None:
        """The id of the message being edited, if any."""
        return self._editing

    def start_reply(self, message_id: str, author: str, excerpt: str) -> None:
        """Makes the next message a reply to ``message_id`` (``author``: shown as is)."""
        self._leave_edit()
        self._reply_to = message_id
        self.context_bar.show_context(
            "reply",
            self.tr("Replying to %1").replace("%1", author),
            excerpt,
            self.tr("Cancel reply"),
        )
        self.edit.escape_cancels = True
        self.edit.setFocus()

    def start_edit(self, message_id: str, text: str) -> None:
        """Puts ``text`` in the box; Enter replaces the message's text with the box's."""
        if self._editing is None:
            self._draft = self.edit.toPlainText()
        self._reply_to = None
        self._editing = message_id
        self.context_bar.show_context(
            "info", self.tr("Editing message"), "", self.tr("Cancel editing")
        )
        self.edit.escape_cancels = True
        self.edit.setPlainText(text)
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)
        self.edit.setFocus()

    def cancel_context(self) -> None:
        """Back to a plain message (an edit gives the box its earlier draft back)."""
        self._leave_edit()
        self._reply_to = None
        self.context_bar.hide()
        self.edit.escape_cancels = False
        self.edit.setFocus()

    def _leave_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.edit.setPlainText(self._draft)
            self._draft = ""

    def submit(self) -> None:
        """Sends the text (if any) and clears the box (and the reply or edit set up)."""
        text = self.edit.toPlainText().strip()
        if not text:
            return
        editing, reply_to = self._editing, self._reply_to
        self._editing = None
        self.edit.setPlainText(self._draft if editing is not None else "")
        self._draft = ""
        self._reply_to = None
        self.context_bar.hide()
        self.edit.escape_cancels = False
        self._set_typing(False)
        if editing is not None:
            self.editSubmitted.emit(editing, text)
        else:
            self.sendRequested.emit(text, reply_to or "")

    def draft_text(self) -> str:
        """The unsent text to keep as the conversation's draft.

        While a message is being edited that is the text the box had before the edit (the
        edit itself is not a draft).
        """
        return self._draft if self._editing is not None else self.edit.toPlainText()

    def show_draft(self, text: str) -> None:
        """Puts a saved draft in the empty box, the cursor at its end.

        Nothing is announced: no typing notice goes to the contact for a draft restored.
        """
        with QSignalBlocker(self.edit):
            self.edit.setPlainText(text)
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)

    def reset(self) -> None:
        """Empties the box and forgets any reply or edit (another conversation opened)."""
        self._editing = None
        self._reply_to = None
        self._draft = ""
        self.context_bar.hide()
        self.edit.escape_cancels = False
        self.edit.clear()

    # ---- emoji ----------------------------------------------------------------------------

    def use_recent_emoji(self, source: RecentEmojiSource) -> None:
        """Keeps the picker's recent emoji in ``source`` (``client.preferences``)."""
        self.recent_emoji = source

    def open_emoji_picker(self) -> None:
        """Opens the emoji picker above the emoji button (a popup, not a modal dialog)."""
        picker = EmojiPicker(self.recent_emoji, self)
        picker.picked.connect(self.insert_emoji)
        self.emoji_picker = picker
        anchor = self.emoji_button.mapToGlobal(self.emoji_button.rect().center())
        picker.popup_at(anchor)

    def insert_emoji(self, emoji: str) -> None:
        """Puts ``emoji`` at the cursor (replacing any selection) and gives the box the focus."""
        self.edit.insertPlainText(emoji)
        self.edit.setFocus()

    def use_spelling(self, source: SpellSource) -> None:
        """Reads "Check spelling while typing" and the user's words from ``source``."""
        self.edit.spell_check.use_source(source)

    # ---- files ----------------------------------------------------------------------------

    def _choose_file(self) -> None:
        dialog = QFileDialog(self, self.tr("Send files"))
        dialog.setObjectName("fileChooser")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(
            lambda names: self.filesChosen.emit([Path(name) for name in names if name])
        )
        dialog.open()
        self.file_chooser = dialog

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
