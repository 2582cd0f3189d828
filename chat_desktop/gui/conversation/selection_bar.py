"""``SelectionBar``: what to do with the messages picked in the list (forward, delete, cancel).

Shown in place of the composer while messages are picked ("3 selected"), as Signal Desktop
does; Esc in the list or Cancel here stops picking.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls


class SelectionBar(QWidget):
    """The picked messages' actions.

    Signals:
        forwardClicked(), deleteClicked(), cancelClicked().
    """

    forwardClicked = Signal()  # noqa: N815
    deleteClicked = Signal()  # noqa: N815
    cancelClicked = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden bar."""
        super().__init__(parent)
        self.setObjectName("selectionBar")
        self.count_label = QLabel()
        self.count_label.setObjectName("selectionCount")
        self.forward_button = QPushButton(self.tr("Forward…"))
        self.forward_button.setObjectName("selectionForward")
        self.delete_button = QPushButton(self.tr("Delete for me"))
        self.delete_button.setObjectName("selectionDelete")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("selectionCancel")
        name_controls(
            (self.forward_button, self.tr("Forward the selected messages")),
            (self.delete_button, self.tr("Delete the selected messages for me")),
            (self.cancel_button, self.tr("Stop selecting")),
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.count_label, 1)
        for button in (self.forward_button, self.delete_button, self.cancel_button):
            layout.addWidget(button)
        self.forward_button.clicked.connect(self.forwardClicked)
        self.delete_button.clicked.connect(self.deleteClicked)
        self.cancel_button.clicked.connect(self.cancelClicked)
        self.hide()

    def show_count(self, count: int) -> None:
        """Says how many are picked; forwarding and deleting need at least one."""
        self.count_label.setText(self.tr("%n selected", "", count))
        self.forward_button.setEnabled(count > 0)
        self.delete_button.setEnabled(count > 0)
