"""Checks of the signatures the relay receives (docs/protocol.md §1, §6, §6.11).

The relay verifies prekey, registration and device-certificate signatures (XEdDSA under the
identity key IK) before storing anything, so a bundle it hands out always verifies under the
identity key it hands out with it, and a device key DK is stored only with IK's certificate.
Connects of a device with a DK are plain Ed25519 signatures under DK. Verification is CPU
work: callers run these functions in a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature as _PycaInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chat_desktop.crypto.errors import InvalidSignature
from chat_desktop.crypto.identity import verify_signature
from chat_desktop.protocol.auth import (
    device_certificate_message,
    pq_prekey_message,
    registration_message,
    signed_prekey_message,
)
from chat_desktop.protocol.errors import bad_request
from chat_desktop.protocol.schemas import (
    LinkDeviceRequest,
    OneTimePreKey,
    PqPreKey,
    RegisterRequest,
    SignedPreKey,
)


def check_prekeys(
    identity_key: bytes,
    signed_prekey: SignedPreKey | None,
    pq_prekeys: Sequence[PqPreKey],
    one_time_prekeys: Sequence[OneTimePreKey],
) -> None:
    """Checks prekey signatures under ``identity_key`` and that ids are unique per kind.

    Raises:
        ProtocolError: ``bad_request`` naming the kind of key at fault.
    """
    if len({key.id for key in pq_prekeys}) != len(pq_prekeys):
        raise bad_request("repeated PQ prekey id")
    if len({key.id for key in one_time_prekeys}) != len(one_time_prekeys):
        raise bad_request("repeated one-time prekey id")
    if sum(key.last_resort for key in pq_prekeys) > 1:
        raise bad_request("at most one last-resort PQ prekey per upload")
    try:
        if signed_prekey is not None:
            verify_signature(
                identity_key,
                signed_prekey_message(signed_prekey.public_key),
                signed_prekey.signature,
            )
    except InvalidSignature:
        raise bad_request("signed prekey signature does not verify") from None
    try:
        for key in pq_prekeys:
            verify_signature(identity_key, pq_prekey_message(key.public_key), key.signature)
    except InvalidSignature:
        raise bad_request("PQ prekey signature does not verify") from None


def device_key_signature_ok(device_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a plain Ed25519 signature of ``message`` under DK."""
    try:
        Ed25519PublicKey.from_public_bytes(device_key).verify(signature, message)
    except (_PycaInvalidSignature, ValueError):
        return False
    return True


def check_device_certificate(
    identity_key: bytes, device_key: bytes, created_at: int, certificate: bytes
) -> None:
    """Checks IK's certificate of a device key (docs/protocol.md §6.11).

    Raises:
        ProtocolError: ``bad_request`` when it does not verify under ``identity_key``.
    """
    try:
        verify_signature(
            identity_key, device_certificate_message(device_key, created_at), certificate
        )
    except InvalidSignature:
        raise bad_request("device certificate does not verify") from None


def check_link_request(identity_key: bytes, request: LinkDeviceRequest) -> None:
    """Checks a new device's certificate and prekeys under the account's identity key.

    Raises:
        ProtocolError: ``bad_request`` for any failed check.
    """
    check_device_certificate(
        identity_key, request.device_key, request.created_at, request.certificate
    )
    if not any(key.last_resort for key in request.pq_prekeys):
        raise bad_request("a device needs a last-resort PQ prekey")
    check_prekeys(identity_key, request.signed_prekey, request.pq_prekeys, request.one_time_prekeys)


def check_registration(request: RegisterRequest) -> None:
    """Checks a registration's own signature, its prekeys, its last-resort PQ key, and the
    certificate of its device key when it has one.

    Raises:
        ProtocolError: ``bad_request`` for any failed check, and for a registration that
            carries some but not all of the four device fields.
    """
    try:
        verify_signature(
            request.identity_key,
            registration_message(request.username, request.identity_key, request.ts),
            request.sig,
        )
    except InvalidSignature:
        raise bad_request("registration signature does not verify") from None
    if not any(key.last_resort for key in request.pq_prekeys):
        raise bad_request("registration needs a last-resort PQ prekey")
    check_prekeys(
        request.identity_key, request.signed_prekey, request.pq_prekeys, request.one_time_prekeys
    )
    device_fields = (
        request.device_key,
        request.device_created_at,
        request.device_certificate,
        request.device_name,
    )
    if all(value is None for value in device_fields):
        return  # a client made before linked devices: it registers its DK later
    if (
        request.device_key is None
        or request.device_created_at is None
        or request.device_certificate is None
        or request.device_name is None
    ):
        raise bad_request(
            "device_key, device_created_at, device_certificate and device_name go together"
        )
    check_device_certificate(
        request.identity_key,
        request.device_key,
        request.device_created_at,
        request.device_certificate,
    )
