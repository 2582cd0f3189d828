"""The plaintext inside a ratchet message (PROTOCOL §4).

Content is a versioned, typed msgpack structure (a msgspec tagged union on ``kind``), padded
with ``0x80 0x00…`` to a multiple of 160 bytes before encryption so that message lengths on the
wire say little about what was written. Receipts and typing travel here, end-to-end encrypted,
so the relay never learns who reads or types.
"""

from __future__ import annotations

from typing import Literal

import msgspec

CONTENT_VERSION = 1
PADDING_BLOCK = 160
MAX_TEXT_LENGTH = 64 * 1024


class ContentError(ValueError):
    """Decrypted bytes are not valid content (bad padding, unknown kind, wrong types).

    The message names what is wrong, never the content itself.
    """


class _Content(msgspec.Struct, frozen=True, tag_field="kind", kw_only=True):
    """Fields every content carries."""

    v: int = CONTENT_VERSION
    id: str
    sent_at: int
    expire_timer: int = 0


class TextContent(_Content, frozen=True, tag="text"):
    """A text message."""

    text: str


class AttachmentContent(_Content, frozen=True, tag="attachment"):
    """A file or image; the blob itself is fetched from the relay by ``blob_id``.

    Width, height and the thumbnail let the receiver lay out the bubble at its final size
    before the download finishes (PROTOCOL §5).
    """

    blob_id: str
    key: bytes
    digest: bytes
    size: int
    mime_type: str
    file_name: str
    caption: str = ""
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


class ReceiptContent(_Content, frozen=True, tag="receipt"):
    """Delivery or read receipts for the named message ids."""

    receipt: Literal["delivered", "read"]
    message_ids: list[str]


class TypingContent(_Content, frozen=True, tag="typing"):
    """The sender started or stopped typing."""

    typing: Literal["started", "stopped"]


class TimerContent(_Content, frozen=True, tag="timer"):
    """The conversation's disappearing-message timer changed to ``seconds`` (0 = off)."""

    seconds: int


class DeleteContent(_Content, frozen=True, tag="delete"):
    """The sender deleted these messages for everyone."""

    message_ids: list[str]


class ProfileContent(_Content, frozen=True, tag="profile"):
    """The sender's display name."""

    display_name: str


Content = (
    TextContent
    | AttachmentContent
    | ReceiptContent
    | TypingContent
    | TimerContent
    | DeleteContent
    | ProfileContent
)

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Content)


def content_kind(content: Content) -> str:
    """The ``kind`` tag of a content ("text", "attachment", ...)."""
    return str(type(content).__struct_config__.tag)


def pad(data: bytes) -> bytes:
    """Append ``0x80`` then zeros up to the next multiple of :data:`PADDING_BLOCK`."""
    padded_length = (len(data) // PADDING_BLOCK + 1) * PADDING_BLOCK
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def unpad(data: bytes) -> bytes:
    """Remove the padding added by :func:`pad`; raise :class:`ContentError` if malformed."""
    if not data or len(data) % PADDING_BLOCK:
        raise ContentError("content padding has the wrong length")
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ContentError("content padding is malformed")
    return stripped[:-1]


def encode_content(content: Content) -> bytes:
    """Serialize and pad a content for encryption."""
    return pad(_encoder.encode(content))


def decode_content(data: bytes) -> Content:
    """Unpad and parse decrypted bytes into a typed content."""
    try:
        content: Content = _decoder.decode(unpad(data))
    except msgspec.DecodeError as error:
        raise ContentError("content is not a valid message structure") from error
    if content.v != CONTENT_VERSION:
        raise ContentError(f"unsupported content version {content.v}")
    if isinstance(content, TextContent) and len(content.text) > MAX_TEXT_LENGTH:
        raise ContentError("text content is too long")
    return content
