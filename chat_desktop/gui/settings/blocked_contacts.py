"""``BlockedContactsDialog``: Settings → Privacy → "Blocked contacts…": who is blocked, and
Unblock (issue 23, item 1). Non-blocking, as every dialog of the app."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls
from chat_desktop.gui.common.notices import show_error
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.services.client import ChatClient


class BlockedContactsDialog(QDialog):
    """The blocked contacts, with Unblock for the one selected."""

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Lists ``client``'s blocked contacts (read in the background: :attr:`loading`)."""
        super().__init__(parent)
        self.setObjectName("blockedContactsDialog")
        self.setWindowTitle(self.tr("Blocked contacts"))
        self._client = client
        self.note = QLabel(
            self.tr("Nothing a blocked contact sends reaches you, and they are not told.")
        )
        self.note.setWordWrap(True)
        self.contacts = QListWidget()
        self.contacts.setObjectName("blockedList")
        mark_as_data(self.contacts)
        self.empty_label = QLabel(self.tr("Nobody is blocked."))
        self.empty_label.setObjectName("blockedEmpty")
        self.unblock_button = QPushButton(self.tr("Unblock"))
        self.unblock_button.setObjectName("unblockSelected")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        name_controls(
            (self.contacts, self.tr("Blocked contacts")),
            (self.unblock_button, self.tr("Unblock the selected contact")),
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.contacts, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.unblock_button)
        layout.addWidget(buttons)
        self.resize(340, 360)
        buttons.rejected.connect(self.reject)
        self.unblock_button.clicked.connect(self._unblock_selected)
        self.contacts.currentRowChanged.connect(lambda _row: self._update())
        self.loading = spawn(self.reload(), "list blocked contacts", self._show_error)

    async def reload(self) -> None:
        """Reads the blocked contacts again."""
        blocked = await self._client.conversations.blocked()
        self.contacts.clear()
        self.contacts.addItems(blocked)
        if blocked:
            self.contacts.setCurrentRow(0)
        self._update()

    def _update(self) -> None:
        has_any = self.contacts.count() > 0
        self.empty_label.setVisible(not has_any)
        self.contacts.setVisible(has_any)
        self.unblock_button.setEnabled(self.contacts.currentRow() >= 0 and has_any)

    def _unblock_selected(self) -> None:
        item = self.contacts.currentItem()
        if item is not None:
            spawn(self._unblock(item.text()), "unblock", self._show_error)

    async def _unblock(self, peer: str) -> None:
        await self._client.conversations.unblock(peer)
        await self.reload()

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error, self.tr("Could not do that"))
