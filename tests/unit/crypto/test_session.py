"""Sessions end to end: PQXDH setup, wire framing, resent PreKey messages, tampering."""

from __future__ import annotations

import dataclasses

import pytest
from crypto_devices import Device, make_device

from chat_desktop.crypto.errors import (
    BundleRejected,
    CryptoError,
    DuplicateMessage,
    InvalidMessage,
    InvalidState,
    UntrustedIdentity,
)
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.session import Session, message_type, parse_prekey_message
from chat_desktop.crypto.wire import PREKEY_PREFIX_SIZE

pytestmark = pytest.mark.unit

NOW = 1_700_000_000


def _respond(bob: Device, body: bytes) -> tuple[Session, bytes]:
    return Session.respond(
        bob.identity, body, bob.signed_prekey, bob.one_time_prekey, bob.pq_prekey, now=NOW
    )


@pytest.mark.parametrize("with_one_time_prekey", [True, False])
def test_full_pqxdh_session_round_trip_both_ways(with_one_time_prekey: bool) -> None:
    alice_identity = IdentityKeyPair.generate()
    bob = make_device(with_one_time_prekey=with_one_time_prekey)
    alice = Session.initiate(alice_identity, bob.bundle)
    awaiting_before_reply = alice.awaiting_reply

    first = alice.encrypt(b"hello bob")
    assert message_type(first) == 1
    parsed = parse_prekey_message(first)
    assert parsed.identity_key == alice_identity.public_key
    assert parsed.signed_prekey_id == bob.signed_prekey.key_id
    assert parsed.pq_prekey_id == bob.pq_prekey.key_id
    expected_opk_id = bob.one_time_prekey.key_id if bob.one_time_prekey else None
    assert parsed.one_time_prekey_id == expected_opk_id

    bob_session, plaintext = _respond(bob, first)
    assert plaintext == b"hello bob"
    assert bob_session.remote_identity_key == alice_identity.public_key
    assert bob_session.base_key == alice.base_key

    reply = bob_session.encrypt(b"hi alice")
    assert message_type(reply) == 2
    assert alice.decrypt(reply, now=NOW) == b"hi alice"
    assert (awaiting_before_reply, alice.awaiting_reply) == (True, False)

    for round_number in range(3):
        to_bob = alice.encrypt(b"a%d" % round_number)
        assert message_type(to_bob) == 2
        assert bob_session.decrypt(to_bob, now=NOW) == b"a%d" % round_number
        to_alice = bob_session.encrypt(b"b%d" % round_number)
        assert alice.decrypt(to_alice, now=NOW) == b"b%d" % round_number


def test_alice_keeps_sending_prekey_messages_until_a_reply() -> None:
    alice = Session.initiate(IdentityKeyPair.generate(), make_device().bundle)
    bodies = [alice.encrypt(b"m%d" % i) for i in range(3)]
    assert all(message_type(body) == 1 for body in bodies)
    assert {body[:PREKEY_PREFIX_SIZE] for body in bodies} == {bodies[0][:PREKEY_PREFIX_SIZE]}


def test_resent_prekey_messages_decrypt_with_the_existing_session() -> None:
    bob = make_device()
    alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
    bodies = [alice.encrypt(b"m%d" % i) for i in range(3)]
    # The second arrives first and creates Bob's session.
    bob_session, plaintext = _respond(bob, bodies[1])
    assert plaintext == b"m1"
    for index in (2, 0):
        assert bob_session.is_session_of(parse_prekey_message(bodies[index]))
        assert bob_session.decrypt(bodies[index], now=NOW) == b"m%d" % index
    before = bob_session.to_bytes()
    with pytest.raises(DuplicateMessage):
        bob_session.decrypt(bodies[0], now=NOW)
    assert bob_session.to_bytes() == before


def test_prekey_message_of_another_session_is_not_ours() -> None:
    bob = make_device()
    alice_identity = IdentityKeyPair.generate()
    first = Session.initiate(alice_identity, bob.bundle).encrypt(b"one")
    bob_session, _ = _respond(bob, first)
    # Alice reset her session: a new base key, so Bob must call respond again.
    second = Session.initiate(alice_identity, bob.bundle).encrypt(b"two")
    assert not bob_session.is_session_of(parse_prekey_message(second))
    before = bob_session.to_bytes()
    with pytest.raises(InvalidMessage):
        bob_session.decrypt(second, now=NOW)
    assert bob_session.to_bytes() == before
    new_session, plaintext = _respond(bob, second)
    assert plaintext == b"two"
    assert new_session.base_key != bob_session.base_key


