"""The file-name bound: no character that hides or reorders what a name shows (issue 18 §3).

A name like ``invoice_2024_\\u202efdp.exe`` is drawn ``invoice_2024_exe.pdf``: the decoder
refuses every bidirectional control, line separator and C0/C1 control in ``file_name`` with
:class:`ContentError`, and :func:`strip_file_name_controls` removes them from our own names
before sending.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat_desktop.protocol.message_content import (
    FILE_NAME_FORBIDDEN_CHARACTERS,
    AttachmentContent,
    ContentError,
    decode_content,
    encode_content,
    pad,
    strip_file_name_controls,
)

pytestmark = pytest.mark.unit

MESSAGE_ID = "0190f5a4-7c3e-7b2a-9f00-0123456789ab"

#: Every refused code point, by class (docs/protocol.md §4).
C0 = [chr(c) for c in range(0x00, 0x20)]
DEL_AND_C1 = [chr(c) for c in range(0x7F, 0xA0)]
BIDI = [
    "\u061c",
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
]
LINE_SEPARATORS = ["\u2028", "\u2029"]
REFUSED = [*C0, *DEL_AND_C1, *BIDI, *LINE_SEPARATORS]


def attachment(file_name: str) -> bytes:
    """A padded attachment content, as a (possibly hostile) sender builds it."""
    fields: dict[str, Any] = {
        "kind": "attachment",
        "v": 1,
        "id": MESSAGE_ID,
        "sent_at": 1_700_000_000_000,
        "blob_id": "ab" * 16,
        "key": b"k" * 64,
        "digest": b"d" * 32,
        "size": 10,
        "mime_type": "application/pdf",
        "file_name": file_name,
    }
    return pad(msgspec.msgpack.encode(fields))


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_each_refused_character_is_a_content_error(char: str) -> None:
    with pytest.raises(ContentError) as error:
        decode_content(attachment(f"invoice_2024_{char}fdp.exe"))
    assert "file_name" in str(error.value)
    assert "invoice" not in str(error.value)  # the name itself is never quoted


def test_the_set_is_exactly_the_documented_one() -> None:
    assert frozenset(REFUSED) | {"/"} == FILE_NAME_FORBIDDEN_CHARACTERS


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        "تقرير.pdf",  # right-to-left letters are fine: only the invisible controls are refused
        "می\u200cخواهم.txt",  # ZWNJ is part of Persian spelling
        "👨\u200d👩\u200d👧.png",  # ZWJ joins an emoji sequence
        "日本語 ファイル.docx",
        "",
    ],
)
def test_ordinary_names_still_decode(name: str) -> None:
    content = decode_content(attachment(name))
    assert isinstance(content, AttachmentContent) and content.file_name == name


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40),
    st.sampled_from(REFUSED),
    st.text(max_size=40),
)
def test_any_name_holding_a_refused_character_is_refused(
    before: str, char: str, after: str
) -> None:
    with pytest.raises(ContentError):
        decode_content(attachment(before + char + after))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=255))
def test_a_stripped_name_always_passes_the_bound(name: str) -> None:
    stripped = strip_file_name_controls(name)
    assert not set(stripped) & FILE_NAME_FORBIDDEN_CHARACTERS
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in stripped):  # not encodable as UTF-8
        content = decode_content(attachment(stripped))
        assert isinstance(content, AttachmentContent)
        assert decode_content(encode_content(content)) == content


def test_stripping_keeps_the_real_extension() -> None:
    assert strip_file_name_controls("invoice_2024_\u202efdp.exe") == "invoice_2024_fdp.exe"
    assert strip_file_name_controls("a\u2066b\u2069\x00c.pdf") == "abc.pdf"
