"""``HoverBar``: react, reply and more, beside the bubble under the mouse (issue 23, item 5).

As in Signal Desktop, moving the mouse over a message shows a small bar of its commonest
actions at the bubble's top corner (outside it: to the left of our bubbles, to the right of
the contact's), so they are one click away without the context menu. The bar is a child of
the list's viewport; it hides when the mouse leaves the list, when the list scrolls, and
while the keyboard drives the list (the Menu key and Enter serve it there).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.icons import icon

#: Space between the bubble and the bar (px).
GAP = 4


class HoverBar(QFrame):
    """The bar of one message's quick actions.

    Signals:
        reactClicked(str, QPoint): React to the message (global position for the picker).
        replyClicked(str): Reply to the message.
        moreClicked(str, QPoint): Its context menu (global position).

    Attributes:
        message_id: The message the bar is shown for, or None while hidden.
    """

    reactClicked = Signal(str, QPoint)  # noqa: N815
    replyClicked = Signal(str)  # noqa: N815
    moreClicked = Signal(str, QPoint)  # noqa: N815

    def __init__(self, parent: QWidget) -> None:
        """A hidden bar over ``parent`` (the list's viewport)."""
        super().__init__(parent)
        self.setObjectName("hoverBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.message_id: str | None = None
        self.react_button = self._button("hoverReact", "emoji", self.tr("React"))
        self.reply_button = self._button("hoverReply", "reply", self.tr("Reply"))
        self.more_button = self._button("hoverMore", "more", self.tr("More actions"))
        name_controls(
            (self.react_button, self.tr("React")),
            (self.reply_button, self.tr("Reply")),
            (self.more_button, self.tr("More actions")),
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        for button in (self.react_button, self.reply_button, self.more_button):
            layout.addWidget(button)
        self.react_button.clicked.connect(lambda: self._emit_at(self.reactClicked))
        self.reply_button.clicked.connect(self._reply)
        self.more_button.clicked.connect(lambda: self._emit_at(self.moreClicked))
        self.hide()

    def _button(self, name: str, icon_name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setIcon(icon(icon_name))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard has the menu and Enter
        return button

    def show_for(self, message_id: str, bubble: QRect, outgoing: bool) -> None:
        """Shows the bar for ``message_id`` beside ``bubble`` (viewport coordinates)."""
        self.message_id = message_id
        self.adjustSize()
        size = self.sizeHint()
        parent = self.parentWidget()
        area = parent.rect() if parent is not None else QRect()
        x = bubble.left() - GAP - size.width() if outgoing else bubble.right() + GAP
        x = max(area.left(), min(x, area.right() - size.width()))
        y = max(area.top(), min(bubble.top(), area.bottom() - size.height()))
        self.setGeometry(QRect(QPoint(x, y), size))
        self.show()
        self.raise_()

    def hide_bar(self) -> None:
        """Hides the bar (no message)."""
        self.message_id = None
        self.hide()

    def _reply(self) -> None:
        if self.message_id is not None:
            self.replyClicked.emit(self.message_id)

    def _emit_at(self, signal: SignalInstance) -> None:
        if self.message_id is None:
            return
        signal.emit(self.message_id, self.mapToGlobal(QPoint(0, self.height())))
