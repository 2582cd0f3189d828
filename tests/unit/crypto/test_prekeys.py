"""Prekey generation, signatures and versioned secret-state serialization (docs/protocol.md §1)."""

from __future__ import annotations

import msgspec
import pytest

from chat_desktop.crypto.errors import InvalidKey, InvalidSignature, InvalidState
from chat_desktop.crypto.identity import IdentityKeyPair, encode_public_key, verify_signature
from chat_desktop.crypto.prekeys import (
    NO_PREKEY_ID,
    OneTimePreKey,
    PqPreKey,
    SignedPreKey,
    encode_kem_public_key,
    verify_pq_prekey,
    verify_signed_prekey,
)

pytestmark = pytest.mark.unit


def test_signed_prekey_signature_covers_encoded_key() -> None:
    identity = IdentityKeyPair.generate()
    prekey = SignedPreKey.generate(identity, 7, now=1234)
    assert prekey.key_id == 7
    assert prekey.created_at == 1234
    verify_signature(identity.public_key, encode_public_key(prekey.public_key), prekey.signature)
    verify_signed_prekey(identity.public_key, prekey.public_key, prekey.signature)
    with pytest.raises(InvalidSignature):
        verify_signed_prekey(
            IdentityKeyPair.generate().public_key, prekey.public_key, prekey.signature
        )


def test_pq_prekey_signature_covers_encoded_kem_key() -> None:
    identity = IdentityKeyPair.generate()
    prekey = PqPreKey.generate(identity, 9, last_resort=True)
    assert len(prekey.public_key) == 1568
    assert prekey.last_resort
    encoded = encode_kem_public_key(prekey.public_key)
    assert encoded[0] == 0x0A and len(encoded) == 1569
    verify_signature(identity.public_key, encoded, prekey.signature)
    verify_pq_prekey(identity.public_key, prekey.public_key, prekey.signature)
    with pytest.raises(InvalidSignature):
        # A signature over Encode(SPK) form must not pass as a KEM signature.
        verify_pq_prekey(identity.public_key, prekey.public_key, identity.sign(prekey.public_key))


def test_signed_prekey_round_trips() -> None:
    prekey = SignedPreKey.generate(IdentityKeyPair.generate(), 1)
    restored = SignedPreKey.from_bytes(prekey.to_bytes())
    assert restored.key_id == prekey.key_id
    assert restored.public_key == prekey.public_key
    assert restored.signature == prekey.signature
    assert restored.created_at == prekey.created_at
    assert restored.to_bytes() == prekey.to_bytes()


def test_one_time_prekeys_round_trip_in_batches() -> None:
    batch = OneTimePreKey.generate_batch(100, 5)
    assert [prekey.key_id for prekey in batch] == [100, 101, 102, 103, 104]
    assert len({prekey.public_key for prekey in batch}) == 5
    for prekey in batch:
        restored = OneTimePreKey.from_bytes(prekey.to_bytes())
        assert (restored.key_id, restored.public_key) == (prekey.key_id, prekey.public_key)


def test_pq_prekey_round_trips_and_still_decapsulates() -> None:
    identity = IdentityKeyPair.generate()
    (prekey,) = PqPreKey.generate_batch(identity, 50, 1)
    restored = PqPreKey.from_bytes(prekey.to_bytes())
    assert restored.public_key == prekey.public_key
    assert restored.last_resort is False
    shared, ciphertext = prekey.private_key.public_key().encapsulate()
    assert restored.private_key.decapsulate(ciphertext) == shared


@pytest.mark.parametrize("key_id", [-1, NO_PREKEY_ID, 2**32])
def test_out_of_range_ids_are_rejected(key_id: int) -> None:
    with pytest.raises(InvalidKey):
        OneTimePreKey.generate(key_id)


@pytest.mark.parametrize("kind", [SignedPreKey, OneTimePreKey, PqPreKey])
def test_malformed_or_future_state_is_rejected(
    kind: type[SignedPreKey] | type[OneTimePreKey] | type[PqPreKey],
) -> None:
    with pytest.raises(InvalidState):
        kind.from_bytes(b"not msgpack")
    identity = IdentityKeyPair.generate()
    current: SignedPreKey | OneTimePreKey | PqPreKey = (
        SignedPreKey.generate(identity, 1)
        if kind is SignedPreKey
        else PqPreKey.generate(identity, 1)
        if kind is PqPreKey
        else OneTimePreKey.generate(1)
    )
    fields = msgspec.msgpack.decode(current.to_bytes())
    fields[0] = 2  # version
    with pytest.raises(InvalidState):
        kind.from_bytes(msgspec.msgpack.encode(fields))


def test_reprs_hide_private_keys() -> None:
    identity = IdentityKeyPair.generate()
    signed = SignedPreKey.generate(identity, 1)
    one_time = OneTimePreKey.generate(2)
    pq = PqPreKey.generate(identity, 3)
    assert signed.private_key.private_bytes_raw().hex() not in repr(signed)
    assert one_time.private_key.private_bytes_raw().hex() not in repr(one_time)
    assert pq.private_key.private_bytes_raw().hex() not in repr(pq)
