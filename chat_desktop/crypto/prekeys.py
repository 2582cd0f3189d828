"""Prekeys a device publishes so others can start sessions with it offline (docs/protocol.md §1).

Three kinds: the signed prekey (X25519, rotated weekly), one-time prekeys (X25519, used
once) and PQ prekeys (ML-KEM-1024, one-time or a signed last-resort key). Each private half
serializes to a small versioned blob (``to_bytes``/``from_bytes``) that the store keeps
wrapped; choosing key ids and persisting the id counter is the caller's job.
"""

from __future__ import annotations

import time
from typing import Final, TypeVar

import msgspec
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM1024PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import InvalidKey, InvalidState
from chat_desktop.crypto.identity import IdentityKeyPair, encode_public_key, verify_signature
from chat_desktop.crypto.primitives import (
    MLKEM1024_PUBLIC_KEY_SIZE,
    load_x25519_private,
    mlkem1024_from_seed,
    x25519_public_bytes,
)

#: The type byte of ``EncodeKEM(PK)`` (docs/protocol.md §1).
KEM_KEY_TYPE: Final = 0x0A
#: ``opk_id`` on the wire when a PreKey message used no one-time prekey; never a real id.
NO_PREKEY_ID: Final = 0xFFFFFFFF

_VERSION: Final = 1
_ENCODER: Final = msgspec.msgpack.Encoder()


def check_key_id(key_id: int) -> int:
    """Checks that ``key_id`` fits a u32 and is not the reserved ``NO_PREKEY_ID``.

    Raises:
        InvalidKey: The id is out of range.
    """
    if not 0 <= key_id < NO_PREKEY_ID:
        raise InvalidKey("prekey id must be a u32 below 0xFFFFFFFF")
    return key_id


def encode_kem_public_key(public_key: bytes) -> bytes:
    """``EncodeKEM(PK) = 0x0A ‖ pk`` (1569 bytes), the signed form of a PQ prekey.

    Raises:
        InvalidKey: The key is not 1568 bytes.
    """
    if len(public_key) != MLKEM1024_PUBLIC_KEY_SIZE:
        raise InvalidKey("an ML-KEM-1024 public key must be 1568 bytes")
    return bytes((KEM_KEY_TYPE,)) + public_key


def verify_signed_prekey(identity_key: bytes, public_key: bytes, signature: bytes) -> None:
    """Verifies ``Sig(IK, Encode(SPK))``.

    Raises:
        InvalidSignature: The signature (or the identity key) is bad.
        InvalidKey: The prekey is not 32 bytes.
    """
    verify_signature(identity_key, encode_public_key(public_key), signature)


def verify_pq_prekey(identity_key: bytes, public_key: bytes, signature: bytes) -> None:
    """Verifies ``Sig(IK, EncodeKEM(PQPK))``.

    Raises:
        InvalidSignature: The signature (or the identity key) is bad.
        InvalidKey: The prekey has the wrong size.
    """
    verify_signature(identity_key, encode_kem_public_key(public_key), signature)


def _now() -> int:
    return int(time.time())


class _SignedPreKeyRecord(msgspec.Struct, array_like=True, frozen=True):
    version: int
    key_id: int
    private_key: bytes
    signature: bytes
    created_at: int


class _OneTimePreKeyRecord(msgspec.Struct, array_like=True, frozen=True):
    version: int
    key_id: int
    private_key: bytes


class _PqPreKeyRecord(msgspec.Struct, array_like=True, frozen=True):
    version: int
    key_id: int
    seed: bytes
    signature: bytes
    last_resort: bool
    created_at: int


_RecordT = TypeVar("_RecordT", _SignedPreKeyRecord, _OneTimePreKeyRecord, _PqPreKeyRecord)


def _decode(data: bytes, record_type: type[_RecordT], what: str) -> _RecordT:
    try:
        record = msgspec.msgpack.decode(data, type=record_type)
    except msgspec.DecodeError:
        raise InvalidState(f"{what} state is malformed") from None
    if record.version != _VERSION:
        raise InvalidState(f"unsupported {what} state version")
    return record


