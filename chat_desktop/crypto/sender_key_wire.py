"""The bytes of group messages: sender-key messages and distributions (docs/protocol.md §11).

A **sender-key message** is one group message, encrypted once for every member device::

    version u8 (0x01) ‖ key_id u32be ‖ iteration u32be ‖ ct (16k bytes, k ≥ 1) ‖ tag (32)
        ‖ signature (64)

``signature`` is the sender's Ed25519 signature over everything before it. A **sender-key
distribution** hands a sender key to one member device, inside a pairwise E2EE session::

    version u8 (0x01) ‖ key_id u32be ‖ iteration u32be ‖ chain_key (32)
        ‖ signing_public_key (32)                                  (73 bytes)

This module only parses and builds those bytes and checks every number and length a peer
sends; encrypting, decrypting and the sender-key state are :mod:`.sender_keys`' job.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chat_desktop.crypto.errors import InvalidKey, InvalidMessage
from chat_desktop.crypto.primitives import AES_BLOCK_SIZE, FIELD_PRIME
from chat_desktop.protocol.schemas import MAX_BODY_SIZE

SENDER_KEY_MESSAGE_VERSION: Final = 0x01
SENDER_KEY_DISTRIBUTION_VERSION: Final = 0x01

CHAIN_KEY_SIZE: Final = 32
SIGNING_KEY_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64
TAG_SIZE: Final = 32
#: The highest iteration a message may carry and a distribution may start at. A sender key
#: whose next iteration would be 0xFFFFFFFF is used up (like a ratchet's sending chain, §3).
MAX_ITERATION: Final = 0xFFFFFFFE

#: ``version ‖ key_id ‖ iteration``: the sender-key message header.
_HEADER: Final = struct.Struct(">BII")
HEADER_SIZE: Final = _HEADER.size
#: Smallest sender-key message: header, one AES block, tag, signature.
MIN_MESSAGE_SIZE: Final = HEADER_SIZE + AES_BLOCK_SIZE + TAG_SIZE + SIGNATURE_SIZE
#: A sender-key message travels as one relay body (§6.6), so it is never larger than one.
MAX_MESSAGE_SIZE: Final = MAX_BODY_SIZE

DISTRIBUTION_SIZE: Final = HEADER_SIZE + CHAIN_KEY_SIZE + SIGNING_KEY_SIZE

_ED25519_Y_MASK: Final = (1 << 255) - 1
#: The y-coordinate of two of the four Ed25519 points of order 8 (the other two: ``p − y``).
_ORDER_8_Y: Final = 55188659117513257062467267217118295137698188065244968500265048394206261417927
#: The y-coordinates of the eight Ed25519 points of small order (1, 2, 4 and 8): under such a
#: public key anyone can forge signatures, so a peer offering one is refused.
_SMALL_ORDER_Y: Final = frozenset({0, 1, FIELD_PRIME - 1, _ORDER_8_Y, FIELD_PRIME - _ORDER_8_Y})


def load_signing_public_key(public_key: bytes) -> Ed25519PublicKey:
    """Loads a peer's Ed25519 signing public key after refusing unusable encodings.

    Refused: a key that is not 32 bytes, a y-coordinate that is not reduced modulo p
    (a non-canonical encoding), and the small-order points (whatever the sign bit).

    Raises:
        InvalidKey: The key is malformed, non-canonical or of small order.
    """
    if len(public_key) != SIGNING_KEY_SIZE:
        raise InvalidKey("an Ed25519 public key must be 32 bytes")
    y = int.from_bytes(public_key, "little") & _ED25519_Y_MASK
    if y >= FIELD_PRIME:
        raise InvalidKey("Ed25519 public key is not canonically encoded")
    if y in _SMALL_ORDER_Y:
        raise InvalidKey("Ed25519 public key has small order")
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise InvalidKey("Ed25519 public key is malformed") from None


@dataclass(frozen=True)
class SenderKeyDistribution:
    """A sender key as handed to one member device (inside a pairwise E2EE session).

    Holding it lets a device decrypt the sender's group messages from ``iteration`` on, not
    before. It is secret: it travels only encrypted.

    Attributes:
        key_id: Which sender key of the sender this is (a random u32).
        iteration: The iteration ``chain_key`` belongs to, at most :data:`MAX_ITERATION`.
        chain_key: The chain key at that iteration (32 bytes).
        signing_public_key: The sender key's Ed25519 public key (32 bytes).
    """

    key_id: int
    iteration: int
    chain_key: bytes
    signing_public_key: bytes

    def __post_init__(self) -> None:
        """Checks every field, so no distribution with an out-of-bounds value exists.

        Raises:
            InvalidMessage: A number is out of bounds or a key has the wrong length or is
                unusable.
        """
        if not 0 <= self.key_id <= 0xFFFFFFFF:
            raise InvalidMessage("sender key id is not a u32")
        if not 0 <= self.iteration <= MAX_ITERATION:
            raise InvalidMessage("sender key distribution iteration is out of bounds")
        if len(self.chain_key) != CHAIN_KEY_SIZE:
            raise InvalidMessage("sender key chain key must be 32 bytes")
        try:
            load_signing_public_key(self.signing_public_key)
        except InvalidKey:
            raise InvalidMessage("sender key distribution has an unusable signing key") from None

    def to_bytes(self) -> bytes:
        """The 73 distribution bytes (secret: send them only inside an E2EE session)."""
        header = _HEADER.pack(SENDER_KEY_DISTRIBUTION_VERSION, self.key_id, self.iteration)
        return header + self.chain_key + self.signing_public_key

    @classmethod
    def from_bytes(cls, data: bytes) -> SenderKeyDistribution:
        """Parses distribution bytes from a peer.

        Raises:
            InvalidMessage: Wrong length or version, an out-of-bounds iteration, or an
                unusable signing key.
        """
        if len(data) != DISTRIBUTION_SIZE:
            raise InvalidMessage("sender key distribution has the wrong length")
        version, key_id, iteration = _HEADER.unpack_from(data)
        if version != SENDER_KEY_DISTRIBUTION_VERSION:
            raise InvalidMessage("unsupported sender key distribution version")
        chain_key_end = HEADER_SIZE + CHAIN_KEY_SIZE
        return cls(
            key_id=key_id,
            iteration=iteration,
            chain_key=bytes(data[HEADER_SIZE:chain_key_end]),
            signing_public_key=bytes(data[chain_key_end:]),
        )


@dataclass(frozen=True)
class SenderKeyMessage:
    """The parsed fields of a sender-key message; the bytes are not yet authenticated.

    Attributes:
        key_id: Which of the sender's sender keys encrypted it.
        iteration: The chain iteration of its message key.
        header: ``version ‖ key_id ‖ iteration`` (9 bytes), covered by the tag.
        ciphertext: The AES-256-CBC ciphertext (a non-zero multiple of 16 bytes).
        tag: The HMAC-SHA256 tag over ``header ‖ ciphertext``.
        signed_part: Everything before the signature.
        signature: The Ed25519 signature over ``signed_part``.
    """

    key_id: int
    iteration: int
    header: bytes
    ciphertext: bytes
    tag: bytes
    signed_part: bytes
    signature: bytes


def sender_key_message_header(key_id: int, iteration: int) -> bytes:
    """``version ‖ key_id u32be ‖ iteration u32be``, the first 9 bytes of a message."""
    return _HEADER.pack(SENDER_KEY_MESSAGE_VERSION, key_id, iteration)


def parse_sender_key_message(data: bytes) -> SenderKeyMessage:
    """Splits a sender-key message into its fields, checking lengths and numbers only.

    Raises:
        InvalidMessage: The message is too short or too long, its ciphertext is not a
            whole number of AES blocks, its version is unknown, or its iteration is above
            :data:`MAX_ITERATION`.
    """
    length = len(data)
    if not MIN_MESSAGE_SIZE <= length <= MAX_MESSAGE_SIZE:
        raise InvalidMessage("sender key message has an invalid length")
    if (length - MIN_MESSAGE_SIZE) % AES_BLOCK_SIZE:
        raise InvalidMessage("sender key message ciphertext is not whole AES blocks")
    version, key_id, iteration = _HEADER.unpack_from(data)
    if version != SENDER_KEY_MESSAGE_VERSION:
        raise InvalidMessage("unsupported sender key message version")
    if iteration > MAX_ITERATION:
        raise InvalidMessage("sender key message iteration is out of bounds")
    signature_start = length - SIGNATURE_SIZE
    tag_start = signature_start - TAG_SIZE
    return SenderKeyMessage(
        key_id=key_id,
        iteration=iteration,
        header=bytes(data[:HEADER_SIZE]),
        ciphertext=bytes(data[HEADER_SIZE:tag_start]),
        tag=bytes(data[tag_start:signature_start]),
        signed_part=bytes(data[:signature_start]),
        signature=bytes(data[signature_start:]),
    )
