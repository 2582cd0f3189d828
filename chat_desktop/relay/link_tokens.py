"""Link tokens of ``devices:link`` (docs/protocol.md §6.11): random, one use, 10 minutes.

A token is 32 random bytes in base64url; the relay stores only its SHA-256, so a copy of the
database cannot be used to add a device to anyone's account. Whoever shows the token may fill
one provisioning channel once (``PUT /v1/provisioning/{id}``) and, with the account's
identity key, register one new device of the account that made it (``POST /v1/devices``).
A token belongs to the device that asked for it and is revoked when that device is removed.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

from chat_desktop.protocol.codec import b64url_encode

#: How long a link token is valid after ``devices:link`` made it.
LINK_TOKEN_LIFETIME_MS: Final = 10 * 60 * 1000
_TOKEN_BYTES: Final = 32


def new_link_token() -> str:
    """Returns a fresh token: 32 random bytes as base64url without padding."""
    return b64url_encode(secrets.token_bytes(_TOKEN_BYTES))


def link_token_hash(token: str) -> bytes:
    """Returns the SHA-256 of the token's text, the only form the relay keeps."""
    return hashlib.sha256(token.encode("utf-8")).digest()
