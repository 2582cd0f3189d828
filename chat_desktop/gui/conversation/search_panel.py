"""``SearchPanel`` (Ctrl+F): full-text search over every conversation, results as a list
(the words that matched highlighted; Ctrl+Shift+F finds in the open chat: ``find_bar``).

The search runs in the encrypted store (FTS5 through ``client.messages.search``) as the user
types (after a short pause); Enter or a double-click on a result opens that conversation at
the message. Keyboard only: Up/Down move through the results, Esc closes the panel.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chat_desktop.gui.common.accessibility import mark_as_data, name_controls, step_through
from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.conversation.found_text_delegate import FoundTextDelegate
from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Message

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Wait this long after the last keystroke before searching (ms).
SEARCH_DELAY_MS = 200
#: Results shown at most.
RESULT_LIMIT = 50
#: Characters of the message shown in a result line.
EXCERPT_CHARS = 80


class SearchPanel(QDialog):
    """Search box and results.

    Signals:
        messageChosen(str, str): The user picked a result: (peer, message id).
    """

    messageChosen = Signal(str, str)  # noqa: N815

    def __init__(self, client: ChatClient, parent: QWidget | None = None) -> None:
        """Builds the panel searching ``client``'s store."""
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self.setWindowTitle(self.tr("Search messages"))
        self._client = client
        self.query_edit = QLineEdit()
        self.query_edit.setObjectName("searchQuery")
        self.query_edit.setPlaceholderText(self.tr("Search all conversations…"))
        self.query_edit.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("searchResults")
        mark_as_data(self.results)  # excerpts of messages
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        #: Draws the results with the words that matched highlighted.
        self.found_words = FoundTextDelegate(self.results)
        self.results.setItemDelegate(self.found_words)
        self.status_label = QLabel()
        self.status_label.setObjectName("searchStatus")
        name_controls(
            (self.query_edit, self.tr("Words to search for")),
            (self.results, self.tr("Messages found")),
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.query_edit)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results, 1)
        self.resize(480, 420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.query_edit.textChanged.connect(lambda _text: self._timer.start())
        self.results.itemActivated.connect(self._choose)
        self._generation = 0

    def search_now(self) -> None:
        """Runs the search for the text in the box (also called by the typing pause)."""
        self._timer.stop()
        self._generation += 1
        spawn(self._search(self.query_edit.text(), self._generation), "search")

    async def _search(self, text: str, generation: int) -> None:
        hits = await self._client.messages.search(text, RESULT_LIMIT) if text.strip() else []
        if generation != self._generation:
            return  # the user typed more meanwhile: a newer search answers
        self.results.clear()
        self.found_words.query = text
        for message in hits:
            item = QListWidgetItem(self._hit_text(message))
            item.setData(HIT_ROLE, (message.conversation_id, message.id))
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
        if not text.strip():
            self.status_label.setText("")
        elif hits:
            self.status_label.setText(self.tr("%n message(s) found", "", len(hits)))
        else:
            self.status_label.setText(self.tr("No messages found"))

    def _hit_text(self, message: Message) -> str:
        when = QLocale().toString(
            QDateTime.fromMSecsSinceEpoch(message.sent_at or message.sort_key),
            QLocale.FormatType.ShortFormat,
        )
        body = " ".join((message.body or "").split())
        if len(body) > EXCERPT_CHARS:
            body = body[: EXCERPT_CHARS - 1] + "…"
        return (
            self.tr("%1 · %2\n%3")
            .replace("%1", message.conversation_id)
            .replace("%2", when)
            .replace("%3", body)
        )

    def _choose(self, item: QListWidgetItem | None = None) -> None:
        if item is None:
            if self.results.currentRow() < 0:
                return
            item = self.results.currentItem()
        peer, message_id = item.data(HIT_ROLE)
        self.messageChosen.emit(str(peer), str(message_id))
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Up/Down move through the results, Enter opens one, Esc closes (QDialog's default)."""
        key = event.key()
        if step_through(self.results, key):
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._timer.isActive() or not self.results.count():
                self.search_now()
            else:
                self._choose()
            return
        super().keyPressEvent(event)
