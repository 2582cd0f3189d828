"""A hypothesis state machine over two parties and an unreliable network.

Messages are sent both ways, then delivered in any order, dropped, shuffled, duplicated or
tampered with, across DH ratchet steps and serialization round trips. Invariants: every
delivered message decrypts exactly once to its plaintext; a duplicate raises
DuplicateMessage; any failed decrypt leaves the serialized session byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from crypto_devices import make_device
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from chat_desktop.crypto.errors import CryptoError, DuplicateMessage
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.ratchet import MAX_STORED_SKIPPED_KEYS
from chat_desktop.crypto.session import Session

pytestmark = pytest.mark.unit

NOW = 1_700_000_000
PARTIES = ("alice", "bob")


@dataclass
class Envelope:
    """A body on the wire and the plaintext it must decrypt to."""

    body: bytes
    plaintext: bytes


@dataclass
class Link:
    """One direction of the network: in flight, delivered, dropped."""

    in_flight: list[Envelope] = field(default_factory=list)
    delivered: list[Envelope] = field(default_factory=list)


def _other(party: str) -> str:
    return "bob" if party == "alice" else "alice"


class TwoPartyConversation(RuleBasedStateMachine):
    """Alice starts a PQXDH session with Bob; then anything goes on the network."""

    def __init__(self) -> None:
        super().__init__()
        bob = make_device(with_one_time_prekey=True)
        alice = Session.initiate(IdentityKeyPair.generate(), bob.bundle)
        first = alice.encrypt(b"hello")
        bob_session, plaintext = Session.respond(
            bob.identity, first, bob.signed_prekey, bob.one_time_prekey, bob.pq_prekey, now=NOW
        )
        assert plaintext == b"hello"
        self.sessions = {"alice": alice, "bob": bob_session}
        # links[sender] carries sender → other.
        self.links = {"alice": Link(delivered=[Envelope(first, b"hello")]), "bob": Link()}
        self.sent = 0

    @rule(sender=st.sampled_from(PARTIES), size=st.integers(0, 40))
    def send(self, sender: str, size: int) -> None:
        self.sent += 1
        plaintext = b"%s#%d:" % (sender.encode(), self.sent) + b"x" * size
        self.links[sender].in_flight.append(
            Envelope(self.sessions[sender].encrypt(plaintext), plaintext)
        )

    @precondition(lambda self: any(link.in_flight for link in self.links.values()))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        sender = data.draw(st.sampled_from([p for p in PARTIES if self.links[p].in_flight]))
        link = self.links[sender]
        envelope = link.in_flight.pop(data.draw(st.integers(0, len(link.in_flight) - 1)))
        receiver = self.sessions[_other(sender)]
        assert receiver.decrypt(envelope.body, now=NOW) == envelope.plaintext
        link.delivered.append(envelope)

    @precondition(lambda self: any(link.in_flight for link in self.links.values()))
    @rule(data=st.data())
    def drop(self, data: st.DataObject) -> None:
        sender = data.draw(st.sampled_from([p for p in PARTIES if self.links[p].in_flight]))
        link = self.links[sender]
        link.in_flight.pop(data.draw(st.integers(0, len(link.in_flight) - 1)))

    @rule(sender=st.sampled_from(PARTIES), data=st.data())
    def shuffle(self, sender: str, data: st.DataObject) -> None:
        link = self.links[sender]
        link.in_flight = data.draw(st.permutations(link.in_flight))

    @precondition(lambda self: any(link.delivered for link in self.links.values()))
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        sender = data.draw(st.sampled_from([p for p in PARTIES if self.links[p].delivered]))
        envelope = data.draw(st.sampled_from(self.links[sender].delivered))
        receiver = self.sessions[_other(sender)]
        before = receiver.to_bytes()
        with pytest.raises(DuplicateMessage):
            receiver.decrypt(envelope.body, now=NOW)
        assert receiver.to_bytes() == before

    @precondition(lambda self: any(link.in_flight for link in self.links.values()))
    @rule(data=st.data())
    def tamper(self, data: st.DataObject) -> None:
        sender = data.draw(st.sampled_from([p for p in PARTIES if self.links[p].in_flight]))
        envelope = data.draw(st.sampled_from(self.links[sender].in_flight))
        bit = data.draw(st.integers(0, len(envelope.body) * 8 - 1))
        tampered = bytearray(envelope.body)
        tampered[bit // 8] ^= 1 << (bit % 8)
        receiver = self.sessions[_other(sender)]
        before = receiver.to_bytes()
        with pytest.raises(CryptoError):
            receiver.decrypt(bytes(tampered), now=NOW)
        assert receiver.to_bytes() == before

    @rule(party=st.sampled_from(PARTIES))
    def restore_from_storage(self, party: str) -> None:
        data = self.sessions[party].to_bytes()
        self.sessions[party] = Session.from_bytes(data)
        assert self.sessions[party].to_bytes() == data

    @invariant()
    def skipped_keys_are_bounded(self) -> None:
        for session in self.sessions.values():
            assert session._ratchet.stored_skipped_key_count <= MAX_STORED_SKIPPED_KEYS


TwoPartyConversation.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_two_party_conversation = TwoPartyConversation.TestCase
