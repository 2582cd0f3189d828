"""Finds the links in a message's text: ``http(s)://`` addresses, ``www.`` hosts and e-mail.

Detection is deliberately narrow: only text that names its scheme, starts with ``www.`` and a
dotted host, or is a complete ``name@host.tld`` address becomes a link, so ordinary prose
("a.b", "v1.2", "e.g.") never does. Trailing punctuation that ends a sentence is left out
of the link, and a closing bracket is kept only when the link opened one ("…/Foo_(bar)").

Offsets are in UTF-16 code units, the one index space of Qt's text classes: the
``QTextLayout`` that underlines a link and answers "which character is under the mouse"
counts that way, while a Python ``str`` counts code points (an emoji is one code point and
two UTF-16 units). :func:`find_links` converts once, in :func:`utf16_offsets`, so nothing
downstream mixes the two.

Only ``http``, ``https`` and ``mailto`` URLs are ever opened (:func:`is_openable`): a
message cannot make the app launch another scheme handler.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import msgspec
from PySide6.QtCore import QUrl

#: The schemes a click may open.
OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})

_URL = re.compile(
    r"""(?ix)
    (?<![\w@.\-/])                      # not glued to a word, an address or a path
    (?:
        https?://[^\s<>"'`]+            # a full address with its scheme
      | www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,63}(?:[/?\#:][^\s<>"'`]*)?
    )
    """
)
_EMAIL = re.compile(
    r"""(?ix)
    (?<![\w.+\-/@])
    [a-z0-9][a-z0-9._%+\-]*             # local part
    @
    [a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,63}
    (?![\w@\-]|\.[a-z0-9])              # the domain ends here
    """
)
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}


class Link(msgspec.Struct, frozen=True):
    """A link found in a text.

    Attributes:
        start: Where its first character starts, in UTF-16 code units of the text (Qt's
            index space, as in ``QTextLayout`` format ranges and ``QTextLine.xToCursor``).
        end: Where it ends (just past its last character), in UTF-16 code units.
        url: What a click opens (``http://`` added to ``www.`` hosts, ``mailto:`` to e-mail).
    """

    start: int
    end: int
    url: str

    def contains(self, position: int) -> bool:
        """Whether the character at UTF-16 ``position`` belongs to this link."""
        return self.start <= position < self.end


def _trim(candidate: str) -> str:
    """Drops sentence punctuation and unbalanced closing brackets from a link's end."""
    while candidate:
        last = candidate[-1]
        unbalanced = last in _PAIRS and candidate.count(last) > candidate.count(_PAIRS[last])
        if last in _TRAILING or unbalanced:
            candidate = candidate[:-1]
        else:
            break
    return candidate


def utf16_offsets(text: str, positions: Sequence[int]) -> list[int]:
    """Code-point ``positions`` in ``text`` as UTF-16 code units (where Qt counts them).

    Characters beyond the Basic Multilingual Plane (emoji, mathematical letters, flags'
    halves) take two UTF-16 units; every other character takes one, combining marks and
    right-to-left letters included.
    """
    if text.isascii() or max(text) <= "\uffff":
        return list(positions)
    # astral_before[i]: astral characters among text[:i]; one pass over the text.
    astral_before = [0, *itertools.accumulate(ord(char) > 0xFFFF for char in text)]
    return [position + astral_before[position] for position in positions]


def find_links(text: str) -> list[Link]:
    """The links in ``text``, in order, never overlapping (offsets in UTF-16 units)."""
    spans: list[tuple[int, int, str]] = []
    for match in _URL.finditer(text):
        found = _trim(match.group(0))
        lowered = found.lower()
        if lowered.startswith(("http://", "https://")):
            rest = found.split("://", 1)[1]
            if not rest or not (rest[0].isalnum() or rest[0] == "["):
                continue
            url = found
        else:
            url = "http://" + found
        spans.append((match.start(), match.start() + len(found), url))
    taken = [(start, end) for start, end, _url in spans]
    for match in _EMAIL.finditer(text):
        start, end = match.start(), match.end()
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue  # part of an address already found (user@host inside a URL)
        spans.append((start, end, "mailto:" + match.group(0)))
    spans.sort()
    offsets = utf16_offsets(text, [edge for start, end, _url in spans for edge in (start, end)])
    return [
        Link(offsets[2 * number], offsets[2 * number + 1], url)
        for number, (_start, _end, url) in enumerate(spans)
    ]


def is_openable(url: str) -> bool:
    """Whether a click may open ``url`` (http, https and mailto only)."""
    parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
    return parsed.isValid() and parsed.scheme().lower() in OPENABLE_SCHEMES