def test_prekey_message_from_another_identity_is_untrusted() -> None:
    bob = make_device()
    bob_session, _ = _respond(
        bob, Session.initiate(IdentityKeyPair.generate(), bob.bundle).encrypt(b"x")
    )
    mallory = Session.initiate(IdentityKeyPair.generate(), bob.bundle).encrypt(b"y")
    with pytest.raises(UntrustedIdentity):
        bob_session.decrypt(mallory, now=NOW)


def test_respond_rejects_prekeys_other_than_named() -> None:
    bob = make_device()
    alice_identity = IdentityKeyPair.generate()
    body = Session.initiate(alice_identity, bob.bundle).encrypt(b"x")
    other_spk = SignedPreKey.generate(bob.identity, 99)
    other_pq = PqPreKey.generate(bob.identity, 98)
    other_opk = OneTimePreKey.generate(97)
    with pytest.raises(InvalidMessage):
        Session.respond(bob.identity, body, other_spk, bob.one_time_prekey, bob.pq_prekey)
    with pytest.raises(InvalidMessage):
        Session.respond(bob.identity, body, bob.signed_prekey, bob.one_time_prekey, other_pq)
    with pytest.raises(InvalidMessage):
        Session.respond(bob.identity, body, bob.signed_prekey, other_opk, bob.pq_prekey)
    with pytest.raises(InvalidMessage):
        Session.respond(bob.identity, body, bob.signed_prekey, None, bob.pq_prekey)


def test_respond_with_wrong_identity_fails_authentication() -> None:
    bob = make_device()
    body = Session.initiate(IdentityKeyPair.generate(), bob.bundle).encrypt(b"x")
    with pytest.raises(InvalidMessage):
        Session.respond(
            IdentityKeyPair.generate(),
            body,
            bob.signed_prekey,
            bob.one_time_prekey,
            bob.pq_prekey,
        )


def test_bundle_without_pq_prekey_is_rejected() -> None:
    bob = make_device()
    for bundle in (
        dataclasses.replace(bob.bundle, pq_prekey=None),
        dataclasses.replace(bob.bundle, pq_prekey_id=None),
        dataclasses.replace(bob.bundle, pq_prekey_signature=None),
        dataclasses.replace(
            bob.bundle, pq_prekey=None, pq_prekey_id=None, pq_prekey_signature=None
        ),
    ):
        with pytest.raises(BundleRejected):
            Session.initiate(IdentityKeyPair.generate(), bundle)


@pytest.mark.parametrize(
    "field", ["signed_prekey_signature", "pq_prekey_signature", "signed_prekey", "pq_prekey"]
)
def test_bundle_with_bad_signature_is_rejected(field: str) -> None:
    bob = make_device()
    value = getattr(bob.bundle, field)
    tampered = bytes([value[0] ^ 0x01]) + value[1:]
    with pytest.raises(BundleRejected):
        Session.initiate(
            IdentityKeyPair.generate(), dataclasses.replace(bob.bundle, **{field: tampered})
        )


def test_bundle_signed_by_another_identity_is_rejected() -> None:
    bob = make_device()
    impostor = dataclasses.replace(bob.bundle, identity_key=IdentityKeyPair.generate().public_key)
    with pytest.raises(BundleRejected):
        Session.initiate(IdentityKeyPair.generate(), impostor)


@pytest.mark.parametrize("field", ["one_time_prekey", "identity_key"])
@pytest.mark.parametrize("low_order", [bytes(32), (1).to_bytes(32, "little")])
def test_bundle_with_low_order_key_is_rejected(field: str, low_order: bytes) -> None:
    bob = make_device()
    if field == "identity_key":
        bundle = dataclasses.replace(bob.bundle, identity_key=low_order)
    else:
        bundle = dataclasses.replace(bob.bundle, one_time_prekey=low_order)
    with pytest.raises(BundleRejected):
        Session.initiate(IdentityKeyPair.generate(), bundle)


