"""Checks of the identity-key signatures the relay receives (docs/protocol.md §1, §6).

The relay verifies prekey and registration signatures before storing anything, so a bundle
it hands out always verifies under the identity key it hands out with it. Verification is
CPU work: callers run these functions in a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat_desktop.crypto.errors import InvalidSignature
from chat_desktop.crypto.identity import verify_signature
from chat_desktop.protocol.auth import (
    pq_prekey_message,
    registration_message,
    signed_prekey_message,
)
from chat_desktop.protocol.errors import bad_request
from chat_desktop.protocol.schemas import OneTimePreKey, PqPreKey, RegisterRequest, SignedPreKey


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


def check_registration(request: RegisterRequest) -> None:
    """Checks a registration's own signature, its prekeys, and its last-resort PQ key.

    Raises:
        ProtocolError: ``bad_request`` for any failed check.
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
