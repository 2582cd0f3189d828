"""The emoji the picker and the ``:name`` completion offer, read from the ``emoji`` package.

The package (a maintained copy of the Unicode emoji data) gives every emoji's English name,
its aliases and, once loaded, its Indonesian name; it has no categories, so the emoji come in
its own order (by English name). Skin-tone variants are not listed on their own: an emoji
supports skin tones when the package holds its variant with each Fitzpatrick modifier, and
:meth:`EmojiCatalogue.with_tone` gives that variant. The package is imported when the
catalogue is first built (the first picker or ``:name``), not at the app's start: importing
it costs about 70 ms.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

#: The five Fitzpatrick skin-tone modifiers, lightest first (U+1F3FB … U+1F3FF).
SKIN_TONES: tuple[str, ...] = tuple(chr(code) for code in range(0x1F3FB, 0x1F400))
#: The emoji presentation selector, which a toned variant drops after its base.
_PRESENTATION = chr(0xFE0F)
#: The languages whose names are searched besides English (the app's own languages).
INDONESIAN = "id"


def readable(short_name: str) -> str:
    """``":thumbs_up:"`` → ``"thumbs up"`` (the package's short names, as words)."""
    return short_name.strip(":").replace("_", " ")


def _untoned_key(text: str) -> str:
    """``text`` without skin-tone modifiers and presentation selectors (to pair variants)."""
    return "".join(char for char in text if char not in SKIN_TONES and char != _PRESENTATION)


@dataclass(frozen=True, slots=True)
class EmojiEntry:
    """One emoji the picker offers.

    Attributes:
        emoji: Its characters (fully qualified, without a skin tone).
        name: Its English name as words ("thumbs up").
        aliases: Its other English short names as words ("thumbsup", "+1").
    """

    emoji: str
    name: str
    aliases: tuple[str, ...]


class EmojiCatalogue:
    """Every fully qualified emoji of the package, searchable by name, with skin tones."""

    def __init__(self) -> None:
        """Reads the package's data (once per process: see :func:`emoji_catalogue`)."""
        import emoji as emoji_package  # on first use, not at the app's start (about 70 ms)

        fully_qualified = emoji_package.STATUS["fully_qualified"]
        entries: list[EmojiEntry] = []
        self._toned: dict[str, dict[str, str]] = {}
        #: The package's data by emoji (a language loaded later adds its names in place).
        self._data: dict[str, dict[str, Any]] = emoji_package.EMOJI_DATA
        for text, data in self._data.items():
            if data["status"] != fully_qualified:
                continue
            tones = {char for char in text if char in SKIN_TONES}
            if len(tones) == 1:
                self._toned.setdefault(_untoned_key(text), {})[tones.pop()] = text
            elif not tones:
                aliases = tuple(readable(alias) for alias in data.get("alias", ()))
                entries.append(EmojiEntry(text, readable(data["en"]), aliases))
        self.entries: tuple[EmojiEntry, ...] = tuple(entries)
        self._indonesian_loaded = False

    def supports_tone(self, emoji: str) -> bool:
        """Whether ``emoji`` has a variant for each skin tone."""
        return len(self._toned.get(_untoned_key(emoji), {})) == len(SKIN_TONES)

    def with_tone(self, emoji: str, tone: str | None) -> str:
        """``emoji`` in skin tone ``tone`` (a :data:`SKIN_TONES` member; None: as it is).

        An emoji without skin tones comes back unchanged.
        """
        if tone is None:
            return emoji
        return self._toned.get(_untoned_key(emoji), {}).get(tone, emoji)

    def name_of(self, emoji: str, language: str = "en") -> str:
        """The name of ``emoji`` in ``language`` ("en" or "id"), English when it has none."""
        data = self._data.get(emoji)
        if data is None:
            return ""
        if language == INDONESIAN:
            self._load_indonesian()
            local = data.get(INDONESIAN)
            if isinstance(local, str):
                return readable(local)
        return readable(data["en"])

    def search(self, query: str, language: str = "en", limit: int | None = None) -> list[str]:
        """The emoji whose names hold ``query`` (English ones, and Indonesian ones in "id").

        A name starting with the query (or one of its words starting with it) comes first;
        then the package's order. An empty query finds every emoji.
        """
        words = " ".join(query.casefold().replace("_", " ").split())
        if not words:
            found = [entry.emoji for entry in self.entries]
            return found if limit is None else found[:limit]
        leading: list[str] = []
        inside: list[str] = []
        for entry in self.entries:
            names = [entry.name.casefold(), *entry.aliases]
            if language == INDONESIAN:
                names.append(self.name_of(entry.emoji, INDONESIAN).casefold())
            if any(name.startswith(words) or f" {words}" in name for name in names):
                leading.append(entry.emoji)
            elif any(words in name for name in names):
                inside.append(entry.emoji)
        found = leading + inside
        return found if limit is None else found[:limit]

    def _load_indonesian(self) -> None:
        if not self._indonesian_loaded:
            from emoji import config  # already imported with the catalogue

            config.load_language(INDONESIAN)
            self._indonesian_loaded = True


@functools.cache
def emoji_catalogue() -> EmojiCatalogue:
    """The one catalogue of the process (built on first use, in a few milliseconds)."""
    return EmojiCatalogue()
