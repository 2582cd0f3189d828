"""Safety numbers: Signal's numeric fingerprint, version 1 (docs/protocol.md §1).

Two users compare 60 digits (or scan each other's QR code carrying the same digits) to be
sure no one sits between them. Each side contributes 30 digits derived from its identity key
and username; the smaller 30-digit string comes first, so both devices show the same number.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from chat_desktop.crypto.errors import CryptoError
from chat_desktop.crypto.identity import encode_public_key

FINGERPRINT_ITERATIONS: Final = 5200
_FINGERPRINT_VERSION: Final = b"\x00\x00"  # u16be(0), as Signal's generator
_CHUNK_COUNT: Final = 6
_CHUNK_SIZE: Final = 5
SAFETY_NUMBER_DIGITS: Final = 60


def fingerprint_hash(identity_key: bytes, stable_id: str) -> bytes:
    """One side's iterated SHA-512 (64 bytes); its first 30 bytes make the side's digits.

    Raises:
        InvalidKey: The identity key is not 32 bytes.
        CryptoError: The stable id is not ASCII.
    """
    encoded_key = encode_public_key(identity_key)
    try:
        stable_id_bytes = stable_id.encode("ascii")
    except UnicodeEncodeError:
        raise CryptoError("a safety number's stable id must be ASCII") from None
    digest = _FINGERPRINT_VERSION + encoded_key + stable_id_bytes
    for _ in range(FINGERPRINT_ITERATIONS):
        digest = hashlib.sha512(digest + encoded_key).digest()
    return digest


def fingerprint_digits(identity_key: bytes, stable_id: str) -> str:
    """One side's 30 digits: six 5-byte big-endian chunks, each mod 100000, zero-padded.

    Args:
        identity_key: The side's X25519 identity public key (32 bytes).
        stable_id: The side's username (ASCII).

    Raises:
        InvalidKey: The identity key is not 32 bytes.
        CryptoError: The stable id is not ASCII.
    """
    digest = fingerprint_hash(identity_key, stable_id)
    return "".join(
        f"{int.from_bytes(digest[i : i + _CHUNK_SIZE], 'big') % 100000:05d}"
        for i in range(0, _CHUNK_COUNT * _CHUNK_SIZE, _CHUNK_SIZE)
    )


def safety_number(
    local_identity_key: bytes,
    local_stable_id: str,
    remote_identity_key: bytes,
    remote_stable_id: str,
) -> str:
    """The 60-digit safety number of a conversation, the same on both devices.

    Raises:
        InvalidKey: An identity key is not 32 bytes.
        CryptoError: A stable id is not ASCII.
    """
    local = fingerprint_digits(local_identity_key, local_stable_id)
    remote = fingerprint_digits(remote_identity_key, remote_stable_id)
    return local + remote if local <= remote else remote + local


def format_safety_number(digits: str) -> str:
    """The display form: groups of five digits separated by spaces (12 groups)."""
    return " ".join(digits[i : i + 5] for i in range(0, len(digits), 5))


def safety_number_qr_payload(digits: str) -> str:
    """The text a QR code carries: the same 60 digits (rendering is the GUI's job)."""
    if len(digits) != SAFETY_NUMBER_DIGITS or not digits.isascii() or not digits.isdigit():
        raise CryptoError("a safety number is 60 digits")
    return digits


def safety_numbers_match(scanned: str, expected: str) -> bool:
    """Whether a scanned or typed number equals ours, ignoring spaces (constant-time)."""
    normalized = "".join(scanned.split())
    return hmac.compare_digest(normalized.encode("ascii", "replace"), expected.encode("ascii"))
