"""A link preview inside a text content (docs/protocol.md §4, ``preview``).

The sender (only when its user turned link previews on) fetches the first link of its text
and puts what it found, bounded, into the encrypted message; the receiver never fetches
anything. On the wire the ``preview`` field of a ``text`` content is a msgpack map
``{url, title, description, image}``. It is decoded apart from the text on purpose
(:class:`~chat_desktop.protocol.message_content.TextContent` holds it as raw msgpack): a
preview that breaks any rule here is dropped by the receiver, and the text is kept.

The rules (:func:`decode_preview`): ``url`` is an ``http``/``https`` address of printable
ASCII, at most :data:`MAX_PREVIEW_URL_LENGTH` characters, that appears in the text; the title
and description are one line each (no control, line-separator or bidirectional control
characters) within :data:`MAX_PREVIEW_TITLE_LENGTH` and :data:`MAX_PREVIEW_DESCRIPTION_LENGTH`
characters; the image, when present, is a JPEG of at most :data:`MAX_PREVIEW_IMAGE_SIZE`
bytes (that it decodes within :data:`MAX_PREVIEW_IMAGE_SIDE` pixels a side is checked by
the client, which has an image decoder: ``services/link_preview_images.py``).
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

#: Longest preview URL, in characters.
MAX_PREVIEW_URL_LENGTH: Final = 2048
#: Longest preview title, in characters (code points).
MAX_PREVIEW_TITLE_LENGTH: Final = 300
#: Longest preview description, in characters (code points).
MAX_PREVIEW_DESCRIPTION_LENGTH: Final = 1000
#: Largest preview image: JPEG bytes.
MAX_PREVIEW_IMAGE_SIZE: Final = 64 * 1024
#: Largest side of a preview image, in pixels (senders scale to fit it).
MAX_PREVIEW_IMAGE_SIDE: Final = 256

# ``\A`` and ``\Z``: msgspec searches patterns, so ``^…$`` would accept a trailing newline.
_URL_PATTERN: Final = r"\A[hH][tT][tT][pP][sS]?://[!-~]+\Z"
#: One line of display text: no C0/C1 control, no line or paragraph separator, no
#: bidirectional control (as a group title, docs/protocol.md §4).
_LINE_PATTERN: Final = r"\A[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]*\Z"
_LINE_FORBIDDEN: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
#: The first ``http(s)://`` address of a text (what the sender previews).
_FIRST_LINK: Final = re.compile(r"(?<![\w@.\-/])https?://[!-~]+", re.IGNORECASE)
_TRAILING: Final = ".,;:!?'\"*)]}>"
_OPENERS: Final = {")": "(", "]": "[", "}": "{"}
_JPEG_MAGIC: Final = b"\xff\xd8\xff"


PreviewImage = Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_PREVIEW_IMAGE_SIZE)]


class LinkPreviewError(ValueError):
    """A preview breaks a rule of docs/protocol.md §4; the message names the rule only."""


class LinkPreview(msgspec.Struct, frozen=True, kw_only=True):
    """What a link shows: its address, title, description and a small JPEG image.

    Attributes:
        url: The address previewed; it appears in the message's text.
        title: The page's title ("" if it has none).
        description: The page's description ("" if it has none).
        image: A JPEG of at most 256 × 256 pixels and 64 KiB, or None.
    """

    url: Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_PREVIEW_URL_LENGTH, pattern=_URL_PATTERN)
    ]
    title: Annotated[str, msgspec.Meta(max_length=MAX_PREVIEW_TITLE_LENGTH, pattern=_LINE_PATTERN)]
    description: Annotated[
        str, msgspec.Meta(max_length=MAX_PREVIEW_DESCRIPTION_LENGTH, pattern=_LINE_PATTERN)
    ]
    image: PreviewImage | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(LinkPreview)


def first_link(text: str) -> str | None:
    """The first ``http``/``https`` address in ``text`` (sentence punctuation left out).

    What a sender previews; None when the text has none or the first is too long.
    """
    match = _FIRST_LINK.search(text)
    if match is None:
        return None
    url = match.group(0)
    while url and url[-1] in _TRAILING:
        closer = url[-1]
        opener = _OPENERS.get(closer)
        if opener is not None and url.count(opener) >= url.count(closer):
            break  # "…/Foo_(bar)": the bracket is part of the address
        url = url[:-1]
    if "://" not in url or url.endswith("://") or len(url) > MAX_PREVIEW_URL_LENGTH:
        return None
    return url


def one_line(text: str, limit: int) -> str:
    """``text`` as one line of at most ``limit`` characters: forbidden characters dropped,
    runs of white space made one space, clipped with an ellipsis. Senders pass what a page
    says through this, so their peer never refuses the preview for it."""
    flat = " ".join(_LINE_FORBIDDEN.sub(" ", text).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def encode_preview(preview: LinkPreview) -> msgspec.Raw:
    """The msgpack map of ``preview``, for the ``preview`` field of a text content."""
    return msgspec.Raw(_encoder.encode(preview))


def check_preview(preview: LinkPreview, text: str) -> None:
    """Checks the rules a schema can't express: the URL appears in ``text``, the image is a JPEG.

    Raises:
        LinkPreviewError: A rule is broken (named, never the value).
    """
    if preview.url not in text:
        raise LinkPreviewError("the preview's address is not in the message")
    if preview.image is not None and not preview.image.startswith(_JPEG_MAGIC):
        raise LinkPreviewError("the preview's image is not a JPEG")


def decode_preview(raw: msgspec.Raw | bytes, text: str) -> LinkPreview:
    """Parses and checks the ``preview`` field of a text content whose text is ``text``.

    Raises:
        LinkPreviewError: Not a preview map, a field out of its bound or of the wrong type,
            an address not in the text, an image that is not a JPEG.
    """
    try:
        preview = _decoder.decode(raw)
    except msgspec.ValidationError as error:
        path = str(error).rpartition(" - at ")[2] if " - at " in str(error) else "$"
        raise LinkPreviewError(f"the preview does not fit its schema at {path}") from None
    except msgspec.DecodeError:
        raise LinkPreviewError("the preview is not a msgpack map") from None
    check_preview(preview, text)
    return preview
