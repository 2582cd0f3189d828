"""Thin, checked wrappers over the pyca/cryptography primitives the protocol uses.

Everything here is stateless. The wrappers exist to apply the protocol's rules in one place
(docs/protocol.md §1: reject non-canonical and low-order X25519 public keys and all-zero DH outputs)
and to turn library exceptions into the typed errors of :mod:`chat_desktop.crypto.errors`.
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM1024PrivateKey, MLKEM1024PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.errors import InvalidKey, InvalidMessage

#: The field prime of Curve25519, 2^255 - 19.
FIELD_PRIME: Final = 2**255 - 19

X25519_KEY_SIZE: Final = 32
MLKEM1024_PUBLIC_KEY_SIZE: Final = 1568
MLKEM1024_CIPHERTEXT_SIZE: Final = 1568
MLKEM1024_SEED_SIZE: Final = 64
AES_BLOCK_SIZE: Final = 16

#: Canonical u-coordinates of the Curve25519 points of small order (orders 1, 2, 4 and 8).
#: Non-canonical encodings of them (u >= p) are rejected separately.
_LOW_ORDER_U: Final = frozenset(
    {
        0,
        1,
        FIELD_PRIME - 1,
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
    }
)

_SHA256: Final = hashes.SHA256()


def check_x25519_public_bytes(public_key: bytes) -> int:
    """Checks that raw X25519 public key bytes are a canonical key of large order.

    Args:
        public_key: The 32-byte little-endian Montgomery u-coordinate.

    Returns:
        The u-coordinate as an integer.

    Raises:
        InvalidKey: The key has the wrong length, sets bit 255, is not reduced modulo p,
            or is one of the low-order points.
    """
    if len(public_key) != X25519_KEY_SIZE:
        raise InvalidKey("an X25519 public key must be 32 bytes")
    u = int.from_bytes(public_key, "little")
    if u >= FIELD_PRIME:
        raise InvalidKey("X25519 public key is not canonically encoded")
    if u in _LOW_ORDER_U:
        raise InvalidKey("X25519 public key has low order")
    return u


def load_x25519_public(public_key: bytes) -> X25519PublicKey:
    """Loads raw X25519 public key bytes after :func:`check_x25519_public_bytes`.

    Raises:
        InvalidKey: The key is malformed, non-canonical or of low order.
    """
    check_x25519_public_bytes(public_key)
    return X25519PublicKey.from_public_bytes(public_key)


def load_x25519_private(private_key: bytes) -> X25519PrivateKey:
    """Loads a raw 32-byte X25519 private key (clamping happens inside X25519).

    Raises:
        InvalidKey: The key is not 32 bytes.
    """
    if len(private_key) != X25519_KEY_SIZE:
        raise InvalidKey("an X25519 private key must be 32 bytes")
    return X25519PrivateKey.from_private_bytes(private_key)


def x25519_public_bytes(private_key: X25519PrivateKey) -> bytes:
    """Returns the raw 32-byte public key of an X25519 private key."""
    return private_key.public_key().public_bytes_raw()


def x25519(private_key: X25519PrivateKey, public_key: X25519PublicKey) -> bytes:
    """Computes an X25519 shared secret, rejecting an all-zero result.

    The public key should come from :func:`load_x25519_public`, which already rejects the
    low-order points; the all-zero check here is the RFC 7748 §6.1 safety net.

    Raises:
        InvalidKey: The shared secret is all zero.
    """
    try:
        return private_key.exchange(public_key)
    except ValueError:
        # OpenSSL refuses an all-zero X25519 output.
        raise InvalidKey("X25519 produced an all-zero shared secret") from None


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869) of ``ikm`` with ``salt`` and ``info`` to ``length`` bytes."""
    return HKDF(algorithm=_SHA256, length=length, salt=salt, info=info).derive(ikm)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of ``data`` under ``key`` (32-byte tag)."""
    mac = hmac.HMAC(key, _SHA256)
    mac.update(data)
    return mac.finalize()


def pkcs7_pad(data: bytes) -> bytes:
    """Pads ``data`` to a multiple of the AES block size with PKCS#7 (always adds 1–16 bytes)."""
    pad_length = AES_BLOCK_SIZE - len(data) % AES_BLOCK_SIZE
    return data + bytes((pad_length,)) * pad_length


