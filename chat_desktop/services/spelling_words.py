"""The user's own words for the composer's spell-check ("Add to dictionary").

They are kept in the encrypted settings (which words someone uses is personal: names,
places, slang), as one small list under :data:`SPELLING_WORDS_SETTING`. The list is bounded
(:data:`MAX_SPELLING_WORDS` words of at most :data:`MAX_SPELLING_WORD_CHARS` characters): a
word out of bounds, or one more word once the list is full, is refused with
:class:`SpellingWordRefused` and nothing changes. A damaged stored list reads as the valid
words in it.

The functions taking a ``store`` run on the store thread (``StoreWorker.run``).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from chat_desktop.services.client_errors import ClientError
from chat_desktop.storage.store import MessageStore

SPELLING_WORDS_SETTING: Final = "composer.spelling_words"
#: The most words the user's own dictionary keeps.
MAX_SPELLING_WORDS: Final = 2_000
#: The longest word it keeps, in characters.
MAX_SPELLING_WORD_CHARS: Final = 64


class SpellingWordRefused(ClientError):
    """The word cannot go into the user's dictionary (the message says why); nothing changed."""


def normalised_spelling_word(word: object) -> str:
    """``word`` as kept: NFC, surrounding spaces dropped.

    Raises:
        SpellingWordRefused: Not one word of 1 to 64 characters with a letter in it (no
            spaces, no control characters).
    """
    if not isinstance(word, str):
        raise SpellingWordRefused("only a word can be added to the dictionary")
    text = unicodedata.normalize("NFC", word.strip())
    if not text or len(text) > MAX_SPELLING_WORD_CHARS:
        raise SpellingWordRefused(
            f"a dictionary word has 1 to {MAX_SPELLING_WORD_CHARS} characters"
        )
    if not text.isprintable() or any(char.isspace() for char in text):
        raise SpellingWordRefused("a dictionary word is one word, without spaces")
    if not any(char.isalpha() for char in text):
        raise SpellingWordRefused("a dictionary word has letters in it")
    return text


def load_spelling_words(store: MessageStore) -> list[str]:
    """The user's words in the order added (damaged or repeated entries left out)."""
    stored = store.settings.get(SPELLING_WORDS_SETTING, [])
    if not isinstance(stored, list):
        return []
    words: list[str] = []
    seen: set[str] = set()
    for value in stored:
        try:
            word = normalised_spelling_word(value)
        except SpellingWordRefused:
            continue
        if word not in seen:
            seen.add(word)
            words.append(word)
        if len(words) == MAX_SPELLING_WORDS:
            break
    return words


def add_spelling_word(store: MessageStore, word: str) -> list[str]:
    """Adds ``word`` to the user's dictionary (a word already there changes nothing).

    Returns:
        The words now kept.

    Raises:
        SpellingWordRefused: The word is out of bounds, or the dictionary already holds
            :data:`MAX_SPELLING_WORDS` words; nothing is stored.
    """
    text = normalised_spelling_word(word)
    with store.transaction():
        words = load_spelling_words(store)
        if text in words:
            return words
        if len(words) >= MAX_SPELLING_WORDS:
            raise SpellingWordRefused(f"your dictionary is full ({MAX_SPELLING_WORDS} words)")
        words.append(text)
        store.settings.set(SPELLING_WORDS_SETTING, words)
    return words
