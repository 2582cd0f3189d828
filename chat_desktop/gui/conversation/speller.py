"""The words of a text that spell-checking looks at, and the dictionaries that judge them.

:func:`words_to_check` picks the words out of a line of the composer: not addresses
(``https://…``, ``www.…``, e-mail), ``@names``, ``:emoji`` names being completed, paths, nor
words with digits (``mp3``, ``2nd``) or underscores.

:class:`Speller` wraps one hunspell dictionary through pyenchant (libenchant), with a bounded
cache of the answers (a word is looked up once, however often the line is re-highlighted).
Dictionaries open on a worker thread (importing pyenchant and reading a dictionary takes
a tenth of a second or more, not to be spent while someone types): :func:`speller_for` starts
the load and says "not yet"; :data:`SpellingHub.dictionaryLoaded` tells when it is there.
Without libenchant or without the language's dictionary the answer is a
:class:`SpellerUnavailable` saying which, never an exception at the user.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Literal, NamedTuple

from PySide6.QtCore import QObject, Signal

#: The hunspell dictionary of each language of the app.
DICTIONARY_TAGS: Final = {"en": "en_US", "id": "id_ID"}
#: Suggestions offered for a misspelled word at most.
MAX_SUGGESTIONS: Final = 5
#: Words whose verdict a speller remembers at most (then it starts over).
MAX_CACHED_WORDS: Final = 20_000

#: A run of non-space characters (a word with its punctuation, an address, an @name…).
_CHUNK: Final = re.compile(r"\S+")
#: A word: letters (and digits, to tell them apart), with inner apostrophes ("don't").
_WORD: Final = re.compile(r"\w+(?:['\u2019]\w+)*")
#: What may come before a chunk's first real character: "(@bob)", "“www.…".
_OPENING: Final = "([{<\"'\u201c\u2018\u00ab"


class WordSpan(NamedTuple):
    """A word of a line: where it starts, its length (both in UTF-16 units, as Qt counts)."""

    start: int
    length: int
    word: str


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _skipped_chunk(chunk: str) -> bool:
    """Whether the whole chunk is not prose: an address, an @name, ``:emoji``, a path."""
    bare = chunk.lstrip(_OPENING)
    if bare.startswith(("@", ":", "#")):
        return True
    lowered = bare.lower()
    if "://" in lowered or lowered.startswith("www.") or "@" in bare:
        return True
    return "/" in bare or "\\" in bare


def words_to_check(line: str) -> Iterator[WordSpan]:
    """The words of ``line`` to spell-check, with their places in Qt's units."""
    for chunk in _CHUNK.finditer(line):
        if _skipped_chunk(chunk.group()):
            continue
        for found in _WORD.finditer(chunk.group()):
            word = found.group()
            if len(word) < 2 or "_" in word or any(char.isdigit() for char in word):
                continue
            start = chunk.start() + found.start()
            yield WordSpan(_utf16_length(line[:start]), _utf16_length(word), word)


class SpellerUnavailable(NamedTuple):
    """Why a language cannot be spell-checked here.

    Attributes:
        tag: The dictionary asked for (``en_US``).
        missing: ``library`` (no libenchant) or ``dictionary`` (none for ``tag``).
    """

    tag: str
    missing: Literal["library", "dictionary"]


class Speller:
    """One language's dictionary with a bounded cache of its verdicts (GUI thread only)."""

    def __init__(self, tag: str, dictionary: Any) -> None:
        """Wraps an open ``enchant.Dict`` for ``tag``."""
        self.tag = tag
        self._dictionary = dictionary
        self._verdicts: dict[str, bool] = {}

    def is_correct(self, word: str) -> bool:
        """Whether the dictionary knows ``word`` (typographic apostrophes count as ``'``)."""
        verdict = self._verdicts.get(word)
        if verdict is None:
            if len(self._verdicts) >= MAX_CACHED_WORDS:
                self._verdicts.clear()
            verdict = bool(self._dictionary.check(word.replace("\u2019", "'")))
            self._verdicts[word] = verdict
        return verdict

    def suggestions(self, word: str) -> list[str]:
        """Up to :data:`MAX_SUGGESTIONS` replacements for ``word``, best first."""
        found: list[str] = self._dictionary.suggest(word.replace("\u2019", "'"))
        return found[:MAX_SUGGESTIONS]


def open_speller(tag: str) -> Speller | SpellerUnavailable:
    """Opens the dictionary for ``tag`` (slow: any thread but the GUI's)."""
    try:
        import enchant  # loaded with the first dictionary, not at start
    except ImportError:  # pyenchant raises it when the C library is not found too
        return SpellerUnavailable(tag, "library")
    try:
        if not enchant.dict_exists(tag):
            return SpellerUnavailable(tag, "dictionary")
        return Speller(tag, enchant.Dict(tag))
    except enchant.errors.Error:
        return SpellerUnavailable(tag, "dictionary")


class SpellingHub(QObject):
    """What every composer's spell-check follows (one per app).

    Signals:
        dictionaryLoaded(str): The dictionary for this tag was opened (or found missing).
        enabledChanged(bool): "Check spelling while typing" was saved on or off.
        wordAdded(str): A word went into the user's dictionary.
    """

    dictionaryLoaded = Signal(str)  # noqa: N815
    enabledChanged = Signal(bool)  # noqa: N815
    wordAdded = Signal(str)  # noqa: N815


_hub: SpellingHub | None = None
_spellers: dict[str, Speller | SpellerUnavailable] = {}
_loading: set[str] = set()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def spelling_hub() -> SpellingHub:
    """The app's :class:`SpellingHub` (made in the GUI thread on first use)."""
    global _hub
    if _hub is None:
        _hub = SpellingHub()
    return _hub


def _load(tag: str, hub: SpellingHub) -> None:
    speller = open_speller(tag)
    with _lock:
        _spellers[tag] = speller
        _loading.discard(tag)
    hub.dictionaryLoaded.emit(tag)  # queued to the GUI thread, where the hub lives


def speller_for(tag: str) -> Speller | SpellerUnavailable | None:
    """The speller for ``tag`` if loaded; None while it loads (started here if need be)."""
    global _executor
    hub = spelling_hub()
    with _lock:
        known = _spellers.get(tag)
        if known is not None or tag in _loading:
            return known
        _loading.add(tag)
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spelling")
    _executor.submit(_load, tag, hub)
    return None
