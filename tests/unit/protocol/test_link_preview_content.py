"""The ``preview`` of a text content: its bytes (docs/protocol.md §4) and its rules."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.protocol.link_preview import (
    LinkPreview,
    LinkPreviewError,
    decode_preview,
    encode_preview,
    one_line,
)
from chat_desktop.protocol.message_content import (
    TextContent,
    decode_content,
    encode_content,
    transcript_of,
)

MESSAGE_ID = "0190a4b2-0000-7000-8000-000000000000"
PINNED = bytes.fromhex(
    "84 a3 75 72 6c b2 68 74 74 70 73 3a 2f 2f 61 2e 65 78 61 6d 70 6c 65 2f"
    " a5 74 69 74 6c 65 a1 54 ab 64 65 73 63 72 69 70 74 69 6f 6e a1 44 a5 69 6d 61 67 65 c0"
)


def test_the_preview_bytes_are_the_ones_pinned_in_the_protocol() -> None:
    preview = LinkPreview(url="https://a.example/", title="T", description="D")
    assert bytes(encode_preview(preview)) == PINNED
    content = TextContent(
        id=MESSAGE_ID, sent_at=1, text="https://a.example/", preview=encode_preview(preview)
    )
    encoded = transcript_of(content)
    assert encoded.startswith(b"\x88\xa4kind\xa4text")
    assert b"\xa5quote\xc0\xa7preview" + PINNED + b"\xa1v\x01" in encoded
    decoded = decode_content(encode_content(content))
    assert isinstance(decoded, TextContent)
    assert isinstance(decoded.preview, msgspec.Raw)
    assert decode_preview(decoded.preview, decoded.text) == preview


def test_a_text_without_a_preview_is_the_map_it_always_was() -> None:
    encoded = transcript_of(TextContent(id=MESSAGE_ID, sent_at=1, text="x"))
    assert encoded[0] == 0x87  # seven entries: no preview key at all
    assert b"preview" not in encoded


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "https://a.example/", "title": "x" * 301, "description": ""},
        {"url": "https://a.example/", "title": "", "description": "y" * 1001},
        {"url": "https://a.example/", "title": "a\u202eb", "description": ""},
        {"url": "https://other.example/", "title": "", "description": ""},
        {"url": "ftp://a.example/", "title": "", "description": ""},
        {"url": "https://a.example/", "title": "", "description": "", "image": b"GIF89a"},
        {"url": "https://a.example/", "title": "", "description": "", "image": b""},
        {"url": "https://a.example/", "description": ""},
    ],
)
def test_a_preview_that_breaks_a_rule_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(LinkPreviewError):
        decode_preview(msgspec.msgpack.encode(fields), "see https://a.example/ now")


def test_one_line_flattens_and_clips() -> None:
    assert one_line(" a\n\tb\u202ec ", 10) == "a b c"
    assert one_line("word " * 100, 20) == "word word word word…"
    assert len(one_line("z" * 500, 300)) == 300
