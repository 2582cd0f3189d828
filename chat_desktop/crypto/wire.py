"""Framing of encrypted message bodies (docs/protocol.md §2 step 7).

A body is either a PreKey message
``0x01 ‖ IKa(32) ‖ EKa(32) ‖ spk_id ‖ opk_id ‖ pqpk_id ‖ CT(1568) ‖ ratchet message``
(ids u32be, ``opk_id = 0xFFFFFFFF`` for none), sent by a session's initiator until it has
decrypted a reply, or a normal message ``0x02 ‖ ratchet message``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from chat_desktop.crypto.errors import InvalidMessage
from chat_desktop.crypto.prekeys import NO_PREKEY_ID
from chat_desktop.crypto.primitives import MLKEM1024_CIPHERTEXT_SIZE
from chat_desktop.crypto.ratchet import MIN_MESSAGE_SIZE

PREKEY_MESSAGE_TYPE: Final = 0x01
NORMAL_MESSAGE_TYPE: Final = 0x02

_IDS: Final = struct.Struct(">III")
_IDS_OFFSET: Final = 1 + 32 + 32
_KEM_OFFSET: Final = _IDS_OFFSET + _IDS.size
#: Length of a PreKey message's prefix, everything before the ratchet message.
PREKEY_PREFIX_SIZE: Final = _KEM_OFFSET + MLKEM1024_CIPHERTEXT_SIZE


@dataclass(frozen=True)
class PreKeyMessage:
    """The parsed fields of a 0x01 body.

    Attributes:
        identity_key: The sender's identity key IKa.
        ephemeral_key: The sender's ephemeral key EKa (the session's base key).
        signed_prekey_id: Which of our signed prekeys it used.
        one_time_prekey_id: Which one-time prekey it used, or None.
        pq_prekey_id: Which PQ prekey it used.
        kem_ciphertext: The ML-KEM-1024 ciphertext.
        ratchet_message: The inner ``header ‖ ct ‖ tag``.
        prefix: The body up to the ratchet message (what binds a resent message to a session).
    """

    identity_key: bytes
    ephemeral_key: bytes
    signed_prekey_id: int
    one_time_prekey_id: int | None
    pq_prekey_id: int
    kem_ciphertext: bytes
    ratchet_message: bytes
    prefix: bytes


def message_type(body: bytes) -> int:
    """Returns a body's type, 1 (PreKey message) or 2 (normal message).

    Raises:
        InvalidMessage: The body is empty or has another type byte.
    """
    if not body or body[0] not in (PREKEY_MESSAGE_TYPE, NORMAL_MESSAGE_TYPE):
        raise InvalidMessage("unknown message type")
    return body[0]


def parse_prekey_message(body: bytes) -> PreKeyMessage:
    """Parses a 0x01 body.

    Raises:
        InvalidMessage: The body is not a well-formed PreKey message.
    """
    if message_type(body) != PREKEY_MESSAGE_TYPE:
        raise InvalidMessage("not a PreKey message")
    if len(body) < PREKEY_PREFIX_SIZE + MIN_MESSAGE_SIZE:
        raise InvalidMessage("PreKey message is too short")
    signed_prekey_id, one_time_prekey_id, pq_prekey_id = _IDS.unpack_from(body, _IDS_OFFSET)
    if NO_PREKEY_ID in (signed_prekey_id, pq_prekey_id):
        raise InvalidMessage("PreKey message names an invalid prekey id")
    return PreKeyMessage(
        identity_key=body[1:33],
        ephemeral_key=body[33:65],
        signed_prekey_id=signed_prekey_id,
        one_time_prekey_id=None if one_time_prekey_id == NO_PREKEY_ID else one_time_prekey_id,
        pq_prekey_id=pq_prekey_id,
        kem_ciphertext=body[_KEM_OFFSET:PREKEY_PREFIX_SIZE],
        ratchet_message=body[PREKEY_PREFIX_SIZE:],
        prefix=body[:PREKEY_PREFIX_SIZE],
    )


def build_prekey_prefix(
    *,
    identity_key: bytes,
    ephemeral_key: bytes,
    signed_prekey_id: int,
    one_time_prekey_id: int | None,
    pq_prekey_id: int,
    kem_ciphertext: bytes,
) -> bytes:
    """Builds everything of a 0x01 body before its ratchet message."""
    if len(identity_key) != 32 or len(ephemeral_key) != 32:
        raise InvalidMessage("PreKey message keys must be 32 bytes")
    if len(kem_ciphertext) != MLKEM1024_CIPHERTEXT_SIZE:
        raise InvalidMessage("PreKey message KEM ciphertext must be 1568 bytes")
    ids = _IDS.pack(
        signed_prekey_id,
        NO_PREKEY_ID if one_time_prekey_id is None else one_time_prekey_id,
        pq_prekey_id,
    )
    return bytes((PREKEY_MESSAGE_TYPE,)) + identity_key + ephemeral_key + ids + kem_ciphertext
