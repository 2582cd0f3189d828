"""Session key agreement: PQXDH (docs/protocol.md §2), and classic X3DH for the known-answer vector.

The initiator (Alice) checks Bob's bundle, then derives the shared secret SK and the
associated data AD; the responder (Bob) derives the same from the PreKey message's fields and
his private prekeys. Both results feed :class:`chat_desktop.crypto.ratchet.RatchetState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import BundleRejected, InvalidKey, InvalidSignature
from chat_desktop.crypto.identity import IdentityKeyPair, encode_public_key
from chat_desktop.crypto.prekeys import (
    OneTimePreKey,
    PqPreKey,
    SignedPreKey,
    check_key_id,
    verify_pq_prekey,
    verify_signed_prekey,
)
from chat_desktop.crypto.primitives import (
    hkdf_sha256,
    load_x25519_public,
    mlkem1024_decapsulate,
    mlkem1024_encapsulate,
    mlkem1024_load_public,
    x25519,
    x25519_public_bytes,
)

INFO_PQXDH: Final = b"ChatDesktop_X25519_SHA-256_ML-KEM-1024"
INFO_X3DH: Final = b"ChatDesktop_X25519_SHA-256"
_DOMAIN_SEPARATOR: Final = b"\xff" * 32
_ZERO_SALT: Final = bytes(32)


@dataclass(frozen=True)
class PreKeyBundle:
    """One device's published keys, as fetched from the relay (``keys:bundle``).

    The PQ fields are optional only so that a bundle without them can be represented and
    rejected (no downgrade to classic X3DH); the one-time prekey is genuinely optional.
    """

    identity_key: bytes
    signed_prekey_id: int
    signed_prekey: bytes
    signed_prekey_signature: bytes
    pq_prekey_id: int | None
    pq_prekey: bytes | None
    pq_prekey_signature: bytes | None
    one_time_prekey_id: int | None = None
    one_time_prekey: bytes | None = None


@dataclass(frozen=True)
class InitiatorAgreement:
    """What Alice learns from the agreement and needs to build her PreKey messages.

    Attributes:
        shared_secret: SK (32 bytes, secret).
        associated_data: ``Encode(IKa) ‖ Encode(IKb)`` (66 bytes).
        ephemeral_public_key: EKa's public key.
        kem_ciphertext: CT for Bob's PQ prekey (None on the classic X3DH path).
        remote_identity_key: Bob's identity key.
        signed_prekey: Bob's signed prekey, the first remote ratchet key.
        signed_prekey_id: Its id.
        one_time_prekey_id: The id of the one-time prekey used, if any.
        pq_prekey_id: The id of the PQ prekey used (None on the classic path).
    """

    shared_secret: bytes
    associated_data: bytes
    ephemeral_public_key: bytes
    kem_ciphertext: bytes | None
    remote_identity_key: bytes
    signed_prekey: bytes
    signed_prekey_id: int
    one_time_prekey_id: int | None
    pq_prekey_id: int | None

    def __repr__(self) -> str:
        return f"InitiatorAgreement(remote_identity_key={self.remote_identity_key.hex()})"


@dataclass(frozen=True)
class ResponderAgreement:
    """What Bob derives from a PreKey message: SK (secret) and AD."""

    shared_secret: bytes
    associated_data: bytes

    def __repr__(self) -> str:
        return "ResponderAgreement(...)"


def _derive_shared_secret(dh_outputs: list[bytes], kem_secret: bytes | None) -> bytes:
    """``HKDF(0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] [‖ SS], salt = 0×32, info, 32)``."""
    ikm = _DOMAIN_SEPARATOR + b"".join(dh_outputs)
    if kem_secret is None:
        return hkdf_sha256(ikm, _ZERO_SALT, INFO_X3DH, 32)
    return hkdf_sha256(ikm + kem_secret, _ZERO_SALT, INFO_PQXDH, 32)


def _associated_data(initiator_identity_key: bytes, responder_identity_key: bytes) -> bytes:
    return encode_public_key(initiator_identity_key) + encode_public_key(responder_identity_key)


def verify_bundle(bundle: PreKeyBundle) -> None:
    """Checks a bundle before use: PQ prekey present, both signatures valid, keys well formed.

    Raises:
        BundleRejected: No PQ prekey, a bad signature, a malformed key or id.
    """
    if bundle.pq_prekey is None or bundle.pq_prekey_id is None:
        raise BundleRejected("bundle has no post-quantum prekey")
    if bundle.pq_prekey_signature is None:
        raise BundleRejected("bundle's post-quantum prekey is unsigned")
    _verify_classic_bundle(bundle)
    try:
        check_key_id(bundle.pq_prekey_id)
        verify_pq_prekey(bundle.identity_key, bundle.pq_prekey, bundle.pq_prekey_signature)
        mlkem1024_load_public(bundle.pq_prekey)
    except InvalidSignature:
        raise BundleRejected("bundle's post-quantum prekey signature is invalid") from None
    except InvalidKey:
        raise BundleRejected("bundle's post-quantum prekey is malformed") from None


def _verify_classic_bundle(bundle: PreKeyBundle) -> None:
    """The X25519 half of :func:`verify_bundle`."""
    if (bundle.one_time_prekey is None) != (bundle.one_time_prekey_id is None):
        raise BundleRejected("bundle's one-time prekey lacks its id or key")
    try:
        check_key_id(bundle.signed_prekey_id)
        verify_signed_prekey(
            bundle.identity_key, bundle.signed_prekey, bundle.signed_prekey_signature
        )
        load_x25519_public(bundle.identity_key)
        load_x25519_public(bundle.signed_prekey)
        if bundle.one_time_prekey is not None and bundle.one_time_prekey_id is not None:
            check_key_id(bundle.one_time_prekey_id)
            load_x25519_public(bundle.one_time_prekey)
    except InvalidSignature:
        raise BundleRejected("bundle's signed prekey signature is invalid") from None
    except InvalidKey:
        raise BundleRejected("bundle holds a malformed or low-order key") from None


def _initiator_dh(
    identity_private: X25519PrivateKey, ephemeral_key: X25519PrivateKey, bundle: PreKeyBundle
) -> list[bytes]:
    signed_prekey = load_x25519_public(bundle.signed_prekey)
    outputs = [
        x25519(identity_private, signed_prekey),
        x25519(ephemeral_key, load_x25519_public(bundle.identity_key)),
        x25519(ephemeral_key, signed_prekey),
    ]
    if bundle.one_time_prekey is not None:
        outputs.append(x25519(ephemeral_key, load_x25519_public(bundle.one_time_prekey)))
    return outputs


def pqxdh_initiate(
    identity: IdentityKeyPair,
    bundle: PreKeyBundle,
    ephemeral_key: X25519PrivateKey | None = None,
) -> InitiatorAgreement:
    """Alice's side of PQXDH (docs/protocol.md §2 steps 2–6).

    Args:
        identity: Alice's identity.
        bundle: Bob's device bundle.
        ephemeral_key: EKa; a fresh key unless a test supplies one.

    Raises:
        BundleRejected: The bundle fails :func:`verify_bundle`.
        InvalidKey: A DH output is all zero.
    """
    verify_bundle(bundle)
    assert bundle.pq_prekey is not None  # checked by verify_bundle
    ephemeral = ephemeral_key or X25519PrivateKey.generate()
    dh_outputs = _initiator_dh(identity.x25519_private_key(), ephemeral, bundle)
    kem_ciphertext, kem_secret = mlkem1024_encapsulate(mlkem1024_load_public(bundle.pq_prekey))
    return InitiatorAgreement(
        shared_secret=_derive_shared_secret(dh_outputs, kem_secret),
        associated_data=_associated_data(identity.public_key, bundle.identity_key),
        ephemeral_public_key=x25519_public_bytes(ephemeral),
        kem_ciphertext=kem_ciphertext,
        remote_identity_key=bundle.identity_key,
        signed_prekey=bundle.signed_prekey,
        signed_prekey_id=bundle.signed_prekey_id,
        one_time_prekey_id=bundle.one_time_prekey_id,
        pq_prekey_id=bundle.pq_prekey_id,
    )


def pqxdh_respond(
    identity: IdentityKeyPair,
    *,
    initiator_identity_key: bytes,
    ephemeral_key: bytes,
    signed_prekey: SignedPreKey,
    one_time_prekey: OneTimePreKey | None,
    pq_prekey: PqPreKey,
    kem_ciphertext: bytes,
) -> ResponderAgreement:
    """Bob's side of PQXDH, from the fields of Alice's PreKey message and his prekeys.

    Raises:
        InvalidKey: A public key from the message is malformed or of low order, or a DH
            output is all zero.
        InvalidMessage: The KEM ciphertext has the wrong size.
    """
    dh_outputs = _responder_dh(
        identity.x25519_private_key(),
        initiator_identity_key,
        ephemeral_key,
        signed_prekey.private_key,
        one_time_prekey.private_key if one_time_prekey is not None else None,
    )
    kem_secret = mlkem1024_decapsulate(pq_prekey.private_key, kem_ciphertext)
    return ResponderAgreement(
        shared_secret=_derive_shared_secret(dh_outputs, kem_secret),
        associated_data=_associated_data(initiator_identity_key, identity.public_key),
    )


def _responder_dh(
    identity_private: X25519PrivateKey,
    initiator_identity_key: bytes,
    ephemeral_key: bytes,
    signed_prekey_private: X25519PrivateKey,
    one_time_prekey_private: X25519PrivateKey | None,
) -> list[bytes]:
    initiator_identity = load_x25519_public(initiator_identity_key)
    ephemeral = load_x25519_public(ephemeral_key)
    outputs = [
        x25519(signed_prekey_private, initiator_identity),
        x25519(identity_private, ephemeral),
        x25519(signed_prekey_private, ephemeral),
    ]
    if one_time_prekey_private is not None:
        outputs.append(x25519(one_time_prekey_private, ephemeral))
    return outputs


def x3dh_initiate_classic(
    identity_private: X25519PrivateKey,
    bundle: PreKeyBundle,
    ephemeral_key: X25519PrivateKey,
) -> InitiatorAgreement:
    """Classic X3DH (no KEM, info ``ChatDesktop_X25519_SHA-256``); only the golden vector uses it.

    Takes a raw X25519 identity key because the vector's implementation has no Ed25519 seed.
    The PQ fields of ``bundle`` are ignored.

    Raises:
        BundleRejected: The signed prekey signature or a key is bad.
    """
    _verify_classic_bundle(bundle)
    dh_outputs = _initiator_dh(identity_private, ephemeral_key, bundle)
    return InitiatorAgreement(
        shared_secret=_derive_shared_secret(dh_outputs, None),
        associated_data=_associated_data(
            x25519_public_bytes(identity_private), bundle.identity_key
        ),
        ephemeral_public_key=x25519_public_bytes(ephemeral_key),
        kem_ciphertext=None,
        remote_identity_key=bundle.identity_key,
        signed_prekey=bundle.signed_prekey,
        signed_prekey_id=bundle.signed_prekey_id,
        one_time_prekey_id=bundle.one_time_prekey_id,
        pq_prekey_id=None,
    )


def x3dh_respond_classic(
    identity_private: X25519PrivateKey,
    *,
    initiator_identity_key: bytes,
    ephemeral_key: bytes,
    signed_prekey_private: X25519PrivateKey,
    one_time_prekey_private: X25519PrivateKey | None,
) -> ResponderAgreement:
    """Bob's side of classic X3DH; only the golden vector uses it.

    Raises:
        InvalidKey: A public key is malformed or of low order, or a DH output is all zero.
    """
    dh_outputs = _responder_dh(
        identity_private,
        initiator_identity_key,
        ephemeral_key,
        signed_prekey_private,
        one_time_prekey_private,
    )
    return ResponderAgreement(
        shared_secret=_derive_shared_secret(dh_outputs, None),
        associated_data=_associated_data(
            initiator_identity_key, x25519_public_bytes(identity_private)
        ),
    )
