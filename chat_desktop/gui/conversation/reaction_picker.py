"""``ReactionPicker``: the small popup offering the common reactions (and "remove" ours).

The emoji are drawn with the colour emoji font the app depends on (Noto Color Emoji), not
the text font, which may lack them. The keyboard works as in a menu: the arrows move between
the choices, Enter or Space picks one, Esc closes. Its last button, "+", opens the
:class:`~chat_desktop.gui.conversation.emoji_picker.EmojiPicker` for any other emoji (those
that fit a reaction's bounds).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.popup_place import show_above
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation.emoji_picker import EmojiPicker, RecentEmojiSource, emoji_font
from chat_desktop.protocol.message_content import is_valid_emoji

#: The reactions offered (as code points: they are the emoji a reaction carries, drawn with
#: the colour emoji font of :func:`emoji_font`, never label text), with what a screen reader
#: says for each.
COMMON_REACTIONS: tuple[tuple[str, str], ...] = (
    (chr(0x1F44D), str(QT_TRANSLATE_NOOP("ReactionPicker", "Thumbs up"))),
    (chr(0x2764) + chr(0xFE0F), str(QT_TRANSLATE_NOOP("ReactionPicker", "Heart"))),
    (chr(0x1F602), str(QT_TRANSLATE_NOOP("ReactionPicker", "Laughing"))),
    (chr(0x1F62E), str(QT_TRANSLATE_NOOP("ReactionPicker", "Surprised"))),
    (chr(0x1F622), str(QT_TRANSLATE_NOOP("ReactionPicker", "Sad"))),
    (chr(0x1F64F), str(QT_TRANSLATE_NOOP("ReactionPicker", "Thank you"))),
)


class ReactionPicker(QFrame):
    """A popup row of reaction buttons; picking one emits :attr:`chosen` and closes it.

    Signals:
        chosen(object): The emoji picked (``str``), or None for "remove my reaction".
    """

    chosen = Signal(object)

    def __init__(
        self,
        current: str | None,
        parent: QWidget | None = None,
        recent_emoji: RecentEmojiSource | None = None,
    ) -> None:
        """Builds the popup; ``current`` is our reaction now (marked, and "remove" offered).

        ``recent_emoji`` (``client.preferences``) gives the "+" picker its recent emoji.
        """
        super().__init__(parent, Qt.WindowType.Popup)
        self._recent_emoji = recent_emoji
        self._answered = False
        #: The emoji picker the "+" opened, if any (tests look at it).
        self.emoji_picker: EmojiPicker | None = None
        self.setObjectName("reactionPicker")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAccessibleName(self.tr("Reactions"))
        self.buttons: list[QToolButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        for emoji, name in COMMON_REACTIONS:
            button = QToolButton(self)
            button.setObjectName("reactionChoice")
            button.setText(emoji)
            button.setFont(emoji_font(self.font()))
            side = round(button.fontMetrics().height() * 1.5)
            button.setFixedSize(side, side)
            button.setAutoRaise(True)
            button.setCheckable(True)
            button.setChecked(emoji == current)
            button.setAccessibleName(self.tr(name))
            button.setToolTip(self.tr(name))
            button.clicked.connect(lambda _checked=False, e=emoji: self._pick(e))
            layout.addWidget(button)
            self.buttons.append(button)
        self.remove_button: QToolButton | None = None
        if current is not None:
            remove = QToolButton(self)
            remove.setObjectName("reactionRemove")
            remove.setIcon(icon("close"))
            remove.setText(self.tr("Remove"))
            remove.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            remove.setAutoRaise(True)
            remove.setAccessibleName(self.tr("Remove my reaction"))
            remove.setToolTip(self.tr("Remove my reaction"))
            remove.clicked.connect(lambda: self._pick(None))
            layout.addWidget(remove)
            self.buttons.append(remove)
            self.remove_button = remove
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("reactionMore")
        self.more_button.setText("+")
        self.more_button.setAutoRaise(True)
        self.more_button.setAccessibleName(self.tr("More reactions"))
        self.more_button.setToolTip(self.tr("React with any emoji"))
        self.more_button.clicked.connect(self._open_emoji_picker)
        layout.addWidget(self.more_button)
        self.buttons.append(self.more_button)
        for button in self.buttons:
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.installEventFilter(self)
        self._apply_colors()

    def popup_at(self, global_pos: QPoint) -> None:
        """Shows the popup above ``global_pos`` (kept on the screen) and focuses a choice."""
        show_above(self, global_pos)
        checked = next((b for b in self.buttons if b.isChecked()), self.buttons[0])
        checked.setFocus()

    def eventFilter(self, watched: object, event: QEvent) -> bool:  # noqa: N802
        """Arrow keys move between the choices; Enter picks; Esc closes."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._handle_key(event)
        ):
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """The same keys when the popup itself has the focus."""
        if not self._handle_key(event):
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        focused = next((i for i, b in enumerate(self.buttons) if b.hasFocus()), -1)
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up):
            step = 1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1
            self.buttons[(focused + step) % len(self.buttons)].setFocus()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and focused >= 0:
            self.buttons[focused].click()
            return True
        if key == Qt.Key.Key_Escape:
            self.close()
            return True
        return False

    def _open_emoji_picker(self) -> None:
        """Swaps this row for the full picker (this popup stays alive, hidden, to answer)."""
        picker = EmojiPicker(self._recent_emoji, self.parentWidget(), accepts=is_valid_emoji)
        picker.picked.connect(self._pick)
        picker.closed.connect(self._emoji_picker_closed)
        anchor = self.mapToGlobal(QPoint(self.width() // 2, self.height()))
        self.emoji_picker = picker
        self.hide()
        picker.popup_at(anchor)

    def _emoji_picker_closed(self) -> None:
        """The full picker closed without a pick: this (hidden) popup goes too."""
        if not self._answered:
            self.close()

    def _pick(self, emoji: str | None) -> None:
        self._answered = True
        self.chosen.emit(emoji)
        self.close()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Follows theme switches."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colors()

    def _apply_colors(self) -> None:
        colors = current_colors()
        sheet = (
            f"QFrame#reactionPicker {{ background: {colors.base};"
            f" border: 1px solid {colors.border}; border-radius: 8px; }}"
            " QToolButton { border: 2px solid transparent; border-radius: 6px; padding: 2px; }"
            f" QToolButton:hover {{ background: {colors.hover}; }}"
            f" QToolButton:checked {{ background: {colors.selection_background}; }}"
            f" QToolButton:focus {{ border-color: {colors.accent}; }}"
        )
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)
