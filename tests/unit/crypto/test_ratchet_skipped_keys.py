"""Skipped message keys over many DH steps, and lost messages told apart from duplicates.

A skipped key that is still stored must decrypt its message however many DH ratchet steps
later. A skipped key that expired or was evicted means the message is lost for good, which the
user must learn about (``MessageKeyLost``); a message whose key was used is a duplicate that
the app drops silently (``DuplicateMessage``). Neither failure changes the state.
"""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.errors import DuplicateMessage, InvalidMessage, MessageKeyLost
from chat_desktop.crypto.primitives import x25519_public_bytes
from chat_desktop.crypto.ratchet import (
    MAX_LOST_KEY_RANGES,
    MAX_REMEMBERED_CHAINS,
    MAX_SKIP,
    MAX_STORED_SKIPPED_KEYS,
    SKIPPED_KEY_MAX_AGE,
    RatchetState,
)

pytestmark = pytest.mark.unit

NOW = 1_700_000_000
LATER = NOW + SKIPPED_KEY_MAX_AGE + 1
AD = bytes(66)


def _established() -> tuple[RatchetState, RatchetState]:
    """Alice and Bob after one message each way, so both have both chains."""
    shared_secret = os.urandom(32)
    bob_spk = X25519PrivateKey.generate()
    alice = RatchetState.initialize_as_initiator(shared_secret, x25519_public_bytes(bob_spk), AD)
    bob = RatchetState.initialize_as_responder(shared_secret, bob_spk, AD)
    bob.decrypt(alice.encrypt(b"hi"), now=NOW)
    alice.decrypt(bob.encrypt(b"hi back"), now=NOW)
    return alice, bob


def _round_trips(alice: RatchetState, bob: RatchetState, count: int, now: int = NOW) -> None:
    """``count`` DH ratchet round trips: each side steps once per trip."""
    for index in range(count):
        assert alice.decrypt(bob.encrypt(b"b%d" % index), now=now) == b"b%d" % index
        assert bob.decrypt(alice.encrypt(b"a%d" % index), now=now) == b"a%d" % index


def _skip_one(alice: RatchetState, bob: RatchetState, now: int = NOW) -> bytes:
    """Alice sends two messages; Bob gets the second. Returns the skipped first one."""
    late = alice.encrypt(b"late")
    assert bob.decrypt(alice.encrypt(b"on time"), now=now) == b"on time"
    return late


def test_skipped_key_decrypts_after_more_dh_steps_than_remembered_chains() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)
    _round_trips(alice, bob, MAX_REMEMBERED_CHAINS + 36)
    assert bob.stored_skipped_key_count == 1
    assert bob.decrypt(late, now=NOW) == b"late"
    assert bob.stored_skipped_key_count == 0
    before = bob.to_bytes()
    with pytest.raises(DuplicateMessage):
        bob.decrypt(late, now=NOW)
    assert bob.to_bytes() == before


def test_skipped_key_of_a_forgotten_chain_survives_serialization() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)
    _round_trips(alice, bob, MAX_REMEMBERED_CHAINS + 1)
    restored = RatchetState.from_bytes(bob.to_bytes())
    assert restored.decrypt(late, now=NOW) == b"late"


def test_forged_message_under_a_stored_skipped_key_is_invalid_and_changes_nothing() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)
    _round_trips(alice, bob, MAX_REMEMBERED_CHAINS + 1)
    forged = late[:-1] + bytes([late[-1] ^ 1])
    before = bob.to_bytes()
    with pytest.raises(InvalidMessage) as caught:
        bob.decrypt(forged, now=NOW)
    assert not isinstance(caught.value, DuplicateMessage | MessageKeyLost)
    assert bob.to_bytes() == before
    assert bob.decrypt(late, now=NOW) == b"late"


def test_expired_skipped_key_is_reported_lost_not_duplicate() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)
    before = bob.to_bytes()
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=LATER)
    assert bob.to_bytes() == before
    # A successful decrypt prunes the expired key; the message is still known to be lost.
    assert bob.decrypt(alice.encrypt(b"next"), now=LATER) == b"next"
    assert bob.stored_skipped_key_count == 0
    pruned = bob.to_bytes()
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=LATER)
    assert bob.to_bytes() == pruned


def test_expired_key_stays_lost_across_dh_steps_and_serialization() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)
    _round_trips(alice, bob, MAX_REMEMBERED_CHAINS + 1, now=LATER)
    bob = RatchetState.from_bytes(bob.to_bytes())
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=LATER)


