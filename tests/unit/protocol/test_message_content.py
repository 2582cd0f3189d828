"""Bounded content: every peer-supplied value is checked, and only ``ContentError`` escapes."""

from __future__ import annotations

import contextlib
import re
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from chat_desktop.protocol.message_content import (
    MAX_ATTACHMENT_SIZE,
    MAX_IDS_PER_CONTENT,
    MAX_IMAGE_SIDE,
    MAX_TEXT_LENGTH,
    MAX_THUMBNAIL_SIZE,
    MAX_TIMER_SECONDS,
    AttachmentContent,
    Content,
    ContentError,
    TextContent,
    decode_content,
    encode_content,
    pad,
)
from chat_desktop.protocol.schemas import MAX_TIMESTAMP_MS
from chat_desktop.services.image_processing import prepare_image

pytestmark = pytest.mark.unit

MESSAGE_ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"
KINDS = (
    "text",
    "attachment",
    "receipt",
    "typing",
    "timer",
    "delete",
    "profile",
    "retry",
    "sent",
    "read",
    "verified",
    "contact",
)


def raw(fields: dict[str, Any]) -> bytes:
    """Pads a raw msgpack map the way a (possibly hostile) sender would."""
    return pad(msgspec.msgpack.encode(fields))


def valid(kind: str) -> dict[str, Any]:
    """A valid raw content of each kind."""
    base: dict[str, Any] = {"kind": kind, "v": 1, "id": MESSAGE_ID, "sent_at": 1_700_000_000_000}
    extra: dict[str, dict[str, Any]] = {
        "text": {"text": "hi"},
        "attachment": {
            "blob_id": "ab" * 16,
            "key": b"k" * 64,
            "digest": b"d" * 32,
            "size": 10,
            "mime_type": "image/jpeg",
            "file_name": "cat.jpg",
            "width": 4096,
            "height": 3072,
            "thumbnail": b"t" * 100,
        },
        "receipt": {"receipt": "read", "message_ids": [MESSAGE_ID]},
        "typing": {"typing": "started"},
        "timer": {"seconds": 3600},
        "delete": {"message_ids": [MESSAGE_ID]},
        "profile": {"display_name": "Alice"},
        "retry": {"message_ids": [MESSAGE_ID]},
        "sent": {
            "peer": "bob",
            "content": msgspec.msgpack.encode(
                {"kind": "text", "text": "hi", "v": 1, "id": MESSAGE_ID, "sent_at": 1}
            ),
        },
        "read": {"peer": "bob", "message_ids": [MESSAGE_ID]},
        "verified": {"peer": "bob", "identity_key": b"i" * 32, "verified": True},
        "contact": {"peer": "bob", "identity_key": b"i" * 32},
    }
    return base | extra[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_decodes_when_valid(kind: str) -> None:
    content = decode_content(raw(valid(kind)))
    assert decode_content(encode_content(content)) == content


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("timer", "seconds", -1),
        ("timer", "seconds", 2**62),
        ("timer", "seconds", MAX_TIMER_SECONDS + 1),
        ("text", "expire_timer", -5),
        ("text", "expire_timer", 2**62),
        ("text", "sent_at", 2**63),
        ("text", "sent_at", -1),
        ("text", "sent_at", MAX_TIMESTAMP_MS + 1),
        ("text", "v", 2**64 - 1),
        ("text", "text", "x" * (MAX_TEXT_LENGTH + 1)),
        ("text", "id", MESSAGE_ID + "\n"),
        ("text", "id", "not-a-uuid"),
        ("attachment", "size", 2**63),
        ("attachment", "size", -1),
        ("attachment", "size", MAX_ATTACHMENT_SIZE + 1),
        ("attachment", "width", 2**63),
        ("attachment", "width", 0),
        ("attachment", "height", MAX_IMAGE_SIDE + 1),
        ("attachment", "thumbnail", b"t" * (MAX_THUMBNAIL_SIZE + 1)),
        ("attachment", "key", b"k" * 63),
        ("attachment", "digest", b"d" * 33),
        ("attachment", "blob_id", "../../etc/passwd"),
        ("attachment", "blob_id", "ab" * 16 + "\n"),
        ("attachment", "file_name", "a/b"),
        ("attachment", "file_name", "x" * 256),
        ("attachment", "mime_type", "image/\njpeg"),
        ("attachment", "caption", "c" * (MAX_TEXT_LENGTH + 1)),
        ("receipt", "message_ids", [MESSAGE_ID] * (MAX_IDS_PER_CONTENT + 1)),
        ("receipt", "message_ids", ["x"]),
        ("receipt", "receipt", "secret words"),
        ("delete", "message_ids", [MESSAGE_ID] * (MAX_IDS_PER_CONTENT + 1)),
        ("profile", "display_name", "n" * 129),
        ("typing", "typing", 1),
        ("retry", "message_ids", [MESSAGE_ID] * (MAX_IDS_PER_CONTENT + 1)),
        ("sent", "peer", "Not A Username"),
        ("sent", "content", b"c" * 70_001),
        ("read", "message_ids", [MESSAGE_ID] * (MAX_IDS_PER_CONTENT + 1)),
        ("read", "peer", "x"),
        ("verified", "identity_key", b"i" * 31),
        ("verified", "verified", "yes"),
        ("contact", "identity_key", b"i" * 33),
        ("contact", "peer", "bob\n"),
    ],
)
def test_out_of_bound_values_are_content_errors(kind: str, field: str, value: Any) -> None:
    with pytest.raises(ContentError) as error:
        decode_content(raw(valid(kind) | {field: value}))
    assert "secret" not in str(error.value)


