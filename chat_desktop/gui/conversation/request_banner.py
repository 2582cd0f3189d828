"""``RequestBanner``: "Let bob message you?" over a message request, with Accept, Delete, Block.

A message request is a chat someone not in our conversations opened by writing to us
(services/requests.py): nothing goes back to them (no receipts, no typing) and their files
wait, until the user accepts it. It shows in the composer's place, which is off meanwhile
(writing would accept it without saying so). Delete and Block ask first, as the list's menu
does (the window's questions); Accept needs no question.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from chat_desktop.gui.common.accessibility import name_controls


class RequestBanner(QFrame):
    """The message request's banner (hidden unless the open chat is a request).

    Signals:
        acceptClicked(str): Accept was pressed for this peer.
        deleteClicked(str): Delete was pressed (the window asks, then deletes the chat).
        blockClicked(str): Block was pressed (the window asks, then blocks).
    """

    acceptClicked = Signal(str)  # noqa: N815
    deleteClicked = Signal(str)  # noqa: N815
    blockClicked = Signal(str)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden banner."""
        super().__init__(parent)
        self.setObjectName("requestBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._peer = ""
        self.label = QLabel()
        self.label.setObjectName("requestLabel")
        self.label.setWordWrap(True)
        self.accept_button = QPushButton(self.tr("Accept"))
        self.accept_button.setObjectName("acceptRequestButton")
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.setObjectName("deleteRequestButton")
        self.block_button = QPushButton(self.tr("Block"))
        self.block_button.setObjectName("blockRequestButton")
        name_controls(
            (self.accept_button, self.tr("Accept the message request")),
            (self.delete_button, self.tr("Delete the message request")),
            (self.block_button, self.tr("Block this contact")),
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.block_button, self.delete_button, self.accept_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.label)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(lambda: self.acceptClicked.emit(self._peer))
        self.delete_button.clicked.connect(lambda: self.deleteClicked.emit(self._peer))
        self.block_button.clicked.connect(lambda: self.blockClicked.emit(self._peer))
        self.hide()

    @property
    def peer(self) -> str:
        """Whose request the banner shows ("" before the first)."""
        return self._peer

    def show_for(self, peer: str) -> None:
        """Asks whether ``peer`` may message us."""
        self._peer = peer
        self.label.setText(
            self.tr(
                "Let %1 message you? They won't know you've seen their messages until you "
                "accept. Nothing is sent back and their files are not downloaded until then."
            ).replace("%1", peer)
        )
        self.show()
