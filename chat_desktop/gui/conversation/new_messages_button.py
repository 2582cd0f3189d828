"""The "3 new messages" button (with a down arrow) over the bottom of a message list scrolled up.

It appears when the user has scrolled away from the newest messages: by more than a
screen, or by any amount once a message arrived meanwhile, and then says how many did.
A click (or Enter on it) goes back to the bottom; the list hides it again once there.
The arrow is the app's own icon in the theme's accent colour (fonts may lack the glyph).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QPushButton, QWidget

from chat_desktop.gui.common.icons import tinted_icon
from chat_desktop.gui.common.theme import current_colors

#: Its distance from the bottom edge of the list (px).
BOTTOM_MARGIN = 12


class NewMessagesButton(QPushButton):
    """A button counting the messages that arrived while the list was scrolled up.

    Attributes:
        count: Messages that arrived since the user scrolled up (0: none; the button then
            only offers the way back down).
    """

    def __init__(self, parent: QWidget) -> None:
        """Creates the button, hidden, over ``parent`` (the message list)."""
        super().__init__(parent)
        self.setObjectName("newMessagesButton")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.count = 0
        self._show_arrow()
        self._show_words()
        self.hide()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Follows theme switches (the arrow takes the new accent colour)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._show_arrow()

    def _show_arrow(self) -> None:
        self.setIcon(tinted_icon("arrow-down", current_colors().accent))

    def add(self, arrived: int) -> None:
        """Counts ``arrived`` more new messages and shows the button."""
        self.count += max(0, arrived)
        self._show_words()
        self.appear()

    def appear(self) -> None:
        """Shows the button at its place (the view is scrolled away from the bottom)."""
        self.place()
        if not self.isVisible():
            self.show()
        self.raise_()

    def reset(self) -> None:
        """The bottom is in view: the count starts again from nothing; hidden."""
        self.count = 0
        self._show_words()
        self.hide()

    def place(self) -> None:
        """Centres the button near the bottom edge of its parent."""
        parent = self.parentWidget()
        if parent is None:
            return
        hint = self.sizeHint()
        self.setGeometry(
            (parent.width() - hint.width()) // 2,
            parent.height() - hint.height() - BOTTOM_MARGIN,
            hint.width(),
            hint.height(),
        )

    def _show_words(self) -> None:
        if self.count:
            self.setText(self.tr("%n new message(s)", "", self.count))
            self.setAccessibleName(self.tr("Scroll down to %n new message(s)", "", self.count))
        else:
            self.setText(self.tr("Newest messages"))
            self.setAccessibleName(self.tr("Scroll down to the newest messages"))
        self.setToolTip(self.accessibleName())
        if self.isVisible():
            self.place()