def pkcs7_unpad(data: bytes) -> bytes:
    """Removes PKCS#7 padding.

    Only called on authenticated ciphertexts, so a padding error is not an oracle.

    Raises:
        InvalidMessage: The padding is malformed.
    """
    if not data or len(data) % AES_BLOCK_SIZE:
        raise InvalidMessage("padded plaintext has an invalid length")
    pad_length = data[-1]
    if (
        not 1 <= pad_length <= AES_BLOCK_SIZE
        or data[-pad_length:] != bytes((pad_length,)) * pad_length
    ):
        raise InvalidMessage("plaintext padding is malformed")
    return data[:-pad_length]


def aes256_cbc_encrypt(key: bytes, iv: bytes, padded_plaintext: bytes) -> bytes:
    """AES-256-CBC encryption of already padded data (a multiple of 16 bytes)."""
    encryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded_plaintext) + encryptor.finalize()


def aes256_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-256-CBC decryption; the result still carries its padding.

    Raises:
        InvalidMessage: The ciphertext is not a non-empty multiple of the block size.
    """
    if not ciphertext or len(ciphertext) % AES_BLOCK_SIZE:
        raise InvalidMessage("ciphertext length is not a multiple of the block size")
    decryptor = Cipher(algorithms.AES256(key), modes.CBC(iv)).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()


def mlkem1024_generate() -> MLKEM1024PrivateKey:
    """Generates a fresh ML-KEM-1024 key pair."""
    return MLKEM1024PrivateKey.generate()


def mlkem1024_from_seed(seed: bytes) -> MLKEM1024PrivateKey:
    """Rebuilds an ML-KEM-1024 private key from its 64-byte seed.

    Raises:
        InvalidKey: The seed has the wrong length.
    """
    if len(seed) != MLKEM1024_SEED_SIZE:
        raise InvalidKey("an ML-KEM-1024 seed must be 64 bytes")
    return MLKEM1024PrivateKey.from_seed_bytes(seed)


def mlkem1024_load_public(public_key: bytes) -> MLKEM1024PublicKey:
    """Loads a raw ML-KEM-1024 public key (1568 bytes).

    Raises:
        InvalidKey: The key is malformed (wrong size or failed the FIPS 203 modulus check).
    """
    if len(public_key) != MLKEM1024_PUBLIC_KEY_SIZE:
        raise InvalidKey("an ML-KEM-1024 public key must be 1568 bytes")
    try:
        return MLKEM1024PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise InvalidKey("ML-KEM-1024 public key is malformed") from None


def mlkem1024_encapsulate(public_key: MLKEM1024PublicKey) -> tuple[bytes, bytes]:
    """Encapsulates to ``public_key``.

    Returns:
        ``(ciphertext, shared_secret)`` — note the protocol's order, not pyca's.
    """
    shared_secret, ciphertext = public_key.encapsulate()
    return ciphertext, shared_secret


def mlkem1024_decapsulate(private_key: MLKEM1024PrivateKey, ciphertext: bytes) -> bytes:
    """Decapsulates a ciphertext (implicit rejection: a wrong one yields an unrelated secret).

    Raises:
        InvalidMessage: The ciphertext has the wrong length.
    """
    if len(ciphertext) != MLKEM1024_CIPHERTEXT_SIZE:
        raise InvalidMessage("an ML-KEM-1024 ciphertext must be 1568 bytes")
    try:
        return private_key.decapsulate(ciphertext)
    except ValueError:
        raise InvalidMessage("ML-KEM-1024 ciphertext is malformed") from None
