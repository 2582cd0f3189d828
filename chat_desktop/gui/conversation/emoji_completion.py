"""``EmojiCompletion``: ``:smile:``-style completion in the composer's text box.

Typing ``:`` and two or more letters (at the start of a word) shows a small list of the
emoji whose names match (a ``QCompleter`` popup, so the text box keeps the focus and a screen
reader follows the list). Enter or Tab picks the current one, replacing the ``:name`` with the
emoji; Esc (or typing on past any match) closes it. While no list is shown the box's keys are
untouched: Enter still sends.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QListView, QPlainTextEdit

from chat_desktop.gui.common.translation import current_language
from chat_desktop.gui.conversation.emoji_data import emoji_catalogue
from chat_desktop.gui.conversation.emoji_picker import emoji_font

#: The emoji a completion list offers at most.
MAX_SUGGESTIONS = 8
#: ``:`` then 2+ name characters, right before the cursor, not inside a word.
_TYPED_NAME = re.compile(r"(?:^|(?<=\s)):([\w+-]{2,})\Z")
#: The role holding a suggestion's emoji.
EMOJI_ROLE = Qt.ItemDataRole.UserRole + 1


class EmojiCompletion(QObject):
    """Offers emoji for the ``:name`` being typed in ``edit`` and puts the chosen one in.

    Attributes:
        completer: The ``QCompleter`` whose popup lists the suggestions.
    """

    def __init__(self, edit: QPlainTextEdit) -> None:
        """Watches ``edit``'s text as it is typed."""
        super().__init__(edit)
        self._edit = edit
        self._model = QStandardItemModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        # What a pick hands over is the emoji itself (the list shows "emoji  name").
        self.completer.setCompletionRole(EMOJI_ROLE)
        #: The suggestion list (the completer's popup).
        self.popup = QListView()
        self.popup.setObjectName("emojiSuggestions")
        self.popup.setAccessibleName(self.tr("Emoji suggestions"))
        self.popup.setFont(emoji_font(edit.font(), 1.0))
        self.completer.setPopup(self.popup)
        self.completer.activated.connect(self._chosen)
        #: Where the ``:`` of the name being completed is in the document.
        self._start = -1
        edit.textChanged.connect(self.update)

    def is_open(self) -> bool:
        """Whether the suggestion list is shown (then Enter, Tab and Esc are its keys)."""
        return self.popup.isVisible()

    def update(self) -> None:
        """Shows, refreshes or hides the list for the text before the cursor."""
        cursor = self._edit.textCursor()
        line = cursor.block().text()[: cursor.positionInBlock()]
        typed = _TYPED_NAME.search(line)
        if typed is None or cursor.hasSelection():
            self._close()
            return
        language = current_language()
        catalogue = emoji_catalogue()
        found = catalogue.search(typed.group(1), language, MAX_SUGGESTIONS)
        if not found:
            self._close()
            return
        self._start = cursor.block().position() + typed.start()
        self._model.clear()
        for emoji in found:
            name = catalogue.name_of(emoji, language)
            item = QStandardItem(f"{emoji}  {name}")
            item.setData(emoji, EMOJI_ROLE)
            item.setData(name, Qt.ItemDataRole.AccessibleTextRole)
            self._model.appendRow(item)
        popup = self.popup
        rect = self._edit.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 8)
        self.completer.complete(rect)
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def _close(self) -> None:
        self._start = -1
        if self.is_open():
            self.popup.hide()

    def _chosen(self, emoji: str) -> None:
        if not emoji or self._start < 0:
            return
        cursor = self._edit.textCursor()
        cursor.setPosition(self._start, cursor.MoveMode.KeepAnchor)
        cursor.insertText(emoji)
        self._edit.setTextCursor(cursor)
        self._start = -1
