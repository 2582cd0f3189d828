"""``RequestsToggle``: the "Message requests (n)" row at the top of the conversation list.

Message requests (chats someone not in our conversations opened by writing to us, see
services/requests.py) are not in the list itself: this toggle, shown while there are any,
switches the list to them and back ("Back to chats").
"""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.icons import icon


class RequestsToggle(QPushButton):
    """A flat, checkable button: checked shows the requests instead of the chats."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Hidden until there are requests."""
        super().__init__(parent)
        self.setObjectName("requestsButton")
        self.setCheckable(True)
        self.setFlat(True)
        self.setIcon(icon("new-chat"))
        name_controls((self, self.tr("Message requests")))
        self.hide()

    def show_count(self, count: int) -> None:
        """Says how many requests wait (or "Back to chats" while they are shown); hidden
        when there are none and they are not shown."""
        if count == 0 and self.isChecked():
            self.setChecked(False)  # the last one was accepted, deleted or blocked
        if self.isChecked():
            self.setText(self.tr("Back to chats"))
        else:
            self.setText(self.tr("Message requests (%1)").replace("%1", str(count)))
        self.setVisible(count > 0 or self.isChecked())
