"""Profiles on the wire: the sealed profile record and its relay events (docs/protocol.md §13).

An account's profile (a display name and an optional avatar) is a small msgpack record,
sealed with the account's 32-byte profile key (:mod:`chat_desktop.crypto.profile_cipher`) and
kept by the relay as one opaque blob per account with a version. The relay never sees the
key: it travels only inside ``profile`` contents over the pairwise sessions (§4), so only the
account's contacts (and its own devices) can open the blob. The username stays the address;
the name is only what contacts see.

Every value is bounded here, so a hostile record is refused by :func:`decode_record` with
:class:`ProfileRecordError` before anything is stored.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

from chat_desktop.protocol.schemas import MAX_BODY_SIZE, Username, WireStruct

#: A profile key: 32 random bytes made once per account (docs/protocol.md §13.1).
PROFILE_KEY_SIZE: Final = 32
#: Highest profile version: 2**53, so it is exact wherever a number is a double.
MAX_PROFILE_VERSION: Final = 2**53
#: Longest profile name, in characters (code points); the same bound as ``display_name``.
MAX_PROFILE_NAME_LENGTH: Final = 128
#: Largest avatar image inside a record (a JPEG or PNG of at most 512 × 512 pixels).
MAX_AVATAR_BYTES: Final = 65_536
#: Longest avatar side in pixels.
MAX_AVATAR_SIDE: Final = 512
#: The record is padded (``0x80 0x00…``) to a multiple of this, hiding a name's length.
RECORD_PADDING_BLOCK: Final = 256
#: Largest sealed blob the relay stores: nonce (12) ‖ the largest padded record ‖ tag (16),
#: rounded up to 72 KiB.
MAX_PROFILE_BLOB_SIZE: Final = 73_728
#: Smallest sealed blob: nonce (12) ‖ one padding block ‖ tag (16).
MIN_PROFILE_BLOB_SIZE: Final = 12 + RECORD_PADDING_BLOCK + 16

#: What a profile name may not hold: the one-line name rule of a group title (§4): C0 and C1
#: controls, DEL, the line and paragraph separators and every bidirectional control.
_NAME_PATTERN: Final = r"\A[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]*\Z"

ProfileName = Annotated[
    str, msgspec.Meta(max_length=MAX_PROFILE_NAME_LENGTH, pattern=_NAME_PATTERN)
]
ProfileVersion = Annotated[int, msgspec.Meta(ge=1, le=MAX_PROFILE_VERSION)]
ProfileBlob = Annotated[
    bytes, msgspec.Meta(min_length=MIN_PROFILE_BLOB_SIZE, max_length=MAX_PROFILE_BLOB_SIZE)
]


class ProfileRecordError(ValueError):
    """A profile record is malformed or outside its bounds (never names the values)."""


class ProfileRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The plaintext of a profile blob: ``{name, avatar}`` in that order.

    ``name`` is "" when the account set none; ``avatar`` is the image's bytes (JPEG or PNG,
    at most :data:`MAX_AVATAR_SIDE` pixels a side, metadata stripped by the sender) or nil.
    Decoders ignore unknown keys (forward compatibility).
    """

    name: ProfileName = ""
    avatar: Annotated[bytes, msgspec.Meta(max_length=MAX_AVATAR_BYTES)] | None = None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(ProfileRecord)


def encode_record(record: ProfileRecord) -> bytes:
    """The padded msgpack of ``record``: ``msgpack ‖ 0x80 ‖ 0x00…`` to a multiple of 256."""
    data = _encoder.encode(record)
    padded_length = (len(data) // RECORD_PADDING_BLOCK + 1) * RECORD_PADDING_BLOCK
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def decode_record(data: bytes) -> ProfileRecord:
    """Unpads and parses a record.

    Raises:
        ProfileRecordError: Bad padding, not msgpack, or a value outside its bound.
    """
    if not data or len(data) % RECORD_PADDING_BLOCK:
        raise ProfileRecordError("profile record padding has the wrong length")
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ProfileRecordError("profile record padding is malformed")
    try:
        return _decoder.decode(stripped[:-1])
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ProfileRecordError("profile record does not fit its schema") from None


# ---- relay events (docs/protocol.md §13.3) -------------------------------------------------


class ProfilePut(WireStruct, frozen=True):
    """``profile:put``: stores the sending account's sealed profile as ``version``; ``{}``.

    The schema takes a blob up to a body's bound (256 KiB) so the relay can answer a blob
    past :data:`MAX_PROFILE_BLOB_SIZE` with ``too_large`` rather than ``bad_request``.
    """

    version: ProfileVersion
    blob: Annotated[bytes, msgspec.Meta(min_length=MIN_PROFILE_BLOB_SIZE, max_length=MAX_BODY_SIZE)]


class ProfileGet(WireStruct, frozen=True):
    """``profile:get``: the newest sealed profile ``user`` stored."""

    user: Username


class ProfileGetAck(WireStruct, frozen=True):
    """Ack of ``profile:get``: the stored version and its blob."""

    version: ProfileVersion
    blob: ProfileBlob
