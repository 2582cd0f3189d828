"""A hypothesis state machine: two devices start sessions with each other at the same moment.

Each keeps a SessionRecord for the other and receives as the messaging engine does (respond to
a PreKey message of a new session, else let the record decrypt). Then messages are sent both
ways and delivered in any order, duplicated, tampered with, either side may start over with a
new session, and records go through storage. Invariants: every message decrypts exactly once
to its plaintext, on both sides, whatever the interleaving; a duplicate (also a replayed
PreKey message) raises DuplicateMessage; any failure leaves the record byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from crypto_devices import Device, make_device
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from record_parties import receive, start

from chat_desktop.crypto.errors import CryptoError, DuplicateMessage
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.session_record import MAX_PREVIOUS_SESSIONS, SessionRecord

pytestmark = pytest.mark.unit

PARTIES = ("alice", "bob")


@dataclass
class Envelope:
    """A body on the wire and the plaintext it must decrypt to."""

    body: bytes
    plaintext: bytes


@dataclass
class Link:
    """One direction of the network: in flight and delivered."""

    in_flight: list[Envelope] = field(default_factory=list)
    delivered: list[Envelope] = field(default_factory=list)


def _other(party: str) -> str:
    return "bob" if party == "alice" else "alice"


class SimultaneousStart(RuleBasedStateMachine):
    """Alice and Bob each initiate a session to the other and send before receiving."""

    def __init__(self) -> None:
        super().__init__()
        self.devices: dict[str, Device] = {"alice": make_device(), "bob": make_device()}
        self.records: dict[str, SessionRecord] = {
            party: start(self.devices[party], self.devices[_other(party)]) for party in PARTIES
        }
        self.links = {party: Link() for party in PARTIES}  # links[sender]: sender → other
        self.sent = 0
        self.restarts = 0
        for party in PARTIES:
            self.send(party)

    def _party_with(self, data: st.DataObject, attribute: str) -> str:
        return data.draw(st.sampled_from([p for p in PARTIES if getattr(self.links[p], attribute)]))

    @rule(sender=st.sampled_from(PARTIES))
    def send(self, sender: str) -> None:
        self.sent += 1
        plaintext = b"%s#%d" % (sender.encode(), self.sent)
        body = self.records[sender].encrypt(plaintext)
        self.links[sender].in_flight.append(Envelope(body, plaintext))

    @precondition(lambda self: any(link.in_flight for link in self.links.values()))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        sender = self._party_with(data, "in_flight")
        link = self.links[sender]
        envelope = link.in_flight.pop(data.draw(st.integers(0, len(link.in_flight) - 1)))
        self._deliver(sender, envelope)

    def _deliver(self, sender: str, envelope: Envelope) -> None:
        receiver = _other(sender)
        plaintext = receive(self.records[receiver], self.devices[receiver], envelope.body)
        assert plaintext == envelope.plaintext
        self.links[sender].delivered.append(envelope)

    @precondition(lambda self: any(link.delivered for link in self.links.values()))
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        sender = self._party_with(data, "delivered")
        envelope = data.draw(st.sampled_from(self.links[sender].delivered))
        receiver = _other(sender)
        before = self.records[receiver].to_bytes()
        with pytest.raises(DuplicateMessage):
            receive(self.records[receiver], self.devices[receiver], envelope.body)
        assert self.records[receiver].to_bytes() == before

    @precondition(lambda self: any(link.in_flight for link in self.links.values()))
    @rule(data=st.data())
    def tamper(self, data: st.DataObject) -> None:
        sender = self._party_with(data, "in_flight")
        envelope = data.draw(st.sampled_from(self.links[sender].in_flight))
        bit = data.draw(st.integers(0, len(envelope.body) * 8 - 1))
        tampered = bytearray(envelope.body)
        tampered[bit // 8] ^= 1 << (bit % 8)
        receiver = _other(sender)
        before = self.records[receiver].to_bytes()
        with pytest.raises(CryptoError):
            receive(self.records[receiver], self.devices[receiver], bytes(tampered))
        assert self.records[receiver].to_bytes() == before

    @precondition(lambda self: self.restarts < 3)
    @rule(party=st.sampled_from(PARTIES))
    def start_over(self, party: str) -> None:
        """``party`` starts a new session (e.g. after a reinstall kept its identity)."""
        self.restarts += 1
        session = Session.initiate(self.devices[party].identity, self.devices[_other(party)].bundle)
        self.records[party].promote(session)

    @rule(party=st.sampled_from(PARTIES))
    def restore_from_storage(self, party: str) -> None:
        data = self.records[party].to_bytes()
        self.records[party] = SessionRecord.from_bytes(data)
        assert self.records[party].to_bytes() == data

    @invariant()
    def archive_is_bounded(self) -> None:
        for record in self.records.values():
            assert len(record.previous) <= MAX_PREVIOUS_SESSIONS

    def teardown(self) -> None:
        """Whatever is still in flight arrives now, in order: all of it must decrypt."""
        for sender in PARTIES:
            link = self.links[sender]
            while link.in_flight:
                self._deliver(sender, link.in_flight.pop(0))
        # And once both sides talk again, they settle on one session.
        for _ in range(2):
            for sender in PARTIES:
                self.send(sender)
                self._deliver(sender, self.links[sender].in_flight.pop())
        alice, bob = self.records["alice"].current, self.records["bob"].current
        assert alice is not None and bob is not None
        assert alice.base_key == bob.base_key


SimultaneousStart.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_simultaneous_start = SimultaneousStart.TestCase
