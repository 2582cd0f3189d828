"""PQXDH agreement (docs/protocol.md §2): both sides derive the same SK and AD."""

from __future__ import annotations

import pytest
from crypto_devices import make_device
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import InvalidKey
from chat_desktop.crypto.identity import IdentityKeyPair, encode_public_key
from chat_desktop.crypto.x3dh import pqxdh_initiate, pqxdh_respond

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("with_one_time_prekey", [True, False])
def test_both_sides_agree(with_one_time_prekey: bool) -> None:
    alice = IdentityKeyPair.generate()
    bob = make_device(with_one_time_prekey=with_one_time_prekey)
    initiator = pqxdh_initiate(alice, bob.bundle)
    assert initiator.kem_ciphertext is not None
    responder = pqxdh_respond(
        bob.identity,
        initiator_identity_key=alice.public_key,
        ephemeral_key=initiator.ephemeral_public_key,
        signed_prekey=bob.signed_prekey,
        one_time_prekey=bob.one_time_prekey,
        pq_prekey=bob.pq_prekey,
        kem_ciphertext=initiator.kem_ciphertext,
    )
    assert responder.shared_secret == initiator.shared_secret
    assert len(initiator.shared_secret) == 32
    expected_ad = encode_public_key(alice.public_key) + encode_public_key(bob.identity.public_key)
    assert responder.associated_data == initiator.associated_data == expected_ad
    assert initiator.shared_secret.hex() not in repr(initiator)


def test_kem_secret_and_one_time_prekey_enter_the_secret() -> None:
    alice = IdentityKeyPair.generate()
    bob = make_device()
    ephemeral = X25519PrivateKey.generate()
    initiator = pqxdh_initiate(alice, bob.bundle, ephemeral_key=ephemeral)
    assert initiator.kem_ciphertext is not None
    tampered_ct = bytes([initiator.kem_ciphertext[0] ^ 1]) + initiator.kem_ciphertext[1:]
    without_kem = pqxdh_respond(
        bob.identity,
        initiator_identity_key=alice.public_key,
        ephemeral_key=initiator.ephemeral_public_key,
        signed_prekey=bob.signed_prekey,
        one_time_prekey=bob.one_time_prekey,
        pq_prekey=bob.pq_prekey,
        kem_ciphertext=tampered_ct,
    )
    without_opk = pqxdh_respond(
        bob.identity,
        initiator_identity_key=alice.public_key,
        ephemeral_key=initiator.ephemeral_public_key,
        signed_prekey=bob.signed_prekey,
        one_time_prekey=None,
        pq_prekey=bob.pq_prekey,
        kem_ciphertext=initiator.kem_ciphertext,
    )
    assert without_kem.shared_secret != initiator.shared_secret
    assert without_opk.shared_secret != initiator.shared_secret


@pytest.mark.parametrize("bad", [bytes(32), (1).to_bytes(32, "little"), b"\xff" * 32])
def test_responder_rejects_bad_initiator_keys(bad: bytes) -> None:
    bob = make_device()
    initiator = pqxdh_initiate(IdentityKeyPair.generate(), bob.bundle)
    assert initiator.kem_ciphertext is not None
    for identity_key, ephemeral_key in (
        (bad, initiator.ephemeral_public_key),
        (bob.identity.public_key, bad),
    ):
        with pytest.raises(InvalidKey):
            pqxdh_respond(
                bob.identity,
                initiator_identity_key=identity_key,
                ephemeral_key=ephemeral_key,
                signed_prekey=bob.signed_prekey,
                one_time_prekey=bob.one_time_prekey,
                pq_prekey=bob.pq_prekey,
                kem_ciphertext=initiator.kem_ciphertext,
            )
