"""Where the words of a search appear in a message's text, to highlight them.

The store finds messages with FTS5's ``unicode61`` tokenizer (``remove_diacritics 2``): a
message matches when every word of the search is one of its words, the last as a prefix, case
and accents aside. This module marks the same words in the text, so what is highlighted is what
made the message match: "cafe" marks "Café", "lan" (typed last) marks "lantern", and "or"
marks neither "orbit" (not last) nor the "or" inside "favor". Ranges are in UTF-16 code units,
where Qt counts (an emoji before a word takes two).
"""

from __future__ import annotations

import unicodedata

from chat_desktop.gui.conversation.link_text import utf16_offsets


def _is_word_char(char: str) -> bool:
    """Whether ``char`` belongs to a word as unicode61 cuts them: letters, digits, combining
    marks (an accent written as its own code point stays with its letter) and private-use
    characters; anything else, the underscore included, separates words."""
    return char.isalnum() or unicodedata.category(char) in _WORD_CATEGORIES


_WORD_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Co"})


def words(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` code-point spans of the words of ``text``, in order."""
    spans: list[tuple[int, int]] = []
    start = -1
    for position, char in enumerate(text):
        if _is_word_char(char):
            if start < 0:
                start = position
        elif start >= 0:
            spans.append((start, position))
            start = -1
    if start >= 0:
        spans.append((start, len(text)))
    return spans


def fold(word: str) -> str:
    """``word`` compared as the search compares it: without accents, case folded."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def search_terms(query: str) -> tuple[tuple[str, ...], str]:
    """The folded words a search must find whole, and the one (typed last) it may find as a
    prefix; ``((), "")`` when the search has no word."""
    folded = [fold(query[start:end]) for start, end in words(query)]
    if not folded:
        return (), ""
    return tuple(folded[:-1]), folded[-1]


def match_ranges(text: str, query: str) -> list[tuple[int, int]]:
    """``(start, length)`` in UTF-16 units of every word of ``text`` the search ``query``
    matches, in order."""
    whole, prefix = search_terms(query)
    if not prefix:
        return []
    wanted = set(whole)
    spans: list[tuple[int, int]] = []
    for start, end in words(text):
        word = fold(text[start:end])
        if word in wanted or word.startswith(prefix):
            spans.append((start, end))
    if not spans:
        return []
    offsets = utf16_offsets(text, [position for span in spans for position in span])
    return [(offsets[i], offsets[i + 1] - offsets[i]) for i in range(0, len(offsets), 2)]
