"""``ForwardDialog``: choose the chats a message (or several) is forwarded to.

A filter box over the conversations (one-to-one chats, newest activity first), each with a
check box; "Forward" is the default button and stays disabled until a chat is chosen. The
dialog only chooses: the conversation pane forwards (``client.messages.forward``) and says
what went wrong, if anything. Non-blocking (``open()``), as every dialog of the app.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls

#: Chats one forward goes to at most (the engine's bound).
MAX_TARGETS = 32
#: A chat row's username or group id (its text is the name shown).
CHAT_ROLE = Qt.ItemDataRole.UserRole + 1


class ForwardDialog(QDialog):
    """Picks up to :data:`MAX_TARGETS` chats.

    Signals:
        chosen(list): The chats picked (usernames), when "Forward" is pressed.
    """

    chosen = Signal(list)

    def __init__(
        self,
        chats: Sequence[str],
        count: int,
        parent: QWidget | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Offers ``chats`` (usernames and group ids, in list order) to forward ``count``
        messages to, each shown by its name in ``names`` (a group's title) if it has one."""
        super().__init__(parent)
        self.setObjectName("forwardDialog")
        self.setWindowTitle(self.tr("Forward"))
        self.summary = QLabel(self.tr("Forward %n message(s) to:", "", count))
        self.summary.setObjectName("forwardSummary")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("forwardFilter")
        self.filter_edit.setPlaceholderText(self.tr("Search chats"))
        self.filter_edit.setClearButtonEnabled(True)
        self.chats = QListWidget()
        self.chats.setObjectName("forwardChats")
        mark_as_data(self.chats)
        for chat in chats:
            item = QListWidgetItem((names or {}).get(chat) or chat)
            item.setData(CHAT_ROLE, chat)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.chats.addItem(item)
        self.buttons = QDialogButtonBox()
        self.forward_button = self.buttons.addButton(
            self.tr("Forward"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.forward_button.setObjectName("forwardButton")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.forward_button.setDefault(True)
        name_controls(
            (self.filter_edit, self.tr("Search chats")),
            (self.chats, self.tr("Chats to forward to")),
            (self.forward_button, self.tr("Forward")),
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.chats, 1)
        layout.addWidget(self.buttons)
        self.resize(360, 420)
        self.filter_edit.textChanged.connect(self._filter)
        self.chats.itemChanged.connect(self._update_button)
        self.buttons.accepted.connect(self._forward)
        self.buttons.rejected.connect(self.reject)
        self._update_button()

    def picked(self) -> list[str]:
        """The chats checked, in list order."""
        return [
            str(self.chats.item(row).data(CHAT_ROLE))
            for row in range(self.chats.count())
            if self.chats.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _filter(self, text: str) -> None:
        wanted = text.strip().casefold()
        for row in range(self.chats.count()):
            item = self.chats.item(row)
            item.setHidden(bool(wanted) and wanted not in item.text().casefold())

    def _update_button(self, *_changed: object) -> None:
        count = len(self.picked())
        self.forward_button.setEnabled(0 < count <= MAX_TARGETS)

    def _forward(self) -> None:
        picked = self.picked()
        if not 0 < len(picked) <= MAX_TARGETS:
            return
        self.chosen.emit(picked)
        self.accept()