def test_used_key_is_a_duplicate_even_after_expiry_of_its_neighbours() -> None:
    alice, bob = _established()
    first = alice.encrypt(b"first")
    late = alice.encrypt(b"late")
    assert bob.decrypt(first, now=NOW) == b"first"
    assert bob.decrypt(alice.encrypt(b"third"), now=NOW) == b"third"
    assert bob.decrypt(alice.encrypt(b"fourth"), now=LATER) == b"fourth"  # prunes "late"
    with pytest.raises(DuplicateMessage):
        bob.decrypt(first, now=LATER)
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=LATER)


def _fill_chain_skips(alice: RatchetState, bob: RatchetState) -> list[bytes]:
    """Alice sends MAX_SKIP + 1 messages; Bob gets the last (storing MAX_SKIP keys); a reply.

    Returns the undelivered messages, oldest first.
    """
    messages = [alice.encrypt(b"m%d" % i) for i in range(MAX_SKIP + 1)]
    assert bob.decrypt(messages[-1], now=NOW) == b"m%d" % MAX_SKIP
    assert alice.decrypt(bob.encrypt(b"turn"), now=NOW) == b"turn"
    return messages[:-1]


def test_evicted_skipped_key_is_reported_lost_and_used_one_duplicate() -> None:
    alice, bob = _established()
    first_chain = _fill_chain_skips(alice, bob)
    assert bob.decrypt(first_chain[5], now=NOW) == b"m5"
    _fill_chain_skips(alice, bob)
    _fill_chain_skips(alice, bob)  # evicts the rest of the first chain's keys
    assert bob.stored_skipped_key_count == MAX_STORED_SKIPPED_KEYS
    before = bob.to_bytes()
    for index in (0, 4, 6, MAX_SKIP - 1):
        with pytest.raises(MessageKeyLost):
            bob.decrypt(first_chain[index], now=NOW)
    with pytest.raises(DuplicateMessage):
        bob.decrypt(first_chain[5], now=NOW)
    assert bob.to_bytes() == before


def test_lost_ranges_stay_compact_for_contiguous_losses() -> None:
    alice, bob = _established()
    for _ in range(3):
        _fill_chain_skips(alice, bob)
    # The first chain's MAX_SKIP keys were evicted at once: one range, not a thousand.
    assert bob.lost_key_range_count == 1


def test_lost_key_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    alice, bob = _established()
    # Every other key skipped: each expired key is a range of its own.
    skipped = [_skip_one(alice, bob) for _ in range(MAX_LOST_KEY_RANGES + 10)]
    assert bob.decrypt(alice.encrypt(b"prune"), now=LATER) == b"prune"
    assert bob.stored_skipped_key_count == 0
    assert bob.lost_key_range_count == MAX_LOST_KEY_RANGES
    with pytest.raises(MessageKeyLost):
        bob.decrypt(skipped[-1], now=LATER)
    with pytest.raises(MessageKeyLost):
        bob.decrypt(skipped[10], now=LATER)
    # Forgotten: we can no longer tell it from a message we decrypted (the old behaviour).
    with pytest.raises(DuplicateMessage):
        bob.decrypt(skipped[9], now=LATER)
    restored = RatchetState.from_bytes(bob.to_bytes())
    assert restored.lost_key_range_count == MAX_LOST_KEY_RANGES
    assert restored.to_bytes() == bob.to_bytes()


def test_knows_chain_of_names_only_chains_this_state_has_or_had() -> None:
    alice, bob = _established()
    late = _skip_one(alice, bob)  # a stored skipped key, soon of a forgotten chain
    current_chain = alice.encrypt(b"current")
    assert bob.decrypt(current_chain, now=NOW) == b"current"
    _round_trips(alice, bob, 1)
    finished_chain = current_chain  # its chain is now a remembered finished one
    assert bob.knows_chain_of(finished_chain)
    assert bob.knows_chain_of(alice.encrypt(b"the current chain"))
    _round_trips(alice, bob, MAX_REMEMBERED_CHAINS + 1)
    assert bob.knows_chain_of(late)  # by its stored skipped key
    assert not bob.knows_chain_of(finished_chain)  # forgotten
    alice.decrypt(bob.encrypt(b"turn"), now=NOW)
    assert not bob.knows_chain_of(alice.encrypt(b"a new chain"))
    assert not bob.knows_chain_of(late[:20])
    stranger, _ = _established()
    assert not bob.knows_chain_of(stranger.encrypt(b"another session"))
    # A lost key's chain is known too, even once its chain is forgotten.
    with pytest.raises(MessageKeyLost):
        bob.decrypt(late, now=LATER)
    bob.decrypt(alice.encrypt(b"prune"), now=LATER)
    assert bob.knows_chain_of(late)
