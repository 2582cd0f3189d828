"""Device keys, device certificates and encrypted device names (docs/protocol.md §6.11)."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.device_key import (
    DeviceKeyPair,
    DeviceNameRejected,
    InvalidDeviceName,
    decrypt_device_name,
    device_name_key,
    encrypt_device_name,
    make_device_certificate,
    validate_device_name,
    verify_device_certificate,
    verify_device_signature,
)
from chat_desktop.crypto.errors import CryptoError, InvalidKey, InvalidSignature
from chat_desktop.crypto.identity import IdentityKeyPair, montgomery_to_edwards

pytestmark = pytest.mark.unit

# RFC 8032 §7.1, test 2 (one-byte message).
RFC8032_SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
RFC8032_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC8032_MESSAGE = bytes.fromhex("72")
RFC8032_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)

CREATED_AT = 1_700_000_000_000


# ---- device key ---------------------------------------------------------------------------


def test_device_key_matches_rfc8032_vector() -> None:
    device = DeviceKeyPair.from_seed(RFC8032_SECRET)
    assert device.public_key == RFC8032_PUBLIC
    assert device.sign(RFC8032_MESSAGE) == RFC8032_SIGNATURE
    verify_device_signature(RFC8032_PUBLIC, RFC8032_MESSAGE, RFC8032_SIGNATURE)


def test_generated_device_key_signs_and_restores_from_seed() -> None:
    device = DeviceKeyPair.generate()
    signature = device.sign(b"connect bytes")
    assert len(device.seed) == 32
    assert len(device.public_key) == 32
    assert len(signature) == 64
    verify_device_signature(device.public_key, b"connect bytes", signature)
    restored = DeviceKeyPair.from_seed(device.seed)
    assert restored.public_key == device.public_key
    assert DeviceKeyPair.generate().public_key != device.public_key


def test_device_key_repr_hides_the_seed() -> None:
    device = DeviceKeyPair.generate()
    text = repr(device)
    assert device.seed.hex() not in text
    assert device.public_key.hex() in text


@pytest.mark.parametrize("size", [0, 31, 33])
def test_device_key_seed_must_be_32_bytes(size: int) -> None:
    with pytest.raises(InvalidKey):
        DeviceKeyPair.from_seed(bytes(size))


def test_verify_device_signature_refuses_wrong_data_key_and_bit_flips() -> None:
    device = DeviceKeyPair.generate()
    signature = device.sign(b"data")
    with pytest.raises(InvalidSignature):
        verify_device_signature(device.public_key, b"date", signature)
    with pytest.raises(InvalidSignature):
        verify_device_signature(DeviceKeyPair.generate().public_key, b"data", signature)
    for index in (0, 31, 32, 63):
        flipped = bytearray(signature)
        flipped[index] ^= 0x01
        with pytest.raises(InvalidSignature):
            verify_device_signature(device.public_key, b"data", bytes(flipped))


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (bytes(31), bytes(64)),
        (bytes(33), bytes(64)),
        (RFC8032_PUBLIC, bytes(63)),
        (RFC8032_PUBLIC, bytes(65)),
        (RFC8032_PUBLIC, bytes(64)),
        # y = 2 is not on the curve: the key cannot be decoded.
        ((2).to_bytes(32, "little"), RFC8032_SIGNATURE),
    ],
)
def test_verify_device_signature_refuses_malformed_inputs(
    public_key: bytes, signature: bytes
) -> None:
    with pytest.raises((InvalidSignature, InvalidKey)):
        verify_device_signature(public_key, RFC8032_MESSAGE, signature)


# ---- device certificate -------------------------------------------------------------------


def test_device_certificate_verifies_and_follows_the_spec_bytes() -> None:
    identity = IdentityKeyPair.generate()
    device = DeviceKeyPair.generate()
    certificate = make_device_certificate(identity, device.public_key, CREATED_AT)
    assert len(certificate) == 64
    verify_device_certificate(identity.public_key, device.public_key, CREATED_AT, certificate)
    # Independently: an Ed25519 signature by the IK seed over the §6.11 bytes.
    signed = b"chat_desktop device v1" + device.public_key + struct.pack(">Q", CREATED_AT)
    Ed25519PrivateKey.from_private_bytes(identity.seed).public_key().verify(certificate, signed)
    montgomery_to_edwards(identity.public_key).verify(certificate, signed)


def test_device_certificate_fails_under_another_identity() -> None:
    identity = IdentityKeyPair.generate()
    device = DeviceKeyPair.generate()
    certificate = make_device_certificate(identity, device.public_key, CREATED_AT)
    other = IdentityKeyPair.generate()
    with pytest.raises(InvalidSignature):
        verify_device_certificate(other.public_key, device.public_key, CREATED_AT, certificate)


def test_device_certificate_fails_for_another_created_at_or_device_key() -> None:
    identity = IdentityKeyPair.generate()
    device = DeviceKeyPair.generate()
    certificate = make_device_certificate(identity, device.public_key, CREATED_AT)
    with pytest.raises(InvalidSignature):
        verify_device_certificate(
            identity.public_key, device.public_key, CREATED_AT + 1, certificate
        )
    with pytest.raises(InvalidSignature):
        verify_device_certificate(
            identity.public_key, DeviceKeyPair.generate().public_key, CREATED_AT, certificate
        )


def test_device_certificate_refuses_malformed_inputs() -> None:
    identity = IdentityKeyPair.generate()
    device = DeviceKeyPair.generate()
    certificate = make_device_certificate(identity, device.public_key, CREATED_AT)
    with pytest.raises(InvalidSignature):
        verify_device_certificate(identity.public_key, device.public_key[:31], 0, certificate)
    with pytest.raises(InvalidSignature):
        verify_device_certificate(identity.public_key, device.public_key, -1, certificate)
    with pytest.raises(InvalidSignature):
        verify_device_certificate(identity.public_key, device.public_key, 2**64, certificate)
    with pytest.raises(InvalidSignature):
        verify_device_certificate(identity.public_key, device.public_key, CREATED_AT, bytes(64))
    with pytest.raises(InvalidSignature):
        verify_device_certificate(bytes(32), device.public_key, CREATED_AT, certificate)
    with pytest.raises(InvalidKey):
        make_device_certificate(identity, device.public_key + b"\x00", CREATED_AT)
    with pytest.raises(ValueError, match="64-bit"):
        make_device_certificate(identity, device.public_key, -1)


# ---- device names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Laptop", "Büro-PC (alt)", "仕事用 パソコン", "😀" * 64, "x" * 64, " padded "],
)
def test_device_name_round_trip(name: str) -> None:
    seed = IdentityKeyPair.generate().seed
    blob = encrypt_device_name(seed, name)
    assert len(blob) <= 512
    assert name.encode() not in blob
    assert decrypt_device_name(seed, blob) == name


def test_device_name_encryption_uses_a_fresh_nonce() -> None:
    seed = IdentityKeyPair.generate().seed
    assert encrypt_device_name(seed, "Laptop") != encrypt_device_name(seed, "Laptop")


def test_device_name_follows_the_spec_bytes() -> None:
    seed = bytes(range(32))
    nonce = bytes([0x44]) * 12
    blob = encrypt_device_name(seed, "Laptop", nonce=nonce)
    expected_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=bytes(32), info=b"ChatDesktop_DeviceName"
    ).derive(seed)
    assert device_name_key(seed) == expected_key
    expected = nonce + AESGCM(expected_key).encrypt(
        nonce, b"Laptop", b"chat_desktop device name v1"
    )
    assert blob == expected
    assert blob.hex() == "44444444444444444444444491a2bfa26e88ebf5c641f700f71ba7b233678c709544"


def test_device_name_under_another_seed_is_rejected() -> None:
    blob = encrypt_device_name(IdentityKeyPair.generate().seed, "Laptop")
    with pytest.raises(DeviceNameRejected):
        decrypt_device_name(IdentityKeyPair.generate().seed, blob)


@pytest.mark.parametrize("index", [0, 11, 12, -17, -1])
def test_tampered_device_name_is_rejected(index: int) -> None:
    seed = IdentityKeyPair.generate().seed
    blob = bytearray(encrypt_device_name(seed, "Laptop"))
    blob[index] ^= 0x01
    with pytest.raises(DeviceNameRejected):
        decrypt_device_name(seed, bytes(blob))


@pytest.mark.parametrize("size", [0, 12, 27, 513, 4096])
def test_device_name_blob_of_bad_size_is_rejected(size: int) -> None:
    with pytest.raises(DeviceNameRejected):
        decrypt_device_name(bytes(32), bytes(size))


@pytest.mark.parametrize(
    "plaintext",
    [b"x" * 65, b"", b"   ", b"bad\nname", b"\xff\xfe", "evil\u202eexe".encode()],
)
def test_authentic_blob_with_a_bad_name_is_rejected(plaintext: bytes) -> None:
    seed = IdentityKeyPair.generate().seed
    nonce = bytes(12)
    blob = nonce + AESGCM(device_name_key(seed)).encrypt(
        nonce, plaintext, b"chat_desktop device name v1"
    )
    with pytest.raises(DeviceNameRejected):
        decrypt_device_name(seed, blob)


@pytest.mark.parametrize(
    "name",
    ["x" * 65, "", "   ", "tab\there", "new\nline", "nul\x00", "del\x7f", "ls\u2028", "rlo\u202e"],
)
def test_bad_device_name_is_refused_at_encrypt(name: str) -> None:
    with pytest.raises(InvalidDeviceName) as caught:
        encrypt_device_name(bytes(32), name)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, CryptoError)


def test_validate_device_name_returns_the_name_unchanged() -> None:
    assert validate_device_name(" Mein Laptop ") == " Mein Laptop "


def test_device_name_key_needs_a_32_byte_seed() -> None:
    with pytest.raises(InvalidKey):
        device_name_key(bytes(31))
    with pytest.raises(InvalidKey):
        decrypt_device_name(bytes(33), bytes(40))
