"""Published known-answer vectors (RFC 7748, RFC 8032, RFC 5869) and the primitive checks."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from chat_desktop.crypto.errors import InvalidKey, InvalidMessage
from chat_desktop.crypto.identity import IdentityKeyPair, montgomery_to_edwards, verify_signature
from chat_desktop.crypto.primitives import (
    FIELD_PRIME,
    aes256_cbc_decrypt,
    aes256_cbc_encrypt,
    check_x25519_public_bytes,
    hkdf_sha256,
    load_x25519_private,
    load_x25519_public,
    mlkem1024_decapsulate,
    mlkem1024_encapsulate,
    mlkem1024_from_seed,
    mlkem1024_generate,
    mlkem1024_load_public,
    pkcs7_pad,
    pkcs7_unpad,
    x25519,
    x25519_public_bytes,
)

pytestmark = pytest.mark.unit

# RFC 7748 §5.2: (scalar, input u, output u).
RFC7748_SCALARMULT = [
    (
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ),
    (
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ),
]
RFC7748_ITERATED = {
    1: "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
    1000: "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
}

# RFC 8032 §7.1 TEST 1–3: (secret key, public key, message, signature).
RFC8032_ED25519 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
        "d25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
        "387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc659"
        "4a7c15e9716ed28dc027beceea1ec40a",
    ),
]

# RFC 5869 Appendix A, test cases 1–3 (SHA-256): (ikm, salt, info, length, okm).
RFC5869_HKDF = [
    (
        bytes.fromhex("0b" * 22),
        bytes(range(0x00, 0x0D)),
        bytes(range(0xF0, 0xFA)),
        42,
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (
        bytes(range(0x00, 0x50)),
        bytes(range(0x60, 0xB0)),
        bytes(range(0xB0, 0x100)),
        82,
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
        "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    ),
    (
        bytes.fromhex("0b" * 22),
        b"",
        b"",
        42,
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
]

LOW_ORDER_POINTS = [
    0,
    1,
    325606250916557431795983626356110631294008115727848805560023387167927233504,
    39382357235489614581723060781553021112529911719440698176882885853963445705823,
    FIELD_PRIME - 1,
]


def _raw_x25519(scalar: bytes, u: bytes) -> bytes:
    """The bare RFC 7748 function (masks bit 255 of u), without the protocol's key checks."""
    return X25519PrivateKey.from_private_bytes(scalar).exchange(
        X25519PublicKey.from_public_bytes(u)
    )


@pytest.mark.parametrize(("scalar", "u", "expected"), RFC7748_SCALARMULT)
def test_rfc7748_scalar_multiplication(scalar: str, u: str, expected: str) -> None:
    assert _raw_x25519(bytes.fromhex(scalar), bytes.fromhex(u)).hex() == expected


def test_rfc7748_vector_1_through_checked_wrapper() -> None:
    scalar, u, expected = RFC7748_SCALARMULT[0]
    private = load_x25519_private(bytes.fromhex(scalar))
    assert x25519(private, load_x25519_public(bytes.fromhex(u))).hex() == expected


def test_rfc7748_vector_2_input_is_non_canonical_for_the_protocol() -> None:
    # Its u sets bit 255, which RFC 7748 masks but docs/protocol.md §1 rejects as non-canonical.
    with pytest.raises(InvalidKey):
        load_x25519_public(bytes.fromhex(RFC7748_SCALARMULT[1][1]))


def test_rfc7748_iterated() -> None:
    k = u = (9).to_bytes(32, "little")
    for iteration in range(1, 1001):
        k, u = _raw_x25519(k, u), k
        if iteration in RFC7748_ITERATED:
            assert k.hex() == RFC7748_ITERATED[iteration]


