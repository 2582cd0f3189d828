"""``SpellCheck``: misspelled words underlined in the composer, suggestions in its menu.

A ``QSyntaxHighlighter`` on the composer's document: Qt re-highlights only the block
(line) that changed, and each word's verdict is cached by its
:class:`~chat_desktop.gui.conversation.speller.Speller`, so typing never waits for it. The
dictionary is the app's language's (English: ``en_US``, Indonesian: ``id_ID``; it follows a
language switch), opened on a worker thread. Addresses, ``@names``, numbers, words with
digits and ``:emoji`` names are never underlined
(:func:`~chat_desktop.gui.conversation.speller.words_to_check`).

On a misspelled word the composer's context menu starts with up to five suggestions (one
replaces the word in one undo step) and "Add to dictionary" (the user's words are kept in
the encrypted settings through ``client.preferences``). Without libenchant or without the
language's dictionary nothing is underlined and the next context menu says once what is
missing. "Check spelling while typing" (Settings → Privacy) turns it all off and on.
"""

from __future__ import annotations

import logging
from typing import NamedTuple, Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, QPoint, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit
from shiboken6 import isValid

from chat_desktop.gui.common.tasks import spawn
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.common.translation import current_language
from chat_desktop.gui.conversation.speller import (
    DICTIONARY_TAGS,
    Speller,
    SpellerUnavailable,
    speller_for,
    spelling_hub,
    words_to_check,
)
from chat_desktop.services.preferences import Preferences
from chat_desktop.services.spelling_words import (
    MAX_SPELLING_WORDS,
    SpellingWordRefused,
    normalised_spelling_word,
)

logger = logging.getLogger(__name__)

#: The dictionary used when the app's language has none of its own.
FALLBACK_TAG = DICTIONARY_TAGS["en"]
#: The languages' names in the "needs the dictionary" note (translated when shown).
LANGUAGE_NAMES = {
    "en_US": QT_TRANSLATE_NOOP("SpellCheck", "English"),
    "id_ID": QT_TRANSLATE_NOOP("SpellCheck", "Indonesian"),
}


class SpellSource(Protocol):
    """Where the setting and the user's words are kept: ``client.preferences``."""

    async def load(self) -> Preferences:
        """The preferences (``spell_check``: whether to check while typing)."""
        ...

    async def spelling_words(self) -> list[str]:
        """The words the user added to the dictionary."""
        ...

    async def add_spelling_word(self, word: str) -> None:
        """Keeps ``word`` in the user's dictionary."""
        ...


class Misspelling(NamedTuple):
    """A misspelled word of the document: ``start``/``end`` are document positions."""

    start: int
    end: int
    word: str


