"""The reaction and edit kinds and the quote field: exact encoding, and every bound enforced."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from chat_desktop.protocol.message_content import (
    MAX_TEXT_LENGTH,
    AttachmentContent,
    ContentError,
    EditContent,
    Quote,
    ReactionContent,
    TextContent,
    decode_content,
    encode_content,
    is_valid_emoji,
    pad,
    unpad,
)

pytestmark = pytest.mark.unit

ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"
TARGET = "0190f5a4-7c3e-7b2a-9f00-ba9876543210"


def raw(fields: dict[str, Any]) -> bytes:
    return pad(msgspec.msgpack.encode(fields))


def reaction(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "reaction",
        "target_id": TARGET,
        "emoji": "👍",
        "remove": False,
        "v": 1,
        "id": ID,
        "sent_at": 1,
        "expire_timer": 0,
    }
    return fields | changes


def text_with_quote(**quote_changes: Any) -> dict[str, Any]:
    quote = {"target_id": TARGET, "author": "alice", "excerpt": "hello", "kind": "text"}
    return {
        "kind": "text",
        "text": "a reply",
        "quote": quote | quote_changes,
        "v": 1,
        "id": ID,
        "sent_at": 1,
    }


def test_encoding_order_is_the_documented_one() -> None:
    content = ReactionContent(id=ID, sent_at=1, target_id=TARGET, emoji="👍")
    assert list(msgspec.msgpack.decode(unpad(encode_content(content)))) == [
        "kind",
        "target_id",
        "emoji",
        "remove",
        "v",
        "id",
        "sent_at",
        "expire_timer",
    ]
    edit = EditContent(id=ID, sent_at=1, target_id=TARGET, text="new")
    assert list(msgspec.msgpack.decode(unpad(encode_content(edit))))[:3] == [
        "kind",
        "target_id",
        "text",
    ]
    text = TextContent(id=ID, sent_at=1, text="hi")
    assert msgspec.msgpack.decode(unpad(encode_content(text))) == {
        "kind": "text",
        "text": "hi",
        "quote": None,
        "v": 1,
        "id": ID,
        "sent_at": 1,
        "expire_timer": 0,
    }
    assert "quote" in AttachmentContent.__struct_fields__


@pytest.mark.parametrize("emoji", ["👍", "❤️", "👨‍👩‍👧‍👦", "🇮🇩", "👍🏽", "ok", "+1"])
def test_real_emoji_pass(emoji: str) -> None:
    assert is_valid_emoji(emoji)
    assert isinstance(decode_content(raw(reaction(emoji=emoji))), ReactionContent)


@pytest.mark.parametrize(
    "emoji",
    [
        "",
        "👍" * 9,  # 9 code points
        "x" * 10 * 1024,  # a 10 KiB "emoji"
        "👨‍👩‍👧‍👦👨‍👩‍👧",  # 12 code points
        "a\nb",
        "\x00",
        "\u0085",  # C1 control
        "a\u2028",
    ],
)
def test_out_of_bounds_emoji_make_the_content_invalid(emoji: str) -> None:
    assert not is_valid_emoji(emoji)
    with pytest.raises(ContentError):
        decode_content(raw(reaction(emoji=emoji)))


def test_the_byte_bound_is_reached_at_eight_four_byte_code_points() -> None:
    # At most 8 code points of at most 4 UTF-8 bytes: 32 bytes is exactly the largest.
    largest = "\U0001f600" * 8
    assert len(largest.encode()) == 32 and is_valid_emoji(largest)
    assert not is_valid_emoji(largest + "\U0001f600")
    assert not is_valid_emoji("\ud83d")  # a lone surrogate is not text


@pytest.mark.parametrize(
    "changes",
    [
        {"target_id": "not-a-uuid"},
        {"author": "Not A Username"},
        {"author": "x" * 33},
        {"excerpt": "e" * 201},
        {"kind": "typing"},
        {"excerpt": 5},
    ],
)
def test_out_of_bounds_quote_makes_the_content_invalid(changes: dict[str, Any]) -> None:
    with pytest.raises(ContentError):
        decode_content(raw(text_with_quote(**changes)))


def test_a_quote_at_its_bounds_and_a_missing_quote_decode() -> None:
    content = decode_content(raw(text_with_quote(excerpt="e" * 200)))
    assert isinstance(content, TextContent)
    assert content.quote == Quote(target_id=TARGET, author="alice", excerpt="e" * 200, kind="text")
    old_sender = {"kind": "text", "text": "hi", "v": 1, "id": ID, "sent_at": 1}
    decoded = decode_content(raw(old_sender))
    assert isinstance(decoded, TextContent) and decoded.quote is None


def test_an_edit_is_bounded_like_a_text() -> None:
    fields = {"kind": "edit", "target_id": TARGET, "v": 1, "id": ID, "sent_at": 1}
    assert isinstance(decode_content(raw(fields | {"text": "x" * MAX_TEXT_LENGTH})), EditContent)
    with pytest.raises(ContentError):
        decode_content(raw(fields | {"text": "x" * (MAX_TEXT_LENGTH + 1)}))
    with pytest.raises(ContentError):
        decode_content(raw(fields | {"target_id": "x", "text": "ok"}))
