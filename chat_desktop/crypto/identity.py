"""Identity keys: one Ed25519 seed that both signs and does X25519 (docs/protocol.md §1).

The published identity key is an X25519 public key (Montgomery u). Signatures are plain
Ed25519 signatures made with the seed; they are verified the XEdDSA way (convert u to the
Edwards y with sign bit 0, then verify Ed25519). That works because the seed is chosen so
its Ed25519 public key has sign bit 0, and it lets us accept XEdDSA signatures made by
other implementations straight from their X25519 private key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Final

from cryptography.exceptions import InvalidSignature as _PycaInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import InvalidKey, InvalidSignature
from chat_desktop.crypto.primitives import (
    FIELD_PRIME,
    check_x25519_public_bytes,
    x25519_public_bytes,
)

SEED_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64
#: The type byte of ``Encode(PK)`` (docs/protocol.md §1).
DJB_KEY_TYPE: Final = 0x05

_SIGN_BIT: Final = 0x80  # bit 7 of byte 31 of an Ed25519 public key: the sign of x


def _clamp(scalar: bytes) -> bytes:
    """RFC 7748 clamping of a 32-byte scalar."""
    clamped = bytearray(scalar)
    clamped[0] &= 248
    clamped[31] &= 127
    clamped[31] |= 64
    return bytes(clamped)


def _edwards_sign_bit(seed: bytes) -> int:
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    return public[31] & _SIGN_BIT


class IdentityKeyPair:
    """A device's long-term identity key pair.

    Attributes:
        seed: The 32-byte Ed25519 seed. Secret: persist it only wrapped.
        public_key: The X25519 public key (Montgomery u, 32 bytes) that peers know us by.
    """

    __slots__ = ("_signing_key", "_x25519_key", "public_key", "seed")

    seed: bytes
    public_key: bytes

    def __init__(self, seed: bytes) -> None:
        """Builds the key pair from a seed; prefer :meth:`generate` or :meth:`from_seed`.

        Raises:
            InvalidKey: The seed is not 32 bytes or its Ed25519 public key has sign bit 1.
        """
        if len(seed) != SEED_SIZE:
            raise InvalidKey("an identity seed must be 32 bytes")
        if _edwards_sign_bit(seed):
            raise InvalidKey("identity seed yields an Ed25519 key with sign bit 1")
        self.seed = bytes(seed)
        self._signing_key = Ed25519PrivateKey.from_private_bytes(self.seed)
        self._x25519_key = X25519PrivateKey.from_private_bytes(
            _clamp(hashlib.sha512(self.seed).digest()[:32])
        )
        self.public_key = x25519_public_bytes(self._x25519_key)

    @classmethod
    def generate(cls) -> IdentityKeyPair:
        """Generates a new identity, resampling until the Ed25519 sign bit is 0 (~2 tries)."""
        while True:
            seed = os.urandom(SEED_SIZE)
            if not _edwards_sign_bit(seed):
                return cls(seed)

    @classmethod
    def from_seed(cls, seed: bytes) -> IdentityKeyPair:
        """Restores an identity from its persisted seed.

        Raises:
            InvalidKey: The seed is malformed or was not produced by :meth:`generate`.
        """
        return cls(seed)

    def sign(self, message: bytes) -> bytes:
        """Signs ``message`` with Ed25519 under the seed; returns 64 bytes."""
        return self._signing_key.sign(message)

    def x25519_private_key(self) -> X25519PrivateKey:
        """The X25519 identity private key, clamp(SHA-512(seed)[:32]), for X3DH/PQXDH."""
        return self._x25519_key

    def __repr__(self) -> str:
        return f"IdentityKeyPair(public_key={self.public_key.hex()})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdentityKeyPair):
            return NotImplemented
        return hmac.compare_digest(self.seed, other.seed)

    def __hash__(self) -> int:
        return hash(self.public_key)


def montgomery_to_edwards(identity_key: bytes) -> Ed25519PublicKey:
    """Converts an X25519 public key to the Ed25519 public key with sign bit 0 (XEdDSA).

    Raises:
        InvalidSignature: The key is malformed, non-canonical or of low order, so no
            signature can be valid under it.
    """
    try:
        u = check_x25519_public_bytes(identity_key)
    except InvalidKey:
        raise InvalidSignature("identity key is not a valid X25519 public key") from None
    # y = (u - 1) / (u + 1) mod p; u + 1 == 0 (u = p - 1) is a low-order point, rejected above.
    y = (u - 1) * pow(u + 1, FIELD_PRIME - 2, FIELD_PRIME) % FIELD_PRIME
    try:
        return Ed25519PublicKey.from_public_bytes(y.to_bytes(32, "little"))
    except ValueError:
        raise InvalidSignature("identity key has no Ed25519 counterpart") from None


def verify_signature(identity_key: bytes, message: bytes, signature: bytes) -> None:
    """XEdDSA verification (docs/protocol.md §1) of ``signature`` over ``message``.

    Args:
        identity_key: The signer's X25519 identity public key (32 bytes, Montgomery u).
        message: The signed bytes.
        signature: The 64-byte signature.

    Raises:
        InvalidSignature: The signature does not verify, is malformed, or the key is unusable.
    """
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature("a signature must be 64 bytes")
    public = montgomery_to_edwards(identity_key)
    try:
        public.verify(signature, message)
    except _PycaInvalidSignature:
        raise InvalidSignature("signature does not verify under the identity key") from None


def encode_public_key(public_key: bytes) -> bytes:
    """``Encode(PK) = 0x05 ‖ u`` (33 bytes), as signed and as used in AD and fingerprints.

    Raises:
        InvalidKey: The key is not 32 bytes.
    """
    if len(public_key) != 32:
        raise InvalidKey("an X25519 public key must be 32 bytes")
    return bytes((DJB_KEY_TYPE,)) + public_key
