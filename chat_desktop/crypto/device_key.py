"""Per-device keys and device names of linked devices (docs/protocol.md §6.11).

Every device of an account shares the identity key IK but has its own **device key DK**, a
plain Ed25519 key pair. IK certifies DK, and the relay accepts a device's connects only under
its DK, so unlinking a device (the relay deletes its DK) locks it out although it knows IK.

Device names are chosen per device and stored on the relay encrypted under a key derived from
the IK seed, so every device of the account can read them and the relay cannot.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Final

from cryptography.exceptions import InvalidSignature as _PycaInvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chat_desktop.crypto.errors import CryptoError, InvalidKey, InvalidMessage, InvalidSignature
from chat_desktop.crypto.identity import IdentityKeyPair, verify_signature
from chat_desktop.crypto.primitives import hkdf_sha256
from chat_desktop.protocol.auth import device_certificate_message
from chat_desktop.protocol.schemas import MAX_DEVICE_NAME_CIPHERTEXT

DEVICE_SEED_SIZE: Final = 32
DEVICE_PUBLIC_KEY_SIZE: Final = 32
DEVICE_SIGNATURE_SIZE: Final = 64
#: Longest device name, in characters (code points).
MAX_DEVICE_NAME_LENGTH: Final = 64

DEVICE_NAME_INFO: Final = b"ChatDesktop_DeviceName"
DEVICE_NAME_AAD: Final = b"chat_desktop device name v1"
DEVICE_NAME_NONCE_SIZE: Final = 12
_GCM_TAG_SIZE: Final = 16
_HKDF_ZERO_SALT: Final = bytes(32)
_IDENTITY_SEED_SIZE: Final = 32
_MAX_U64: Final = 2**64 - 1

#: Unicode categories a device name may not contain: controls, surrogates, line and
#: paragraph separators (they would break the one-line display of a name).
_FORBIDDEN_NAME_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: Bidi embedding, override and isolate controls: they can make a name display as another.
_FORBIDDEN_NAME_CHARACTERS: Final = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)


class InvalidDeviceName(CryptoError, ValueError):
    """A device name is empty, longer than 64 characters or holds control characters."""


class DeviceNameRejected(InvalidMessage):
    """An encrypted device name does not decrypt (tampered, wrong account) or is malformed."""


class DeviceKeyPair:
    """A device's own Ed25519 key pair DK, which signs its connects (protocol §6.11).

    Attributes:
        seed: The 32-byte Ed25519 seed. Secret: persist it only wrapped.
        public_key: The raw 32-byte Ed25519 public key (RFC 8032), what the relay stores.
    """

    __slots__ = ("_signing_key", "public_key", "seed")

    seed: bytes
    public_key: bytes

    def __init__(self, seed: bytes) -> None:
        """Builds the key pair from a seed; prefer :meth:`generate` or :meth:`from_seed`.

        Raises:
            InvalidKey: The seed is not 32 bytes.
        """
        if len(seed) != DEVICE_SEED_SIZE:
            raise InvalidKey("a device key seed must be 32 bytes")
        self.seed = bytes(seed)
        self._signing_key = Ed25519PrivateKey.from_private_bytes(self.seed)
        self.public_key = self._signing_key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> DeviceKeyPair:
        """Generates a fresh device key from 32 random bytes."""
        return cls(os.urandom(DEVICE_SEED_SIZE))

    @classmethod
    def from_seed(cls, seed: bytes) -> DeviceKeyPair:
        """Restores a device key from its persisted seed.

        Raises:
            InvalidKey: The seed is not 32 bytes.
        """
        return cls(seed)

    def sign(self, data: bytes) -> bytes:
        """Signs ``data`` with plain Ed25519 (RFC 8032); returns 64 bytes."""
        return self._signing_key.sign(data)

    def __repr__(self) -> str:
        return f"DeviceKeyPair(public_key={self.public_key.hex()})"


def verify_device_signature(public_key: bytes, data: bytes, signature: bytes) -> None:
    """Verifies a plain Ed25519 signature (RFC 8032, as OpenSSL does) made with a device key.

    Args:
        public_key: The raw 32-byte Ed25519 public key DK.
        data: The signed bytes.
        signature: The 64-byte signature.

    Raises:
        InvalidSignature: The signature does not verify, or the key or signature is malformed.
    """
    if len(public_key) != DEVICE_PUBLIC_KEY_SIZE:
        raise InvalidSignature("a device key must be 32 bytes")
    if len(signature) != DEVICE_SIGNATURE_SIZE:
        raise InvalidSignature("a signature must be 64 bytes")
    try:
        verifier = Ed25519PublicKey.from_public_bytes(public_key)
        verifier.verify(signature, data)
    except (_PycaInvalidSignature, ValueError):
        raise InvalidSignature("signature does not verify under the device key") from None


def make_device_certificate(identity: IdentityKeyPair, device_key: bytes, created_at: int) -> bytes:
    """Certifies ``device_key`` for the account: ``Sig(IK, "chat_desktop device v1" ‖ DK ‖ ts)``.

    Args:
        identity: The account's identity key pair IK.
        device_key: The raw 32-byte Ed25519 public key DK of the device.
        created_at: When the device key was made (ms); the relay wants it near its clock.

    Raises:
        InvalidKey: ``device_key`` is not 32 bytes.
        ValueError: ``created_at`` does not fit an unsigned 64-bit integer.
    """
    if len(device_key) != DEVICE_PUBLIC_KEY_SIZE:
        raise InvalidKey("a device key must be 32 bytes")
    if not 0 <= created_at <= _MAX_U64:
        raise ValueError("created_at must fit an unsigned 64-bit integer")
    return identity.sign(device_certificate_message(device_key, created_at))


def verify_device_certificate(
    identity_public_key: bytes, device_key: bytes, created_at: int, certificate: bytes
) -> None:
    """Checks that IK certified ``device_key`` made at ``created_at`` (XEdDSA, protocol §1.2).

    Args:
        identity_public_key: The account's X25519 identity public key.
        device_key: The raw 32-byte Ed25519 public key DK.
        created_at: The creation time (ms) the certificate names.
        certificate: The 64-byte signature.

    Raises:
        InvalidSignature: The certificate does not verify, or an input is malformed.
    """
    if len(device_key) != DEVICE_PUBLIC_KEY_SIZE:
        raise InvalidSignature("a device key must be 32 bytes")
    if not 0 <= created_at <= _MAX_U64:
        raise InvalidSignature("created_at does not fit an unsigned 64-bit integer")
    verify_signature(
        identity_public_key, device_certificate_message(device_key, created_at), certificate
    )


def validate_device_name(name: str) -> str:
    """Checks a device name's rules and returns it unchanged.

    A name has 1–64 characters, is not only whitespace, and holds no control, surrogate,
    line/paragraph separator or bidi embedding/override/isolate characters. It is used as
    given: callers strip user input before, so what is shown is what was stored.

    Raises:
        InvalidDeviceName: The name breaks one of those rules.
    """
    if not name.strip():
        raise InvalidDeviceName("a device name must not be empty")
    if len(name) > MAX_DEVICE_NAME_LENGTH:
        raise InvalidDeviceName("a device name has at most 64 characters")
    for character in name:
        if (
            unicodedata.category(character) in _FORBIDDEN_NAME_CATEGORIES
            or character in _FORBIDDEN_NAME_CHARACTERS
        ):
            raise InvalidDeviceName("a device name must not contain control characters")
    return name


def device_name_key(identity_seed: bytes) -> bytes:
    """``K_name = HKDF(IK seed, salt = 0×32, "ChatDesktop_DeviceName", 32)`` (protocol §6.11).

    Raises:
        InvalidKey: The seed is not 32 bytes.
    """
    if len(identity_seed) != _IDENTITY_SEED_SIZE:
        raise InvalidKey("an identity seed must be 32 bytes")
    return hkdf_sha256(identity_seed, _HKDF_ZERO_SALT, DEVICE_NAME_INFO, 32)


def encrypt_device_name(identity_seed: bytes, name: str, *, nonce: bytes | None = None) -> bytes:
    """Encrypts a device name: ``nonce (12) ‖ AES-256-GCM(K_name, nonce, UTF-8 name, aad)``.

    Args:
        identity_seed: The account's 32-byte IK seed.
        name: The device name (see :func:`validate_device_name`).
        nonce: 12 bytes for known-answer tests only; fresh random bytes when omitted.

    Raises:
        InvalidDeviceName: The name breaks the name rules.
        InvalidKey: The seed is not 32 bytes.
        ValueError: An injected nonce is not 12 bytes.
    """
    validate_device_name(name)
    key = device_name_key(identity_seed)
    if nonce is None:
        nonce = os.urandom(DEVICE_NAME_NONCE_SIZE)
    elif len(nonce) != DEVICE_NAME_NONCE_SIZE:
        raise ValueError("a device name nonce must be 12 bytes")
    return nonce + AESGCM(key).encrypt(nonce, name.encode("utf-8"), DEVICE_NAME_AAD)


def decrypt_device_name(identity_seed: bytes, blob: bytes) -> str:
    """Decrypts a device name made by :func:`encrypt_device_name` on any device of the account.

    Raises:
        DeviceNameRejected: The blob is too short or over 512 bytes, fails its tag (tampered,
            or made under another account's seed), or does not hold a valid name.
        InvalidKey: The seed is not 32 bytes.
    """
    key = device_name_key(identity_seed)
    if len(blob) > MAX_DEVICE_NAME_CIPHERTEXT:
        raise DeviceNameRejected("encrypted device name is over 512 bytes")
    if len(blob) < DEVICE_NAME_NONCE_SIZE + _GCM_TAG_SIZE:
        raise DeviceNameRejected("encrypted device name is too short")
    nonce, ciphertext = blob[:DEVICE_NAME_NONCE_SIZE], blob[DEVICE_NAME_NONCE_SIZE:]
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, DEVICE_NAME_AAD)
    except InvalidTag:
        raise DeviceNameRejected("encrypted device name does not authenticate") from None
    try:
        return validate_device_name(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, InvalidDeviceName):
        raise DeviceNameRejected("decrypted device name is malformed") from None
