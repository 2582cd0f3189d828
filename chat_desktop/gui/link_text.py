"""Finds the links in a message's text: ``http(s)://`` addresses, ``www.`` hosts and e-mail.

Detection is deliberately narrow: only text that names its scheme, starts with ``www.`` and a
dotted host, or is a complete ``name@host.tld`` address becomes a link, so ordinary prose
("a.b", "v1.2", "e.g.") never does. Trailing punctuation that ends a sentence is left out
of the link, and a closing bracket is kept only when the link opened one ("…/Foo_(bar)").

Only ``http``, ``https`` and ``mailto`` URLs are ever opened (:func:`is_openable`): a
message cannot make the app launch another scheme handler.
"""

from __future__ import annotations

import re

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
        start: Index of its first character in the text.
        end: Index just past its last character.
        url: What a click opens (``http://`` added to ``www.`` hosts, ``mailto:`` to e-mail).
    """

    start: int
    end: int
    url: str

    def contains(self, position: int) -> bool:
        """Whether the character at ``position`` belongs to this link."""
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


def find_links(text: str) -> list[Link]:
    """The links in ``text``, in order, never overlapping."""
    links: list[Link] = []
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
        links.append(Link(match.start(), match.start() + len(found), url))
    taken = [(link.start, link.end) for link in links]
    for match in _EMAIL.finditer(text):
        start, end = match.start(), match.end()
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue  # part of an address already found (user@host inside a URL)
        links.append(Link(start, end, "mailto:" + match.group(0)))
    links.sort(key=lambda link: link.start)
    return links


def is_openable(url: str) -> bool:
    """Whether a click may open ``url`` (http, https and mailto only)."""
    parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
    return parsed.isValid() and parsed.scheme().lower() in OPENABLE_SCHEMES
