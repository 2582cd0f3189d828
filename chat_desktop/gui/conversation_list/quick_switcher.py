"""``QuickSwitcher`` (Ctrl+K): type a few letters of a name, press Enter, the chat opens.

Keyboard only: the filter field keeps the focus while Up/Down move through the matches,
Enter opens the highlighted conversation and Esc closes the switcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls, step_through

PEER_ROLE = Qt.ItemDataRole.UserRole + 1


class QuickSwitcher(QDialog):
    """A filterable list of the conversations.

    Signals:
        conversationChosen(str): The user picked the conversation with this peer.
    """

    conversationChosen = Signal(str)  # noqa: N815

    def __init__(
        self,
        peers: Sequence[str],
        parent: QWidget | None = None,
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Builds the switcher over ``peers`` (most recent first), each shown by its name in
        ``names`` (a group's title, a contact's name) where it has one, else as the peer."""
        super().__init__(parent)
        self.setObjectName("quickSwitcher")
        self.setWindowTitle(self.tr("Go to a conversation"))
        self._peers = list(peers)
        self._names = dict(names or {})
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("quickSwitcherFilter")
        self.filter_edit.setPlaceholderText(self.tr("Type a name…"))
        self.results = QListWidget()
        self.results.setObjectName("quickSwitcherResults")
        mark_as_data(self.results)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        name_controls(
            (self.filter_edit, self.tr("Name of the conversation to open")),
            (self.results, self.tr("Matching conversations")),
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.results)
        self.setMinimumWidth(360)
        self.filter_edit.textChanged.connect(self._filter)
        self.results.itemActivated.connect(self._choose)
        self._filter("")

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        self.results.clear()
        for peer in self._peers:
            name = self._names.get(peer) or peer
            if needle in name.lower() or (needle in peer.lower() and not peer.startswith("g:")):
                item = QListWidgetItem(name)
                item.setData(PEER_ROLE, peer)
                self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _choose(self, item: QListWidgetItem | None = None) -> None:
        if item is None:
            if self.results.currentRow() < 0:
                return
            item = self.results.currentItem()
        self.conversationChosen.emit(str(item.data(PEER_ROLE)))
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Up/Down move through the matches, Enter opens one, Esc closes (QDialog's default)."""
        key = event.key()
        if step_through(self.results, key):
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._choose()
            return
        super().keyPressEvent(event)
