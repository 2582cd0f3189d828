"""``FindBar``: find words in the open chat (Ctrl+Shift+F, or the header's search button).

A bar under the conversation's header: the words to find, "3 of 14", older and newer match
buttons and a close button. The search runs in the encrypted store (``client.messages.search``
scoped to this conversation) as the user types, after a short pause; the newest match is shown
first. Enter (or the up button) goes to the next older match, Shift+Enter (or the down button)
to the next newer one, Esc closes the bar. The list jumps to each match (loading its part of
the history, however far back) and the matched words are highlighted in every bubble while
the bar is open.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from chat_desktop.gui.common.accessibility import name_controls
from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.message_view import MessageListView
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Message

#: Wait this long after the last keystroke before searching (ms).
FIND_DELAY_MS = 200
#: Matches found at most in one chat (the newest ones).
FIND_LIMIT = 500


class FindBar(QWidget):
    """The find-in-chat bar over one message list.

    Attributes:
        matches: The ids of the messages found, newest first.
        current: The index in ``matches`` of the match shown, or -1.
    """

    def __init__(
        self, client: ChatClient, view: MessageListView, parent: QWidget | None = None
    ) -> None:
        """A hidden bar that searches through ``client.messages`` and moves ``view``."""
        super().__init__(parent)
        self.setObjectName("findBar")
        self._client = client
        self._view = view
        self._peer: str | None = None
        self._generation = 0
        self.matches: list[str] = []
        self.current = -1
        self.field = QLineEdit()
        self.field.setObjectName("findField")
        self.field.setPlaceholderText(self.tr("Find in this chat"))
        self.field.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("findCount")
        self.older_button = self._button("findOlder", "arrow-up", self.tr("Older match (Enter)"))
        self.newer_button = self._button(
            "findNewer", "arrow-down", self.tr("Newer match (Shift+Enter)")
        )
        self.close_button = self._button("findClose", "close", self.tr("Close (Esc)"))
        name_controls(
            (self.field, self.tr("Words to find in this chat")),
            (self.older_button, self.tr("Older match")),
            (self.newer_button, self.tr("Newer match")),
            (self.close_button, self.tr("Close find")),
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count_label)
        for button in (self.older_button, self.newer_button, self.close_button):
            layout.addWidget(button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FIND_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.field.textChanged.connect(lambda _text: self._timer.start())
        self.older_button.clicked.connect(lambda: self.step(older=True))
        self.newer_button.clicked.connect(lambda: self.step(older=False))
        self.close_button.clicked.connect(self.close_bar)
        self._show_count()
        self.hide()

    def _button(self, name: str, icon_name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setIcon(icon(icon_name))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    @property
    def current_id(self) -> str | None:
        """The id of the match shown, or None."""
        return self.matches[self.current] if 0 <= self.current < len(self.matches) else None

    # ---- opening and closing ------------------------------------------------------------------

    def open_for(self, peer: str | None) -> None:
        """Shows the bar for the chat with ``peer`` (its words selected for a new search)."""
        if peer is None:
            return
        if peer != self._peer:
            self._peer = peer
            self._forget_matches()
        self.show()
        self.field.setFocus()
        self.field.selectAll()
        self._highlight_words()

    def close_bar(self) -> None:
        """Hides the bar and takes the highlights off; the list stays where it is."""
        self._timer.stop()
        self._generation += 1
        self.hide()
        self._view.delegate.search_query = ""
        self._view.viewport().update()
        self._view.setFocus()

    def conversation_changed(self, peer: str | None) -> None:
        """Another chat opened: the bar closes and forgets this chat's matches."""
        if peer != self._peer:
            self._peer = peer
            self._forget_matches()
            if self.isVisible():
                self.close_bar()

    # ---- searching ----------------------------------------------------------------------------

    def search_now(self) -> None:
        """Searches this chat for the words in the field (also after the typing pause)."""
        self._timer.stop()
        self._generation += 1
        if self._peer is None:
            return
        spawn(self._search(self._peer, self.field.text(), self._generation), "find in chat")

    async def _search(self, peer: str, text: str, generation: int) -> None:
        found: list[Message] = []
        if text.strip():
            found = await self._client.messages.search(text, FIND_LIMIT, conversation=peer)
        if generation != self._generation or peer != self._peer:
            return  # more was typed, or the chat changed: a newer search answers
        self.matches = [message.id for message in found]
        self.current = -1
        self._highlight_words()
        if self.matches:
            await self._go_to(0)
        else:
            self._show_count()

    def step(self, *, older: bool) -> None:
        """Goes to the next older (or newer) match, wrapping around at either end."""
        if self._timer.isActive():
            self.search_now()  # Enter before the pause ended: search first
            return
        if not self.matches:
            return
        index = (self.current + (1 if older else -1)) % len(self.matches)
        spawn(self._go_to(index), "find in chat: next")

    async def _go_to(self, index: int) -> None:
        self.current = index
        self._show_count()
        message_id = self.matches[index]
        if await self._view.jump_to(message_id):
            self._view.highlight(message_id)

    def _forget_matches(self) -> None:
        self.matches = []
        self.current = -1
        self._show_count()

    def _highlight_words(self) -> None:
        text = self.field.text() if self.matches else ""
        if self._view.delegate.search_query != text:
            self._view.delegate.search_query = text
            self._view.viewport().update()

    def _show_count(self) -> None:
        if not self.field.text().strip():
            self.count_label.setText("")
        elif not self.matches:
            self.count_label.setText(self.tr("No matches"))
        else:
            self.count_label.setText(
                self.tr("%1 of %2")
                .replace("%1", str(self.current + 1))
                .replace("%2", str(len(self.matches)))
            )
        has_matches = len(self.matches) > 1
        self.older_button.setEnabled(has_matches)
        self.newer_button.setEnabled(has_matches)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter: older match; Shift+Enter: newer; Esc: close."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.step(older=not event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            return
        if key == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)
