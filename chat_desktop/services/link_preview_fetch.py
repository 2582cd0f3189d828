"""Fetching a link's preview on the sender's side, with every size and time bounded.

Only the sender fetches, and only when its user turned link previews on (they are off by
default: fetching tells the website our IP address and that someone is sharing the link).
What comes back goes inside the encrypted message (docs/protocol.md §4, ``preview``), so the
receiver never contacts the site.

Bounds, so that no website can hold or flood us:

* one total time for everything (the page, its redirects and its image):
  :data:`DEFAULT_TIMEOUT_SECONDS`;
* only ``http`` and ``https``, at every hop: redirects are followed by hand, at most
  :data:`MAX_REDIRECTS`, each new address checked again (a redirect to ``file:`` or any
  other scheme is refused);
* at most :data:`MAX_PAGE_BYTES` of HTML and :data:`MAX_IMAGE_BYTES` of image, counted as
  they arrive after decompression (a declared length over the bound is refused before
  reading);
* no cookies kept or sent, no proxy settings from the environment, no credentials;
* the image decoded within a pixel bound and re-encoded as a small JPEG in a worker thread
  (``services/link_preview_images.py``), so the event loop never blocks and no metadata
  survives.

A failure is a :class:`LinkPreviewUnavailable` naming the reason, never the address: the
caller sends the message without a preview. An image that can't be had leaves the preview
without an image.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit

from chat_desktop.protocol.link_preview import (
    MAX_PREVIEW_DESCRIPTION_LENGTH,
    MAX_PREVIEW_TITLE_LENGTH,
    MAX_PREVIEW_URL_LENGTH,
    LinkPreview,
    one_line,
)
from chat_desktop.services.link_preview_html import summarize_page
from chat_desktop.services.link_preview_images import PreviewImageRefused, make_preview_image

if TYPE_CHECKING:
    import aiohttp  # loaded by the first fetch: the app starts without the HTTP stack

_log = logging.getLogger(__name__)

#: The whole fetch (page, redirects, image) must finish within this many seconds.
DEFAULT_TIMEOUT_SECONDS: Final = 5.0
#: Most bytes of HTML read.
MAX_PAGE_BYTES: Final = 512 * 1024
#: Most bytes of the preview's source image read.
MAX_IMAGE_BYTES: Final = 1024 * 1024
#: Most redirects followed for one address.
MAX_REDIRECTS: Final = 3
_SCHEMES: Final = frozenset({"http", "https"})
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_CHUNK: Final = 16 * 1024
_HEADERS: Final = {
    "User-Agent": "Mozilla/5.0 (compatible; link preview)",
    "Accept": "text/html,application/xhtml+xml,image/*;q=0.8",
}


class LinkPreviewUnavailable(Exception):
    """No preview could be made; the message names why (never the address)."""


class LinkPreviewFetcher:
    """Fetches the preview of one ``http(s)`` address within fixed bounds.

    Args:
        timeout_seconds: The total time allowed (tests lower it).
        max_page_bytes: Most bytes of HTML read.
        max_image_bytes: Most bytes of image read.
    """

    def __init__(
        self,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_page_bytes: int = MAX_PAGE_BYTES,
        max_image_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self._timeout = timeout_seconds
        self._max_page = max_page_bytes
        self._max_image = max_image_bytes

    async def fetch(self, url: str) -> LinkPreview:
        """The preview of ``url``: its page's title, description and image.

        Raises:
            LinkPreviewUnavailable: Not an http(s) address, the page is unreachable, too
                slow, too large, not HTML, redirects too often or elsewhere than http(s),
                or says nothing to preview.
        """
        _check_address(url)
        import aiohttp  # the HTTP stack loads when a preview is first fetched

        try:
            async with (
                asyncio.timeout(self._timeout),
                aiohttp.ClientSession(
                    cookie_jar=aiohttp.DummyCookieJar(),
                    headers=_HEADERS,
                    trust_env=False,
                ) as session,
            ):
                return await self._fetch(session, url)
        except TimeoutError:
            raise LinkPreviewUnavailable("the page took too long to answer") from None
        except (aiohttp.ClientError, UnicodeError, ValueError):
            raise LinkPreviewUnavailable("the page could not be fetched") from None

    async def _fetch(self, session: aiohttp.ClientSession, url: str) -> LinkPreview:
        final_url, body, content_type, charset = await self._get(session, url, self._max_page)
        if content_type not in _HTML_TYPES:
            raise LinkPreviewUnavailable("the address is not a web page")
        summary = summarize_page(_decoded(body, charset))
        title = one_line(summary.title, MAX_PREVIEW_TITLE_LENGTH)
        description = one_line(summary.description, MAX_PREVIEW_DESCRIPTION_LENGTH)
        image = None
        if summary.image:
            image = await self._image(session, urljoin(final_url, summary.image))
        if not title and not description and image is None:
            raise LinkPreviewUnavailable("the page has nothing to preview")
        return LinkPreview(url=url, title=title, description=description, image=image)

    async def _image(self, session: aiohttp.ClientSession, url: str) -> bytes | None:
        """The page's image as a small clean JPEG, or None when it can't be had."""
        try:
            _check_address(url)
            _, data, _, _ = await self._get(session, url, self._max_image)
            return await asyncio.to_thread(make_preview_image, data)
        except (LinkPreviewUnavailable, PreviewImageRefused) as error:
            _log.info("link preview without its image: %s", error)
            return None

    async def _get(
        self, session: aiohttp.ClientSession, url: str, limit: int
    ) -> tuple[str, bytes, str, str | None]:
        """(final address, body, content type, charset) of a GET, redirects followed by
        hand and checked, the body read up to ``limit`` bytes."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_address(current)
            async with session.get(current, allow_redirects=False) as response:
                if response.status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise LinkPreviewUnavailable("the page redirects nowhere")
                    current = urljoin(current, location)
                    continue
                if response.status != 200:
                    raise LinkPreviewUnavailable("the page answered with an error")
                declared = response.content_length
                if declared is not None and declared > limit:
                    raise LinkPreviewUnavailable("the page is larger than its bound")
                body = bytearray()
                async for chunk in response.content.iter_chunked(_CHUNK):
                    body += chunk
                    if len(body) > limit:
                        raise LinkPreviewUnavailable("the page is larger than its bound")
                return current, bytes(body), response.content_type, response.charset
        raise LinkPreviewUnavailable("the page redirects too often")


def _decoded(body: bytes, charset: str | None) -> str:
    """The page's text in its declared charset (UTF-8 when none or an unknown one)."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _check_address(url: str) -> None:
    """Refuses anything but an absolute http(s) address with a host, within its length."""
    if len(url) > MAX_PREVIEW_URL_LENGTH:
        raise LinkPreviewUnavailable("the address is too long")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise LinkPreviewUnavailable("the address is not valid") from None
    if parts.scheme.lower() not in _SCHEMES:
        raise LinkPreviewUnavailable("only http and https addresses are previewed")
    if not parts.hostname:
        raise LinkPreviewUnavailable("the address has no host")