class SignedPreKey:
    """An X25519 signed prekey with ``Sig(IK, Encode(SPK))``.

    Attributes:
        key_id: The u32 id peers name it by.
        private_key: The X25519 private key (secret).
        public_key: The 32-byte public key.
        signature: The 64-byte signature by the identity key.
        created_at: Unix seconds when it was made, for the 7-day rotation and 30-day retention.
    """

    __slots__ = ("created_at", "key_id", "private_key", "public_key", "signature")

    def __init__(
        self, key_id: int, private_key: X25519PrivateKey, signature: bytes, created_at: int
    ) -> None:
        """Wraps existing key material; use :meth:`generate` to make a new prekey."""
        self.key_id = check_key_id(key_id)
        self.private_key = private_key
        self.public_key = x25519_public_bytes(private_key)
        self.signature = signature
        self.created_at = created_at

    @classmethod
    def generate(
        cls, identity: IdentityKeyPair, key_id: int, now: int | None = None
    ) -> SignedPreKey:
        """Makes a new signed prekey signed by ``identity``."""
        private_key = X25519PrivateKey.generate()
        signature = identity.sign(encode_public_key(x25519_public_bytes(private_key)))
        return cls(key_id, private_key, signature, _now() if now is None else now)

    def to_bytes(self) -> bytes:
        """Versioned serialization of the secret state (persist it only wrapped)."""
        return _ENCODER.encode(
            _SignedPreKeyRecord(
                _VERSION,
                self.key_id,
                self.private_key.private_bytes_raw(),
                self.signature,
                self.created_at,
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedPreKey:
        """Restores a prekey from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        record = _decode(data, _SignedPreKeyRecord, "signed prekey")
        try:
            private_key = load_x25519_private(record.private_key)
            return cls(record.key_id, private_key, record.signature, record.created_at)
        except InvalidKey:
            raise InvalidState("signed prekey state holds an invalid key") from None

    def __repr__(self) -> str:
        return f"SignedPreKey(key_id={self.key_id}, public_key={self.public_key.hex()})"


class OneTimePreKey:
    """An X25519 one-time prekey (unsigned, used by at most one session).

    Attributes:
        key_id: The u32 id peers name it by.
        private_key: The X25519 private key (secret).
        public_key: The 32-byte public key.
    """

    __slots__ = ("key_id", "private_key", "public_key")

    def __init__(self, key_id: int, private_key: X25519PrivateKey) -> None:
        """Wraps existing key material; use :meth:`generate` to make a new prekey."""
        self.key_id = check_key_id(key_id)
        self.private_key = private_key
        self.public_key = x25519_public_bytes(private_key)

    @classmethod
    def generate(cls, key_id: int) -> OneTimePreKey:
        """Makes a new one-time prekey."""
        return cls(key_id, X25519PrivateKey.generate())

    @classmethod
    def generate_batch(cls, first_id: int, count: int) -> list[OneTimePreKey]:
        """Makes ``count`` prekeys with consecutive ids starting at ``first_id``."""
        return [cls.generate(first_id + offset) for offset in range(count)]

    def to_bytes(self) -> bytes:
        """Versioned serialization of the secret state (persist it only wrapped)."""
        return _ENCODER.encode(
            _OneTimePreKeyRecord(_VERSION, self.key_id, self.private_key.private_bytes_raw())
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> OneTimePreKey:
        """Restores a prekey from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        record = _decode(data, _OneTimePreKeyRecord, "one-time prekey")
        try:
            return cls(record.key_id, load_x25519_private(record.private_key))
        except InvalidKey:
            raise InvalidState("one-time prekey state holds an invalid key") from None

    def __repr__(self) -> str:
        return f"OneTimePreKey(key_id={self.key_id}, public_key={self.public_key.hex()})"


class PqPreKey:
    """An ML-KEM-1024 prekey with ``Sig(IK, EncodeKEM(PQPK))``.

    Attributes:
        key_id: The u32 id peers name it by.
        private_key: The ML-KEM-1024 private key (secret).
        public_key: The 1568-byte public key.
        signature: The 64-byte signature by the identity key.
        last_resort: True for the one key the relay hands out when one-time keys ran out;
            it is never deleted after use.
        created_at: Unix seconds when it was made.
    """

    __slots__ = ("created_at", "key_id", "last_resort", "private_key", "public_key", "signature")

    def __init__(
        self,
        key_id: int,
        private_key: MLKEM1024PrivateKey,
        signature: bytes,
        *,
        last_resort: bool,
        created_at: int,
    ) -> None:
        """Wraps existing key material; use :meth:`generate` to make a new prekey."""
        self.key_id = check_key_id(key_id)
        self.private_key = private_key
        self.public_key = private_key.public_key().public_bytes_raw()
        self.signature = signature
        self.last_resort = last_resort
        self.created_at = created_at

    @classmethod
    def generate(
        cls,
        identity: IdentityKeyPair,
        key_id: int,
        *,
        last_resort: bool = False,
        now: int | None = None,
    ) -> PqPreKey:
        """Makes a new PQ prekey signed by ``identity``."""
        private_key = MLKEM1024PrivateKey.generate()
        public_key = private_key.public_key().public_bytes_raw()
        signature = identity.sign(encode_kem_public_key(public_key))
        return cls(
            key_id,
            private_key,
            signature,
            last_resort=last_resort,
            created_at=_now() if now is None else now,
        )

    @classmethod
    def generate_batch(
        cls, identity: IdentityKeyPair, first_id: int, count: int, now: int | None = None
    ) -> list[PqPreKey]:
        """Makes ``count`` one-time PQ prekeys with consecutive ids from ``first_id``."""
        return [cls.generate(identity, first_id + offset, now=now) for offset in range(count)]

    def to_bytes(self) -> bytes:
        """Versioned serialization of the secret state (persist it only wrapped)."""
        return _ENCODER.encode(
            _PqPreKeyRecord(
                _VERSION,
                self.key_id,
                self.private_key.private_bytes_raw(),
                self.signature,
                self.last_resort,
                self.created_at,
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PqPreKey:
        """Restores a prekey from :meth:`to_bytes`.

        Raises:
            InvalidState: The data is malformed or of an unknown version.
        """
        record = _decode(data, _PqPreKeyRecord, "PQ prekey")
        try:
            private_key = mlkem1024_from_seed(record.seed)
            return cls(
                record.key_id,
                private_key,
                record.signature,
                last_resort=record.last_resort,
                created_at=record.created_at,
            )
        except InvalidKey:
            raise InvalidState("PQ prekey state holds an invalid key") from None

    def __repr__(self) -> str:
        return f"PqPreKey(key_id={self.key_id}, last_resort={self.last_resort})"
