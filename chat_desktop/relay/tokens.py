"""Bearer tokens for blob uploads and downloads: short-lived, stateless, HMAC-signed.

A token names what it allows (``put`` or ``get``), the blob, the most bytes it may write and
when it stops being valid. The relay signs it with a secret kept in its data folder, so tokens
survive restarts and need no table.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from chat_desktop.protocol.codec import b64url_decode, b64url_encode
from chat_desktop.protocol.errors import ProtocolError

SECRET_SIZE: Final = 32
Purpose = Literal["put", "get"]


class InvalidToken(Exception):
    """A token is malformed, forged, expired, or not for this blob and purpose."""


@dataclass(frozen=True, slots=True)
class BlobGrant:
    """What a valid token allows."""

    purpose: Purpose
    blob_id: str
    max_size: int
    valid_until: int


def load_or_create_secret(path: Path) -> bytes:
    """Returns the token-signing secret, creating it (mode 0600) on first start."""
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        secret = os.urandom(SECRET_SIZE)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
    if len(secret) != SECRET_SIZE:
        raise ValueError("the relay token secret file is damaged")
    return secret


class BlobTokens:
    """Issues and checks blob tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        """Uses ``secret`` (32 bytes) to sign tokens."""
        self._secret = secret

    def issue(self, grant: BlobGrant) -> str:
        """Returns the token for ``grant``."""
        claims = f"{grant.purpose}|{grant.blob_id}|{grant.max_size}|{grant.valid_until}"
        body = claims.encode("ascii")
        return f"{b64url_encode(body)}.{b64url_encode(self._mac(body))}"

    def check(self, token: str, purpose: Purpose, blob_id: str, now_ms: int) -> BlobGrant:
        """Returns the grant of a valid token for ``purpose`` on ``blob_id``.

        Raises:
            InvalidToken: For any reason; the reason is not told to the caller's peer.
        """
        try:
            encoded_body, encoded_mac = token.split(".")
            body = b64url_decode(encoded_body)
            mac = b64url_decode(encoded_mac)
        except (ValueError, ProtocolError):
            raise InvalidToken("malformed token") from None
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidToken("token signature mismatch")
        token_purpose, token_blob, max_size, valid_until = body.decode("ascii").split("|")
        if token_purpose != purpose or token_blob != blob_id:
            raise InvalidToken("token is for another blob or purpose")
        if int(valid_until) <= now_ms:
            raise InvalidToken("token expired")
        return BlobGrant(purpose, blob_id, int(max_size), int(valid_until))

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()