def test_rfc7748_section_6_1_diffie_hellman() -> None:
    alice = load_x25519_private(
        bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    bob = load_x25519_private(
        bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    )
    alice_public = x25519_public_bytes(alice)
    bob_public = x25519_public_bytes(bob)
    assert alice_public.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert bob_public.hex() == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert x25519(alice, load_x25519_public(bob_public)).hex() == shared
    assert x25519(bob, load_x25519_public(alice_public)).hex() == shared


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_ED25519)
def test_rfc8032_ed25519_through_identity_keys(
    secret: str, public: str, message: str, signature: str
) -> None:
    # All three RFC public keys have sign bit 0, so they are valid identity seeds.
    identity = IdentityKeyPair.from_seed(bytes.fromhex(secret))
    assert identity.sign(bytes.fromhex(message)).hex() == signature
    verify_signature(identity.public_key, bytes.fromhex(message), bytes.fromhex(signature))
    assert montgomery_to_edwards(identity.public_key).public_bytes_raw().hex() == public


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "okm"), RFC5869_HKDF)
def test_rfc5869_hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int, okm: str) -> None:
    assert hkdf_sha256(ikm, salt, info, length).hex() == okm


@pytest.mark.parametrize("u", LOW_ORDER_POINTS)
def test_low_order_public_keys_are_rejected(u: int) -> None:
    with pytest.raises(InvalidKey):
        load_x25519_public(u.to_bytes(32, "little"))


@pytest.mark.parametrize("u", [FIELD_PRIME, FIELD_PRIME + 1, 2**255 - 1, 2**255 + 9])
def test_non_canonical_public_keys_are_rejected(u: int) -> None:
    with pytest.raises(InvalidKey):
        check_x25519_public_bytes((u % 2**256).to_bytes(32, "little"))


def test_wrong_length_public_key_is_rejected() -> None:
    with pytest.raises(InvalidKey):
        load_x25519_public(bytes(31))


@pytest.mark.parametrize("u", LOW_ORDER_POINTS[:4])
def test_all_zero_dh_output_is_rejected(u: int) -> None:
    # Bypass the load-time check to reach the output check: low-order input → zero output.
    public = X25519PublicKey.from_public_bytes(u.to_bytes(32, "little"))
    with pytest.raises(InvalidKey):
        x25519(X25519PrivateKey.generate(), public)


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 100])
def test_pkcs7_round_trip(length: int) -> None:
    data = bytes(range(length))
    padded = pkcs7_pad(data)
    assert len(padded) % 16 == 0
    assert len(padded) > len(data)
    assert pkcs7_unpad(padded) == data


@pytest.mark.parametrize("bad", [b"", b"\x00" * 16, b"\x11" * 16, b"\x01" * 15 + b"\x02"])
def test_pkcs7_rejects_bad_padding(bad: bytes) -> None:
    with pytest.raises(InvalidMessage):
        pkcs7_unpad(bad)


def test_aes_cbc_round_trip_and_length_check() -> None:
    key, iv = bytes(range(32)), bytes(16)
    ciphertext = aes256_cbc_encrypt(key, iv, pkcs7_pad(b"attack at dawn"))
    assert pkcs7_unpad(aes256_cbc_decrypt(key, iv, ciphertext)) == b"attack at dawn"
    with pytest.raises(InvalidMessage):
        aes256_cbc_decrypt(key, iv, ciphertext[:-1])


def test_mlkem1024_round_trip_and_seed_restore() -> None:
    private = mlkem1024_generate()
    public = mlkem1024_load_public(private.public_key().public_bytes_raw())
    ciphertext, secret = mlkem1024_encapsulate(public)
    assert len(ciphertext) == 1568
    assert len(secret) == 32
    restored = mlkem1024_from_seed(private.private_bytes_raw())
    assert mlkem1024_decapsulate(restored, ciphertext) == secret
    # Implicit rejection: a tampered ciphertext yields an unrelated secret, not an error.
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    assert mlkem1024_decapsulate(private, tampered) != secret


def test_mlkem1024_rejects_malformed_inputs() -> None:
    with pytest.raises(InvalidKey):
        mlkem1024_load_public(bytes(1567))
    with pytest.raises(InvalidKey):
        mlkem1024_load_public(b"\xff" * 1568)  # coefficients ≥ q fail the FIPS 203 check
    with pytest.raises(InvalidKey):
        mlkem1024_from_seed(bytes(63))
    with pytest.raises(InvalidMessage):
        mlkem1024_decapsulate(mlkem1024_generate(), bytes(1567))
