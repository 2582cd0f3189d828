"""The exact byte strings that are signed in the relay protocol, and their builders.

Pure functions, no I/O and no crypto: signing is passed in as ``sign``, so the client can
use its identity key and the relay can verify with the same message builders. Layouts are
docs/protocol.md §1 (prekey encodings) and §6 (registration and connect signatures).
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from chat_desktop.protocol.codec import b64url_encode
from chat_desktop.protocol.errors import bad_request
from chat_desktop.protocol.schemas import (
    AUTH_NONCE_SIZE,
    ConnectAuth,
    OneTimePreKey,
    PqPreKey,
    RegisterRequest,
    SignedPreKey,
)

REGISTER_CONTEXT: Final = b"chat_desktop register v1"
CONNECT_CONTEXT: Final = b"chat_desktop auth v1"
DEVICE_CONTEXT: Final = b"chat_desktop device v1"
#: Type byte of ``Encode(PK)`` for X25519 keys (docs/protocol.md §1).
X25519_KEY_TYPE: Final = 0x05
#: Type byte of ``EncodeKEM(PK)`` for ML-KEM-1024 keys (docs/protocol.md §1).
KEM_KEY_TYPE: Final = 0x0A
#: How far a signed timestamp may be from the relay's clock (docs/protocol.md §6).
TIMESTAMP_WINDOW_MS: Final = 120_000

_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Signer = Callable[[bytes], bytes]


def now_ms() -> int:
    """Returns the wall-clock time in integer milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def relay_origin(url: str) -> str:
    """Returns the relay origin ``scheme://host:port`` in lower case, as signed at connect.

    The port is always spelled out (80/443 when the URL omits it), so client and relay derive
    the same origin from ``http://Relay.example`` and ``http://relay.example:80/``.

    Raises:
        ProtocolError: ``bad_request`` when the URL has no scheme or host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        raise bad_request("relay URL needs a scheme and a host")
    try:
        port = parts.port
    except ValueError:
        raise bad_request("relay URL has an invalid port") from None
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
        if port is None:
            raise bad_request("relay URL needs a port for this scheme")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def registration_message(username: str, identity_key: bytes, ts: int) -> bytes:
    """Returns ``"chat_desktop register v1" ‖ len(username) u8 ‖ username ‖ IK ‖ ts u64be``."""
    name = username.encode("ascii")
    return REGISTER_CONTEXT + bytes([len(name)]) + name + identity_key + struct.pack(">Q", ts)


def connect_message(origin: str, ts: int, nonce: bytes) -> bytes:
    """Returns ``"chat_desktop auth v1" ‖ origin ‖ ts u64be ‖ nonce`` (docs/protocol.md §6)."""
    return CONNECT_CONTEXT + origin.encode("ascii") + struct.pack(">Q", ts) + nonce


def device_certificate_message(device_key: bytes, created_at: int) -> bytes:
    """Returns ``"chat_desktop device v1" ‖ DK_pub ‖ created_at u64be`` (protocol §6.11).

    Signed by the account's identity key IK, it certifies that the device key DK belongs to
    the account: the relay registers a DK only with a certificate that verifies under IK.
    """
    return DEVICE_CONTEXT + device_key + struct.pack(">Q", created_at)


def signed_prekey_message(public_key: bytes) -> bytes:
    """Returns ``Encode(SPK) = 0x05 ‖ public_key``, the bytes a signed prekey's sig covers."""
    return bytes([X25519_KEY_TYPE]) + public_key


def pq_prekey_message(public_key: bytes) -> bytes:
    """Returns ``EncodeKEM(PQPK) = 0x0A ‖ public_key``, the bytes a PQ prekey's sig covers."""
    return bytes([KEM_KEY_TYPE]) + public_key


def build_connect_auth(
    user: str,
    device_id: int,
    origin: str,
    sign: Signer,
    *,
    ts: int | None = None,
    nonce: bytes | None = None,
) -> dict[str, Any]:
    """Builds the Socket.IO CONNECT ``auth`` object for one connection attempt.

    Call it anew for every attempt (reconnects included): the relay refuses a nonce it has
    already seen and a timestamp off by more than two minutes.

    Args:
        user: The account's username.
        device_id: This device's id, as returned by registration.
        origin: The relay origin, see :func:`relay_origin`.
        sign: Signs bytes with the device key DK (64-byte Ed25519 signature); a device that
            has not registered a DK yet signs with its identity key (§6.11).
        ts: The timestamp to sign (ms); now when omitted.
        nonce: 16 random bytes; fresh ones when omitted.

    Returns:
        ``{user, device_id, ts, nonce, sig}`` with ``nonce`` and ``sig`` as base64url.
    """
    ts = now_ms() if ts is None else ts
    nonce = os.urandom(AUTH_NONCE_SIZE) if nonce is None else nonce
    signature = sign(connect_message(origin, ts, nonce))
    auth = ConnectAuth(
        user=user,
        device_id=device_id,
        ts=ts,
        nonce=b64url_encode(nonce),
        sig=b64url_encode(signature),
    )
    return {field: getattr(auth, field) for field in auth.__struct_fields__}


def build_registration(
    username: str,
    identity_key: bytes,
    sign: Signer,
    signed_prekey: SignedPreKey,
    pq_prekeys: Sequence[PqPreKey],
    one_time_prekeys: Sequence[OneTimePreKey],
    *,
    ts: int | None = None,
) -> RegisterRequest:
    """Builds the signed ``POST /v1/accounts`` body.

    The prekeys must already carry their signatures (see :func:`signed_prekey_message` and
    :func:`pq_prekey_message`); ``pq_prekeys`` must include one ``last_resort`` key.
    Encode the result with :func:`chat_desktop.protocol.codec.encode_http_json`.
    """
    ts = now_ms() if ts is None else ts
    return RegisterRequest(
        username=username,
        identity_key=identity_key,
        ts=ts,
        sig=sign(registration_message(username, identity_key, ts)),
        signed_prekey=signed_prekey,
        pq_prekeys=list(pq_prekeys),
        one_time_prekeys=list(one_time_prekeys),
    )
