"""Identity keys: Ed25519 seed signing, XEdDSA verification (docs/protocol.md §1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chat_desktop.crypto.errors import InvalidKey, InvalidSignature
from chat_desktop.crypto.identity import (
    IdentityKeyPair,
    encode_public_key,
    montgomery_to_edwards,
    verify_signature,
)
from chat_desktop.crypto.primitives import FIELD_PRIME, load_x25519_private, x25519_public_bytes

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).parents[2] / "vectors" / "x3dh_ratchet_golden.json"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


def test_sign_verify_round_trip() -> None:
    identity = IdentityKeyPair.generate()
    signature = identity.sign(b"hello")
    assert len(signature) == 64
    verify_signature(identity.public_key, b"hello", signature)


def test_generated_seed_has_sign_bit_zero_and_matches_x25519_key() -> None:
    for _ in range(16):
        identity = IdentityKeyPair.generate()
        edwards = Ed25519PrivateKey.from_private_bytes(identity.seed).public_key()
        assert edwards.public_bytes_raw()[31] & 0x80 == 0
        # The XEdDSA conversion of the published X25519 key is exactly our Ed25519 key.
        converted = montgomery_to_edwards(identity.public_key)
        assert converted.public_bytes_raw() == edwards.public_bytes_raw()
        assert x25519_public_bytes(identity.x25519_private_key()) == identity.public_key


def test_from_seed_restores_same_identity() -> None:
    identity = IdentityKeyPair.generate()
    restored = IdentityKeyPair.from_seed(identity.seed)
    assert restored.public_key == identity.public_key
    assert restored == identity
    verify_signature(identity.public_key, b"m", restored.sign(b"m"))


def test_from_seed_rejects_sign_bit_one_and_bad_length() -> None:
    seed = next(
        bytes([i]) * 32
        for i in range(256)
        if Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32).public_key().public_bytes_raw()[31]
        & 0x80
    )
    with pytest.raises(InvalidKey):
        IdentityKeyPair.from_seed(seed)
    with pytest.raises(InvalidKey):
        IdentityKeyPair.from_seed(b"\x00" * 31)


def test_repr_does_not_leak_seed() -> None:
    identity = IdentityKeyPair.generate()
    assert identity.seed.hex() not in repr(identity)


def test_golden_spk_signature_verifies(golden: dict[str, Any]) -> None:
    bob_identity = load_x25519_private(bytes.fromhex(golden["bob_identity_priv"]))
    bob_public = x25519_public_bytes(bob_identity)
    assert bob_public.hex() == golden["bob_identity_pub"]
    spk_public = x25519_public_bytes(load_x25519_private(bytes.fromhex(golden["bob_spk_priv"])))
    signature = bytes.fromhex(golden["bob_spk_sig"])
    verify_signature(bob_public, encode_public_key(spk_public), signature)


@pytest.mark.parametrize("bit", [0, 7, 100, 255, 256, 511])
def test_flipped_signature_bit_fails(golden: dict[str, Any], bit: int) -> None:
    bob_public = bytes.fromhex(golden["bob_identity_pub"])
    message = encode_public_key(bytes.fromhex(golden["bob_spk_pub"]))
    signature = bytearray(bytes.fromhex(golden["bob_spk_sig"]))
    signature[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        verify_signature(bob_public, message, bytes(signature))


def test_flipped_message_bit_fails() -> None:
    identity = IdentityKeyPair.generate()
    signature = identity.sign(b"message")
    with pytest.raises(InvalidSignature):
        verify_signature(identity.public_key, b"messagf", signature)


def test_wrong_key_fails() -> None:
    signature = IdentityKeyPair.generate().sign(b"m")
    with pytest.raises(InvalidSignature):
        verify_signature(IdentityKeyPair.generate().public_key, b"m", signature)


@pytest.mark.parametrize(
    "bad_key",
    [
        bytes(32),  # u = 0, low order
        (1).to_bytes(32, "little"),  # low order
        (FIELD_PRIME - 1).to_bytes(32, "little"),  # u = -1, y undefined
        FIELD_PRIME.to_bytes(32, "little"),  # non-canonical
        b"\xff" * 32,  # bit 255 set
        b"\x01" * 31,  # wrong length
    ],
)
def test_bad_identity_key_is_invalid_signature(bad_key: bytes) -> None:
    signature = IdentityKeyPair.generate().sign(b"m")
    with pytest.raises(InvalidSignature):
        verify_signature(bad_key, b"m", signature)


def test_bad_signature_length_is_rejected() -> None:
    identity = IdentityKeyPair.generate()
    with pytest.raises(InvalidSignature):
        verify_signature(identity.public_key, b"m", identity.sign(b"m")[:63])


def test_encode_public_key() -> None:
    assert encode_public_key(b"\x09" * 32) == b"\x05" + b"\x09" * 32
    with pytest.raises(InvalidKey):
        encode_public_key(b"\x09" * 33)
