"""The profile blob (docs/protocol.md §13.2): a known answer, and every way a blob that is
not the account's, not the version's or not the key's fails to open."""

from __future__ import annotations

import hashlib

import pytest

from chat_desktop.crypto.errors import InvalidKey
from chat_desktop.crypto.profile_cipher import (
    ProfileBlobRejected,
    open_profile,
    profile_ad,
    seal_profile,
)
from chat_desktop.protocol.profiles import (
    ProfileRecord,
    ProfileRecordError,
    decode_record,
    encode_record,
)

pytestmark = [pytest.mark.unit]

KEY = b"\x01" * 32


def test_the_known_answer_of_docs_protocol_13() -> None:
    record = encode_record(ProfileRecord(name="Alice"))
    assert len(record) == 256
    assert record[:20].hex() == "82a46e616d65a5416c696365a6617661746172c0"
    assert record[20:] == b"\x80" + bytes(235)
    assert profile_ad("alice", 1).hex() == (
        "636861745f6465736b746f702070726f66696c6520763105616c6963650000000000000001"
    )
    blob = seal_profile(KEY, "alice", 1, record, nonce=b"\x02" * 12)
    assert len(blob) == 284
    assert blob[:28].hex() == "02020202020202020202020219544e729e974c4647c33b1cfe2e0603"
    assert hashlib.sha256(blob).hexdigest() == (
        "f9570abfd3fe99bf26f4147867baabe866104ea188606635beea559d2d61ad86"
    )
    assert decode_record(open_profile(KEY, "alice", 1, blob)) == ProfileRecord(name="Alice")


def test_a_blob_opens_only_with_its_key_account_and_version() -> None:
    blob = seal_profile(KEY, "alice", 3, encode_record(ProfileRecord(name="A")))
    for key, user, version in ((b"\x03" * 32, "alice", 3), (KEY, "mallory", 3), (KEY, "alice", 4)):
        with pytest.raises(ProfileBlobRejected):
            open_profile(key, user, version, blob)
    with pytest.raises(ProfileBlobRejected):
        open_profile(KEY, "alice", 3, blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(ProfileBlobRejected):
        open_profile(KEY, "alice", 3, blob[:27])
    with pytest.raises(InvalidKey):
        open_profile(KEY[:31], "alice", 3, blob)


@pytest.mark.parametrize(
    "record",
    [
        ProfileRecord(name="x" * 129),
        ProfileRecord(name="line\nbreak"),
        ProfileRecord(name="\u202eevil"),
        ProfileRecord(avatar=bytes(65_537)),
    ],
)
def test_a_record_out_of_its_bounds_is_refused(record: ProfileRecord) -> None:
    with pytest.raises(ProfileRecordError):
        decode_record(encode_record(record))


def test_bad_padding_is_refused() -> None:
    good = encode_record(ProfileRecord(name="ok"))
    marker = good.rindex(b"\x80")
    without_marker = good[:marker] + bytes(len(good) - marker)
    for bad in (good[:-1], without_marker, b"", bytes(256)):
        with pytest.raises(ProfileRecordError):
            decode_record(bad)
    assert decode_record(good).name == "ok"