def test_bundle_with_half_a_one_time_prekey_is_rejected() -> None:
    bob = make_device()
    with pytest.raises(BundleRejected):
        Session.initiate(
            IdentityKeyPair.generate(), dataclasses.replace(bob.bundle, one_time_prekey_id=None)
        )


def test_serialized_sessions_continue_the_conversation() -> None:
    bob = make_device()
    alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
    pending = [alice.encrypt(b"p%d" % i) for i in range(3)]
    bob_session, _ = _respond(bob, pending[2])
    alice = Session.from_bytes(alice.to_bytes())
    bob_session = Session.from_bytes(bob_session.to_bytes())
    assert bob_session.decrypt(pending[0], now=NOW) == b"p0"
    assert alice.decrypt(bob_session.encrypt(b"r"), now=NOW) == b"r"
    alice = Session.from_bytes(alice.to_bytes())
    assert not alice.awaiting_reply
    assert bob_session.decrypt(alice.encrypt(b"after"), now=NOW) == b"after"
    assert Session.from_bytes(bob_session.to_bytes()).to_bytes() == bob_session.to_bytes()


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x92\x01\x02", b"garbage" * 10])
def test_malformed_session_state_is_rejected(data: bytes) -> None:
    with pytest.raises(InvalidState):
        Session.from_bytes(data)


def test_message_type_and_parse_reject_garbage() -> None:
    for body in (b"", b"\x00", b"\x03abc"):
        with pytest.raises(InvalidMessage):
            message_type(body)
    with pytest.raises(InvalidMessage):
        parse_prekey_message(b"\x01" + bytes(100))
    with pytest.raises(InvalidMessage):
        parse_prekey_message(b"\x02" + bytes(2000))


def _flip(body: bytes, bit: int) -> bytes:
    tampered = bytearray(body)
    tampered[bit // 8] ^= 1 << (bit % 8)
    return bytes(tampered)


def test_every_bit_flip_of_a_normal_message_is_rejected_without_state_change() -> None:
    bob = make_device()
    alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
    bob_session, _ = _respond(bob, alice.encrypt(b"hello"))
    alice.decrypt(bob_session.encrypt(b"reply"), now=NOW)
    body = alice.encrypt(b"the real message, longer than one block")
    before = bob_session.to_bytes()
    for bit in range(len(body) * 8):
        with pytest.raises(CryptoError):
            bob_session.decrypt(_flip(body, bit), now=NOW)
        assert bob_session.to_bytes() == before, bit
    assert bob_session.decrypt(body, now=NOW) == b"the real message, longer than one block"


def test_bit_flips_of_a_prekey_message_are_rejected() -> None:
    bob = make_device()
    body = Session.initiate(IdentityKeyPair.generate(), bob.bundle).encrypt(b"first")
    ciphertext_start = 1 + 32 + 32 + 12
    bits = [
        *range(ciphertext_start * 8),  # type, keys, ids: every bit
        *(byte * 8 + 3 for byte in range(ciphertext_start, PREKEY_PREFIX_SIZE, 7)),  # KEM CT
        *range(PREKEY_PREFIX_SIZE * 8, len(body) * 8),  # the ratchet message: every bit
    ]
    for bit in bits:
        with pytest.raises(CryptoError):
            _respond(bob, _flip(body, bit))
    # Also against Bob's existing session (a resent PreKey message), without state change.
    bob_session, _ = _respond(bob, body)
    before = bob_session.to_bytes()
    for bit in bits:
        with pytest.raises(CryptoError):
            bob_session.decrypt(_flip(body, bit), now=NOW)
    assert bob_session.to_bytes() == before


def test_truncated_and_extended_bodies_are_rejected() -> None:
    bob = make_device()
    alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
    bob_session, _ = _respond(bob, alice.encrypt(b"hello"))
    body = bob_session.encrypt(b"x")
    for bad in (body[:-1], body[:-16], body + b"\x00", body + bytes(16), body[:40]):
        with pytest.raises(InvalidMessage):
            alice.decrypt(bad, now=NOW)
    assert alice.decrypt(body, now=NOW) == b"x"


def test_repr_hides_secrets() -> None:
    bob = make_device()
    alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
    assert "Session(" in repr(alice)
    assert bob.signed_prekey.private_key.private_bytes_raw().hex() not in repr(bob.signed_prekey)
