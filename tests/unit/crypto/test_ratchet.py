"""Double Ratchet limits and bookkeeping (docs/protocol.md §3): skips, eviction, expiry."""

from __future__ import annotations

import os

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import (
    DuplicateMessage,
    InvalidMessage,
    InvalidState,
    MessageKeyLost,
    TooManySkippedMessages,
)
from chat_desktop.crypto.primitives import x25519_public_bytes
from chat_desktop.crypto.ratchet import (
    MAX_SKIP,
    MAX_STORED_SKIPPED_KEYS,
    SKIPPED_KEY_MAX_AGE,
    RatchetState,
)

pytestmark = pytest.mark.unit

NOW = 1_700_000_000
AD = bytes(66)


class CountingKeyGenerator:
    """A key generator that counts calls, to show rejected messages generate no keys."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> X25519PrivateKey:
        self.calls += 1
        return X25519PrivateKey.generate()


def _pair() -> tuple[RatchetState, RatchetState, CountingKeyGenerator]:
    shared_secret = os.urandom(32)
    bob_spk = X25519PrivateKey.generate()
    bob_keys = CountingKeyGenerator()
    alice = RatchetState.initialize_as_initiator(shared_secret, x25519_public_bytes(bob_spk), AD)
    bob = RatchetState.initialize_as_responder(shared_secret, bob_spk, AD, key_generator=bob_keys)
    return alice, bob, bob_keys


def _established() -> tuple[RatchetState, RatchetState, CountingKeyGenerator]:
    """A pair that exchanged one message each way, so both have both chains."""
    alice, bob, bob_keys = _pair()
    bob.decrypt(alice.encrypt(b"hi"), now=NOW)
    alice.decrypt(bob.encrypt(b"hi back"), now=NOW)
    return alice, bob, bob_keys


def test_responder_cannot_encrypt_before_first_message() -> None:
    _, bob, _ = _pair()
    assert not bob.can_encrypt
    with pytest.raises(InvalidState):
        bob.encrypt(b"too early")


def test_skip_up_to_max_skip_in_current_chain_is_accepted() -> None:
    alice, bob, _ = _established()
    messages = [alice.encrypt(b"%d" % i) for i in range(MAX_SKIP + 1)]
    assert bob.decrypt(messages[MAX_SKIP], now=NOW) == b"%d" % MAX_SKIP
    assert bob.stored_skipped_key_count == MAX_SKIP
    assert bob.decrypt(messages[0], now=NOW) == b"0"
    assert bob.stored_skipped_key_count == MAX_SKIP - 1


def test_jump_beyond_max_skip_in_current_chain_is_rejected_without_change() -> None:
    alice, bob, bob_keys = _established()
    messages = [alice.encrypt(b"%d" % i) for i in range(MAX_SKIP + 2)]
    before = bob.to_bytes()
    calls = bob_keys.calls
    with pytest.raises(TooManySkippedMessages):
        bob.decrypt(messages[MAX_SKIP + 1], now=NOW)
    assert bob.to_bytes() == before
    assert bob_keys.calls == calls
    assert bob.decrypt(messages[0], now=NOW) == b"0"


def test_jump_beyond_max_skip_in_new_chain_is_rejected_without_change() -> None:
    alice, bob, bob_keys = _established()
    bob.decrypt(alice.encrypt(b"ack"), now=NOW)
    # Alice's next sending chain starts after she receives this:
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)
    messages = [alice.encrypt(b"%d" % i) for i in range(MAX_SKIP + 2)]
    before = bob.to_bytes()
    calls = bob_keys.calls
    with pytest.raises(TooManySkippedMessages):
        bob.decrypt(messages[MAX_SKIP + 1], now=NOW)
    assert bob.to_bytes() == before
    assert bob_keys.calls == calls
    assert bob.decrypt(messages[MAX_SKIP], now=NOW) == b"%d" % MAX_SKIP


def test_previous_chain_skip_beyond_max_skip_is_rejected() -> None:
    alice, bob, _ = _established()
    for i in range(MAX_SKIP + 1):
        alice.encrypt(b"lost %d" % i)  # never delivered
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)  # Alice steps: pn = MAX_SKIP + 1
    before = bob.to_bytes()
    with pytest.raises(TooManySkippedMessages):
        bob.decrypt(alice.encrypt(b"new chain"), now=NOW)
    assert bob.to_bytes() == before


def _fill_chain_skips(alice: RatchetState, bob: RatchetState) -> list[bytes]:
    """Alice sends MAX_SKIP + 1 messages; Bob gets only the last, storing MAX_SKIP keys.

    Then one reply makes Alice start a new chain. Returns the undelivered messages.
    """
    messages = [alice.encrypt(b"m%d" % i) for i in range(MAX_SKIP + 1)]
    bob.decrypt(messages[-1], now=NOW)
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)
    return messages[:-1]


def test_stored_skipped_keys_never_exceed_the_cap_and_oldest_are_evicted_as_lost() -> None:
    alice, bob, _ = _established()
    first_chain = _fill_chain_skips(alice, bob)
    second_chain = _fill_chain_skips(alice, bob)
    assert bob.stored_skipped_key_count == 2 * MAX_SKIP == MAX_STORED_SKIPPED_KEYS
    third_chain = _fill_chain_skips(alice, bob)
    assert bob.stored_skipped_key_count == MAX_STORED_SKIPPED_KEYS
    # The first chain's keys were the oldest: evicted, so its messages are lost. Later ones
    # still decrypt.
    with pytest.raises(MessageKeyLost):
        bob.decrypt(first_chain[0], now=NOW)
    assert bob.decrypt(second_chain[0], now=NOW) == b"m0"
    assert bob.decrypt(third_chain[-1], now=NOW) == b"m%d" % (MAX_SKIP - 1)
    assert bob.stored_skipped_key_count == MAX_STORED_SKIPPED_KEYS - 2


def test_skipped_keys_expire_after_30_days() -> None:
    alice, bob, _ = _established()
    late = alice.encrypt(b"late")
    bob.decrypt(alice.encrypt(b"on time"), now=NOW)
    assert bob.stored_skipped_key_count == 1
    before = bob.to_bytes()
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=NOW + SKIPPED_KEY_MAX_AGE + 1)
    assert bob.to_bytes() == before
    # Any successful decrypt after the deadline prunes the expired key.
    bob.decrypt(alice.encrypt(b"next"), now=NOW + SKIPPED_KEY_MAX_AGE + 1)
    assert bob.stored_skipped_key_count == 0


def test_skipped_key_within_30_days_still_works() -> None:
    alice, bob, _ = _established()
    late = alice.encrypt(b"late")
    bob.decrypt(alice.encrypt(b"on time"), now=NOW)
    assert bob.decrypt(late, now=NOW + SKIPPED_KEY_MAX_AGE - 1) == b"late"


def test_duplicates_in_current_and_old_chains_raise_duplicate() -> None:
    alice, bob, _ = _established()
    current = alice.encrypt(b"current")
    assert bob.decrypt(current, now=NOW) == b"current"
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)
    bob.decrypt(alice.encrypt(b"new chain"), now=NOW)
    # "current" now lies in a finished chain; its key was used, not skipped.
    before = bob.to_bytes()
    with pytest.raises(DuplicateMessage):
        bob.decrypt(current, now=NOW)
    assert bob.to_bytes() == before


def test_message_beyond_end_of_finished_chain_is_invalid() -> None:
    alice, bob, _ = _established()
    old_chain = [alice.encrypt(b"a"), alice.encrypt(b"b")]
    bob.decrypt(old_chain[0], now=NOW)
    alice_copy = RatchetState.from_bytes(alice.to_bytes())
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)
    bob.decrypt(alice.encrypt(b"new"), now=NOW)  # chain closed with pn = 2
    beyond = alice_copy.encrypt(b"forged continuation")  # counter 2 of the closed chain
    with pytest.raises(InvalidMessage):
        bob.decrypt(beyond, now=NOW)
    assert bob.decrypt(old_chain[1], now=NOW) == b"b"


def test_state_round_trips_through_bytes() -> None:
    alice, bob, _ = _established()
    skipped = alice.encrypt(b"skipped")
    bob.decrypt(alice.encrypt(b"x"), now=NOW)
    restored = RatchetState.from_bytes(bob.to_bytes())
    assert restored.to_bytes() == bob.to_bytes()
    assert restored.decrypt(skipped, now=NOW) == b"skipped"


def test_unknown_state_version_is_rejected() -> None:
    _, bob, _ = _established()
    record = bob.to_record()
    data = msgspec.msgpack.encode(msgspec.structs.replace(record, version=3))
    with pytest.raises(InvalidState):
        RatchetState.from_bytes(data)