class SpellCheck(QSyntaxHighlighter):
    """Underlines the misspelled words of ``edit`` and offers their corrections."""

    def __init__(self, edit: QPlainTextEdit) -> None:
        """Checks ``edit``'s document in the app's current language."""
        super().__init__(edit.document())
        self._edit = edit
        self._enabled = True
        self._tag = self.tag_for(current_language())
        #: The user's words, case-folded.
        self._own_words: set[str] = set()
        self._source: SpellSource | None = None
        #: Tags whose missing dictionary (or library) a context menu has already told.
        self._told: set[str] = set()
        self._format = QTextCharFormat()
        self._format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        self._format.setUnderlineColor(QColor(current_colors().danger))
        hub = spelling_hub()
        hub.dictionaryLoaded.connect(self._dictionary_loaded)
        hub.enabledChanged.connect(self.set_enabled)
        hub.wordAdded.connect(self._word_added)
        edit.installEventFilter(self)

    @staticmethod
    def tag_for(language: str) -> str:
        """The dictionary of the app language ``language`` ("en", "id")."""
        return DICTIONARY_TAGS.get(language, FALLBACK_TAG)

    @property
    def tag(self) -> str:
        """The dictionary in use (``en_US``)."""
        return self._tag

    @property
    def enabled(self) -> bool:
        """Whether words are checked as they are typed."""
        return self._enabled

    def speller(self) -> Speller | SpellerUnavailable | None:
        """The dictionary's speller; why there is none; None while it loads."""
        return speller_for(self._tag)

    # ---- what is checked ----------------------------------------------------------------

    def use_source(self, source: SpellSource) -> None:
        """Reads the setting and the user's words from ``source`` and keeps new words there."""
        self._source = source
        spawn(self._load_from(source), "load spell-check settings")

    async def _load_from(self, source: SpellSource) -> None:
        preferences = await source.load()
        words = await source.spelling_words()
        if not isValid(self):  # the composer was closed meanwhile
            return
        self._own_words.update(word.casefold() for word in words)
        self._enabled = preferences.spell_check
        self.rehighlight()

    def set_language(self, language: str) -> None:
        """Checks in the dictionary of the app language ``language`` from now on."""
        self.use_dictionary(self.tag_for(language))

    def use_dictionary(self, tag: str) -> None:
        """Checks with the dictionary ``tag`` (``id_ID``), whether or not it exists here."""
        if tag != self._tag:
            self._tag = tag
            self.rehighlight()

    def set_enabled(self, on: bool) -> None:
        """Turns checking on or off (off: no underline left)."""
        if on != self._enabled:
            self._enabled = on
            self.rehighlight()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Follows a switch of the app's language, and of the theme (the underline's red)."""
        if watched is self._edit and event.type() == QEvent.Type.LanguageChange:
            self.set_language(current_language())
        elif watched is self._edit and event.type() == QEvent.Type.PaletteChange:
            red = QColor(current_colors().danger)
            if red != self._format.underlineColor():
                self._format.setUnderlineColor(red)
                self.rehighlight()
        return False

    def _dictionary_loaded(self, tag: str) -> None:
        if tag == self._tag and self._enabled:
            self.rehighlight()

    def _word_added(self, word: str) -> None:
        folded = word.casefold()
        if folded not in self._own_words:
            self._own_words.add(folded)
            self.rehighlight()

    def _is_misspelled(self, speller: Speller, word: str) -> bool:
        return word.casefold() not in self._own_words and not speller.is_correct(word)

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        """Underlines the misspelled words of one block (Qt calls it for changed blocks)."""
        if not self._enabled:
            return
        speller = self.speller()
        if not isinstance(speller, Speller):
            return
        for span in words_to_check(text):
            if self._is_misspelled(speller, span.word):
                self.setFormat(span.start, span.length, self._format)

    # ---- corrections ----------------------------------------------------------------------

    def misspelling_at(self, position: int) -> Misspelling | None:
        """The misspelled word at document ``position`` (at its start, inside or at its end)."""
        speller = self.speller()
        if not self._enabled or not isinstance(speller, Speller):
            return None
        block = self.document().findBlock(position)
        if not block.isValid():
            return None
        offset = position - block.position()
        for span in words_to_check(block.text()):
            inside = span.start <= offset <= span.start + span.length
            if inside and self._is_misspelled(speller, span.word):
                start = block.position() + span.start
                return Misspelling(start, start + span.length, span.word)
        return None

    def suggestions(self, word: str) -> list[str]:
        """Up to five replacements for ``word`` (none without a dictionary)."""
        speller = self.speller()
        return speller.suggestions(word) if isinstance(speller, Speller) else []

    def replace(self, misspelling: Misspelling, text: str) -> None:
        """Puts ``text`` in place of the misspelled word (one undo step).

        Nothing happens when the word is no longer there (the text changed meanwhile).
        """
        cursor = QTextCursor(self.document())
        cursor.setPosition(misspelling.start)
        cursor.setPosition(misspelling.end, QTextCursor.MoveMode.KeepAnchor)
        if cursor.selectedText() != misspelling.word:
            return
        cursor.insertText(text)
        self._edit.setTextCursor(cursor)

    def can_add_words(self) -> bool:
        """Whether the user's dictionary has room for another word."""
        return len(self._own_words) < MAX_SPELLING_WORDS

    def add_to_dictionary(self, word: str) -> None:
        """Stops underlining ``word`` here and in other composers, and keeps it (settings).

        A word the dictionary cannot take (too long, or the dictionary is full) is refused
        before anything changes; the log has the type of a failure to keep it.
        """
        try:
            kept = normalised_spelling_word(word)
        except SpellingWordRefused:
            logger.info("spelling word refused")
            return
        if not self.can_add_words():
            return
        self._word_added(kept)
        spelling_hub().wordAdded.emit(kept)
        if self._source is not None:
            spawn(self._source.add_spelling_word(kept), "add spelling word")

    # ---- the context menu -----------------------------------------------------------------

    def unavailable_text(self, missing: SpellerUnavailable) -> str:
        """What the menu says when this language cannot be checked here."""
        if missing.missing == "library":
            return self.tr("Spell-check needs the enchant library (libenchant-2-2)")
        name = LANGUAGE_NAMES.get(missing.tag)
        language = self.tr(str(name)) if name is not None else missing.tag
        return self.tr("Spell-check needs the hunspell dictionary for %1").replace("%1", language)

    def add_to_menu(self, menu: QMenu, point: QPoint) -> None:
        """Puts the corrections of the word at ``point`` (viewport) first in ``menu``."""
        if not self._enabled:
            return
        speller = self.speller()
        if isinstance(speller, SpellerUnavailable):
            if speller.tag not in self._told:
                self._told.add(speller.tag)
                note = QAction(self.unavailable_text(speller), menu)
                note.setObjectName("spellCheckUnavailable")
                note.setEnabled(False)
                _put_first(menu, [note])
            return
        misspelling = self.misspelling_at(self._edit.cursorForPosition(point).position())
        if misspelling is None:
            return
        actions: list[QAction] = []
        for suggestion in self.suggestions(misspelling.word):
            action = QAction(suggestion, menu)
            action.setObjectName("spellingSuggestion")
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.triggered.connect(
                lambda _checked=False, text=suggestion: self.replace(misspelling, text)
            )
            actions.append(action)
        if not actions:
            none = QAction(self.tr("No suggestions"), menu)
            none.setObjectName("noSpellingSuggestions")
            none.setEnabled(False)
            actions.append(none)
        add = QAction(self.tr("Add to dictionary"), menu)
        add.setObjectName("addToDictionary")
        add.setEnabled(self.can_add_words())
        add.triggered.connect(lambda: self.add_to_dictionary(misspelling.word))
        actions.append(add)
        _put_first(menu, actions)


def _put_first(menu: QMenu, actions: list[QAction]) -> None:
    """Puts ``actions`` at the top of ``menu``, a separator under them."""
    existing = menu.actions()
    if not existing:
        menu.addActions(actions)
        return
    separator = QAction(menu)
    separator.setSeparator(True)
    menu.insertActions(existing[0], [*actions, separator])


def context_menu(edit: QPlainTextEdit, check: SpellCheck, point: QPoint) -> QMenu:
    """``edit``'s usual context menu at ``point`` (viewport), with ``check``'s items first.

    The menu deletes itself once closed.
    """
    menu = edit.createStandardContextMenu(point)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    check.add_to_menu(menu, point)
    return menu