def test_error_messages_never_quote_peer_values() -> None:
    with pytest.raises(ContentError) as error:
        decode_content(raw(valid("text") | {"kind": "my secret plan"}))
    assert "secret" not in str(error.value)
    assert "kind" in str(error.value)


def test_a_real_thumbnail_fits_the_bound(tmp_path: Path) -> None:
    """What the sender's image pipeline makes is accepted by every receiver."""
    path = tmp_path / "photo.png"
    noise = Image.effect_noise((5000, 3000), 120).convert("RGB")
    noise.save(path)
    prepared = prepare_image(path)
    content = AttachmentContent(
        id=str(uuid.uuid4()),
        sent_at=1_700_000_000_000,
        blob_id="",
        key=b"k" * 64,
        digest=b"d" * 32,
        size=len(prepared.data),
        mime_type=prepared.mime_type,
        file_name=path.name,
        width=prepared.width,
        height=prepared.height,
        thumbnail=prepared.thumbnail_jpeg,
    )
    assert decode_content(encode_content(content)) == content


_INTEGERS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.sampled_from([0, 1, -1, 2**31, 2**53, 2**62, 2**63 - 1, 2**64 - 1, -(2**63)]),
)
_SCALARS = st.one_of(
    _INTEGERS,
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=80),
    st.sampled_from([MESSAGE_ID, "ab" * 16, "read", "started", ""]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = [
    "v",
    "id",
    "sent_at",
    "expire_timer",
    "text",
    "blob_id",
    "key",
    "digest",
    "size",
    "mime_type",
    "file_name",
    "caption",
    "width",
    "height",
    "thumbnail",
    "receipt",
    "message_ids",
    "typing",
    "seconds",
    "display_name",
]


@st.composite
def hostile_contents(draw: st.DrawFn) -> dict[Any, Any]:
    """A valid content of some kind with a few fields replaced by anything at all."""
    fields: dict[Any, Any] = valid(draw(st.sampled_from(KINDS)))
    for _ in range(draw(st.integers(0, 4))):
        fields[draw(st.sampled_from([*_FIELDS, "kind"]))] = draw(_VALUES)
    if draw(st.booleans()):
        fields.pop(draw(st.sampled_from(sorted(fields))), None)
    return fields


def _assert_within_bounds(content: Content) -> None:
    assert re.fullmatch(r"[0-9a-f-]{36}", content.id)
    assert 0 <= content.sent_at <= MAX_TIMESTAMP_MS
    assert 0 <= content.expire_timer <= MAX_TIMER_SECONDS
    if isinstance(content, TextContent):
        assert len(content.text) <= MAX_TEXT_LENGTH
    if isinstance(content, AttachmentContent):
        assert 0 <= content.size <= MAX_ATTACHMENT_SIZE
        for side in (content.width, content.height):
            assert side is None or 1 <= side <= MAX_IMAGE_SIDE
        assert content.thumbnail is None or len(content.thumbnail) <= MAX_THUMBNAIL_SIZE


@settings(max_examples=400, deadline=None)
@given(hostile_contents())
def test_hostile_contents_decode_within_bounds_or_raise_content_error(fields: dict) -> None:
    try:
        content = decode_content(raw(fields))
    except ContentError:
        return
    _assert_within_bounds(content)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_VALUES, st.binary(max_size=400)))
def test_arbitrary_plaintexts_raise_only_content_error(value: Any) -> None:
    data = pad(value) if isinstance(value, bytes) else raw(value)
    with contextlib.suppress(ContentError):
        _assert_within_bounds(decode_content(data))


def test_a_transcript_holds_a_bounded_content_and_never_another_sync_content() -> None:
    from chat_desktop.protocol.message_content import (
        ReadSyncContent,
        SentTranscriptContent,
        decode_transcript,
        transcript_of,
    )

    inner = TextContent(id=MESSAGE_ID, sent_at=1, text="hi")
    assert decode_transcript(transcript_of(inner)) == inner
    nested = SentTranscriptContent(id=MESSAGE_ID, sent_at=1, peer="bob", content=b"")
    read = ReadSyncContent(id=MESSAGE_ID, sent_at=1, peer="bob", message_ids=[])
    for sync in (nested, read):
        with pytest.raises(ContentError):
            decode_transcript(transcript_of(sync))
    with pytest.raises(ContentError):
        decode_transcript(msgspec.msgpack.encode({"kind": "text", "text": 5}))
