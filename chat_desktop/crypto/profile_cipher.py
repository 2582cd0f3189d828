"""Sealing an account's profile blob with its profile key (docs/protocol.md §13.2).

``blob = nonce (12) ‖ AES-256-GCM(K, nonce, record, AD)`` with
``K = HKDF(profile_key, salt = 0×32, info = "chat_desktop profile key v1", 32)`` and
``AD = "chat_desktop profile v1" ‖ u8(len(username)) ‖ username ‖ u64be(version)``.

The associated data binds the blob to its account and version: a relay that serves another
account's blob, or an older version under a newer number, fails to open, as does a blob
opened with a key that is not the account's (say, one another account sent us). Pure
functions, no I/O, as everything in :mod:`chat_desktop.crypto`.
"""

from __future__ import annotations

import os
import struct
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chat_desktop.crypto.errors import InvalidKey, InvalidMessage
from chat_desktop.crypto.primitives import hkdf_sha256
from chat_desktop.protocol.profiles import PROFILE_KEY_SIZE

NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
_KEY_INFO: Final = b"chat_desktop profile key v1"
_AD_LABEL: Final = b"chat_desktop profile v1"


class ProfileBlobRejected(InvalidMessage):
    """A profile blob does not open with the key, account and version it should have."""


def new_profile_key() -> bytes:
    """32 random bytes: an account's profile key, made once."""
    return os.urandom(PROFILE_KEY_SIZE)


def _cipher(profile_key: bytes) -> AESGCM:
    if len(profile_key) != PROFILE_KEY_SIZE:
        raise InvalidKey("a profile key is 32 bytes")
    return AESGCM(hkdf_sha256(profile_key, bytes(32), _KEY_INFO, 32))


def profile_ad(username: str, version: int) -> bytes:
    """The associated data of ``username``'s profile at ``version``."""
    name = username.encode("ascii")
    return _AD_LABEL + bytes([len(name)]) + name + struct.pack(">Q", version)


def seal_profile(
    profile_key: bytes, username: str, version: int, record: bytes, *, nonce: bytes | None = None
) -> bytes:
    """Seals the padded ``record`` of ``username`` at ``version``.

    ``nonce`` is for known-answer tests only (12 random bytes otherwise).

    Raises:
        InvalidKey: ``profile_key`` is not 32 bytes.
    """
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    return nonce + _cipher(profile_key).encrypt(nonce, record, profile_ad(username, version))


def open_profile(profile_key: bytes, username: str, version: int, blob: bytes) -> bytes:
    """Opens ``username``'s blob at ``version``; returns the padded record.

    Raises:
        InvalidKey: ``profile_key`` is not 32 bytes.
        ProfileBlobRejected: The blob is too short or does not authenticate under this key,
            account and version.
    """
    if len(blob) < NONCE_SIZE + TAG_SIZE:
        raise ProfileBlobRejected("profile blob is too short")
    try:
        return _cipher(profile_key).decrypt(
            blob[:NONCE_SIZE], blob[NONCE_SIZE:], profile_ad(username, version)
        )
    except InvalidTag:
        raise ProfileBlobRejected("profile blob does not open with this key") from None
