"""``ConversationList``: the left pane (conversations by recent activity, unread counts)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.accessibility import mark_as_data, name_controls
from chat_desktop.gui.icons import icon
from chat_desktop.storage.models import Conversation

PEER_ROLE = Qt.ItemDataRole.UserRole + 1


def conversation_label(conversation: Conversation) -> str:
    """The line shown for a conversation: its name and, if any, the unread count."""
    name = conversation.title or conversation.peer_address or conversation.id
    return f"{name}   ({conversation.unread_count})" if conversation.unread_count else name


class ConversationList(QWidget):
    """The conversation list and the "New chat" button.

    Signals:
        conversationSelected(str): The user opened the conversation with this peer.
        newChatClicked(): The user pressed "New chat" (the window asks who, without blocking).
    """

    conversationSelected = Signal(str)  # noqa: N815
    newChatClicked = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the pane."""
        super().__init__(parent)
        self.setObjectName("conversationPane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the sheet's colour
        self.account_label = QLabel()
        self.account_label.setObjectName("accountLabel")
        self.connection_label = QLabel(self.tr("connecting…"))
        self.connection_label.setObjectName("connectionLabel")
        self.new_chat_button = QPushButton(self.tr("New chat"))
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setIcon(icon("new-chat"))
        self.new_chat_button.setToolTip(self.tr("Start a conversation (Ctrl+N)"))
        self.list = QListWidget()
        self.list.setObjectName("conversationList")
        mark_as_data(self.list)  # contacts' names
        name_controls(
            (self.new_chat_button, self.tr("New chat")),
            (self.list, self.tr("Conversations")),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.account_label)
        layout.addWidget(self.connection_label)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.list, 1)
        self.new_chat_button.clicked.connect(self.newChatClicked.emit)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self._updating = False

    def set_conversations(self, conversations: Sequence[Conversation], current: str | None) -> None:
        """Replaces the list, keeping ``current`` selected without re-emitting a selection."""
        self._updating = True
        try:
            self.list.clear()
            for conversation in conversations:
                peer = conversation.peer_address or conversation.id
                item = QListWidgetItem(conversation_label(conversation))
                item.setData(PEER_ROLE, peer)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, self.accessible_text(conversation))
                if conversation.unread_count and peer != current:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.list.addItem(item)
                if peer == current:
                    self.list.setCurrentItem(item)
        finally:
            self._updating = False

    def accessible_text(self, conversation: Conversation) -> str:
        """What a screen reader says for a conversation: its name and its unread count."""
        name = conversation.title or conversation.peer_address or conversation.id
        if not conversation.unread_count:
            return name
        return self.tr("%1, %n unread", "", conversation.unread_count).replace("%1", name)

    def peers(self) -> list[str]:
        """The peers listed, top to bottom."""
        return [str(self.list.item(row).data(PEER_ROLE)) for row in range(self.list.count())]

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None and not self._updating:
            self.conversationSelected.emit(str(current.data(PEER_ROLE)))
