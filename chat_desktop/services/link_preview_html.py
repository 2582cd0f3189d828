"""What a web page says about itself: its Open Graph title, description and image, else its
``<title>`` and ``<meta name="description">``.

Parsed with the standard library's ``html.parser`` (tolerant of broken markup, runs no
script, loads nothing): the page's bytes are bounded by the fetcher before they get here.
Only the first value of each kind counts; the text of ``<title>`` is capped while it is
collected, so a hostile page cannot grow it without bound.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Final

import msgspec

#: Most characters of ``<title>`` text collected (the preview keeps far fewer).
_TITLE_CAP: Final = 4096
#: Most characters of any attribute value kept.
_VALUE_CAP: Final = 8192


class PageSummary(msgspec.Struct, frozen=True):
    """What a page says about itself (raw text, not yet made one line or clipped).

    Attributes:
        title: ``og:title``, else the ``<title>`` text ("" if neither).
        description: ``og:description``, else ``<meta name="description">`` ("" if neither).
        image: ``og:image`` (or ``og:image:url``) as written in the page, or "".
    """

    title: str
    description: str
    image: str


class _Parser(HTMLParser):
    """Collects the few tags a preview needs, ignoring everything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self._title_length = 0
        self._in_title = False
        self._title_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self._title_done:
            self._in_title = True
        elif tag == "meta":
            values = {name.lower(): (value or "") for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and key not in self.meta:
                self.meta[key] = values.get("content", "")[:_VALUE_CAP]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._title_done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and self._title_length < _TITLE_CAP:
            part = data[: _TITLE_CAP - self._title_length]
            self.title_parts.append(part)
            self._title_length += len(part)


def summarize_page(html: str) -> PageSummary:
    """The title, description and image address a page names (see :class:`PageSummary`)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    meta = parser.meta
    return PageSummary(
        title=meta.get("og:title") or "".join(parser.title_parts),
        description=meta.get("og:description") or meta.get("description", ""),
        image=(meta.get("og:image") or meta.get("og:image:url") or "").strip(),
    )
