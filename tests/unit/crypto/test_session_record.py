"""SessionRecord: the current session with a device plus up to 40 earlier ones.

Simultaneous session starts, resent and replayed PreKey messages, out-of-order delivery across
a change of current session, the archive's cap, identity changes and storage.
"""

from __future__ import annotations

import msgspec
import pytest
from crypto_devices import Device, make_device
from record_parties import NOW, receive, start

from chat_desktop.crypto.errors import (
    DuplicateMessage,
    InvalidMessage,
    InvalidState,
    MessageKeyLost,
)
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.ratchet import SKIPPED_KEY_MAX_AGE
from chat_desktop.crypto.session import Session, message_type
from chat_desktop.crypto.session_record import MAX_PREVIOUS_SESSIONS, SessionRecord
from chat_desktop.crypto.wire import parse_prekey_message

pytestmark = pytest.mark.unit


class Pair:
    """Alice and Bob, each with a record of sessions with the other, started simultaneously."""

    def __init__(self) -> None:
        self.alice_device = make_device()
        self.bob_device = make_device()
        self.alice = start(self.alice_device, self.bob_device)
        self.bob = start(self.bob_device, self.alice_device)
        self.alice_initiated = self.alice.current
        self.bob_initiated = self.bob.current
        # Both send before either receives anything: two PreKey messages cross.
        self.alice_first = self.alice.encrypt(b"hello from alice")
        self.bob_first = self.bob.encrypt(b"hello from bob")

    def to_bob(self, body: bytes) -> bytes:
        return receive(self.bob, self.bob_device, body)

    def to_alice(self, body: bytes) -> bytes:
        return receive(self.alice, self.alice_device, body)

    def cross_first_messages(self) -> None:
        assert self.to_bob(self.alice_first) == b"hello from alice"
        assert self.to_alice(self.bob_first) == b"hello from bob"


def test_simultaneous_first_messages_archive_the_own_initiated_session() -> None:
    pair = Pair()
    assert message_type(pair.alice_first) == message_type(pair.bob_first) == 1
    pair.cross_first_messages()
    for record, initiated, peer_initiated in (
        (pair.alice, pair.alice_initiated, pair.bob_initiated),
        (pair.bob, pair.bob_initiated, pair.alice_initiated),
    ):
        assert record.current is not None and initiated is not None and peer_initiated
        assert record.current.base_key == peer_initiated.base_key
        assert record.previous == [initiated]


def test_simultaneous_start_then_every_message_decrypts_on_both_sides() -> None:
    pair = Pair()
    pair.cross_first_messages()
    # Each now sends on its responder session, which the other holds only archived.
    a1 = pair.alice.encrypt(b"a1")
    b1 = pair.bob.encrypt(b"b1")
    assert pair.to_bob(a1) == b"a1"  # Bob's initiated session decrypts it: it becomes current
    assert pair.bob.current is pair.bob_initiated
    assert pair.to_alice(b1) == b"b1"  # likewise for Alice
    assert pair.alice.current is pair.alice_initiated
    # They crossed again; keep going until one session carries both directions.
    for round_number in range(4):
        to_bob = pair.alice.encrypt(b"a%d" % round_number)
        to_alice = pair.bob.encrypt(b"b%d" % round_number)
        assert pair.to_bob(to_bob) == b"a%d" % round_number
        assert pair.to_alice(to_alice) == b"b%d" % round_number
    assert pair.to_bob(pair.alice.encrypt(b"ping")) == b"ping"
    assert pair.to_alice(pair.bob.encrypt(b"pong")) == b"pong"
    assert pair.alice.current is not None and pair.bob.current is not None
    assert pair.alice.current.base_key == pair.bob.current.base_key
    assert message_type(pair.alice.encrypt(b"settled")) == 2


def test_out_of_order_delivery_across_a_change_of_current_session() -> None:
    pair = Pair()
    pair.cross_first_messages()
    # Bob sends three on his responder session (Alice's initiated one, archived at Alice).
    early = [pair.bob.encrypt(b"early %d" % i) for i in range(3)]
    # Alice sends on her responder session; Bob switches to his initiated one and replies.
    assert pair.to_bob(pair.alice.encrypt(b"switch")) == b"switch"
    replies = [pair.bob.encrypt(b"reply %d" % i) for i in range(2)]
    assert pair.to_alice(replies[1]) == b"reply 1"
    assert pair.to_alice(early[2]) == b"early 2"  # from the archive: promoted
    assert pair.alice.current is pair.alice_initiated
    assert pair.to_alice(replies[0]) == b"reply 0"  # the other session's skipped key
    assert pair.to_alice(early[0]) == b"early 0"
    assert pair.to_alice(early[1]) == b"early 1"
    for body in (*early, *replies):
        before = pair.alice.to_bytes()
        with pytest.raises(DuplicateMessage):
            pair.to_alice(body)
        assert pair.alice.to_bytes() == before
    assert pair.to_bob(pair.alice.encrypt(b"after")) == b"after"
    assert pair.to_alice(pair.bob.encrypt(b"after too")) == b"after too"


def test_resent_prekey_message_decrypts_with_its_existing_session() -> None:
    pair = Pair()
    resent = pair.alice.encrypt(b"resent")  # still a PreKey message of the same session
    pair.cross_first_messages()
    assert pair.to_bob(pair.alice.encrypt(b"switch")) == b"switch"  # Bob's responder archived
    responder = pair.bob.session_of(parse_prekey_message(resent))
    assert responder is not None and responder in pair.bob.previous
    assert pair.to_bob(resent) == b"resent"
    assert pair.bob.current is responder


def test_replayed_prekey_message_is_refused_without_any_change() -> None:
    pair = Pair()
    pair.cross_first_messages()
    assert pair.to_bob(pair.alice.encrypt(b"switch")) == b"switch"
    assert pair.to_alice(pair.bob.encrypt(b"settled")) == b"settled"
    current = pair.bob.current
    sessions_before = len(pair.bob.previous)
    before = pair.bob.to_bytes()
    with pytest.raises(DuplicateMessage):
        pair.to_bob(pair.alice_first)  # its session is archived: no new session over it
    assert pair.bob.to_bytes() == before
    assert pair.bob.current is current
    assert len(pair.bob.previous) == sessions_before


def test_prekey_message_without_its_session_is_not_decrypted_by_the_record() -> None:
    pair = Pair()
    before = pair.bob.to_bytes()
    with pytest.raises(InvalidMessage) as caught:
        pair.bob.decrypt(pair.alice_first, now=NOW)
    assert not isinstance(caught.value, DuplicateMessage)
    assert pair.bob.to_bytes() == before


def test_failed_attempts_leave_every_session_byte_identical() -> None:
    pair = Pair()
    pair.cross_first_messages()
    body = pair.alice.encrypt(b"for bob's archived session")
    tampered = body[:-1] + bytes([body[-1] ^ 1])
    sessions = [pair.bob.current, *pair.bob.previous]
    snapshots = [session.to_bytes() for session in sessions if session is not None]
    record_before = pair.bob.to_bytes()
    with pytest.raises(InvalidMessage) as caught:
        pair.to_bob(tampered)
    assert type(caught.value) is InvalidMessage
    assert [session.to_bytes() for session in sessions if session is not None] == snapshots
    assert pair.bob.to_bytes() == record_before
    assert pair.to_bob(body) == b"for bob's archived session"


def test_lost_message_of_an_archived_session_is_reported_lost() -> None:
    pair = Pair()
    pair.cross_first_messages()
    late = pair.bob.encrypt(b"late")
    assert pair.to_alice(pair.bob.encrypt(b"on time")) == b"on time"
    assert pair.to_bob(pair.alice.encrypt(b"switch")) == b"switch"
    assert pair.to_alice(pair.bob.encrypt(b"on the other session")) == b"on the other session"
    assert pair.alice.current is pair.alice_initiated  # late's session is archived
    before = pair.alice.to_bytes()
    with pytest.raises(MessageKeyLost):
        pair.alice.decrypt(late, now=NOW + SKIPPED_KEY_MAX_AGE + 1)
    assert pair.alice.to_bytes() == before


def _sessions_with(device: Device, count: int) -> list[Session]:
    identity = IdentityKeyPair.generate()
    return [Session.initiate(identity, device.bundle) for _ in range(count)]


def test_archive_keeps_the_40_newest_earlier_sessions() -> None:
    sessions = _sessions_with(make_device(), MAX_PREVIOUS_SESSIONS + 3)
    record = SessionRecord.empty()
    for session in sessions:
        record.promote(session)
    assert record.current is sessions[-1]
    assert record.previous == sessions[-2 : -MAX_PREVIOUS_SESSIONS - 2 : -1]
    assert len(record.previous) == MAX_PREVIOUS_SESSIONS
    restored = SessionRecord.from_bytes(record.to_bytes())
    assert [s.base_key for s in restored.previous] == [s.base_key for s in record.previous]


def test_promoting_an_archived_session_moves_it_without_copies() -> None:
    sessions = _sessions_with(make_device(), 4)
    record = SessionRecord(sessions[0], sessions[1:])
    record.promote(sessions[2])
    assert record.current is sessions[2]
    assert record.previous == [sessions[0], sessions[1], sessions[3]]
    record.promote(sessions[2])
    assert record.previous == [sessions[0], sessions[1], sessions[3]]


def _current(record: SessionRecord) -> Session | None:
    """``record.current``, read through a call so that mypy does not keep an earlier narrowing."""
    return record.current


def test_keep_only_identity_drops_sessions_bound_to_another_key() -> None:
    alice_device, carol_device = make_device(), make_device()
    bob_identity = IdentityKeyPair.generate()
    to_alice = Session.initiate(bob_identity, alice_device.bundle)
    to_carol = [Session.initiate(bob_identity, carol_device.bundle) for _ in range(2)]
    record = SessionRecord(to_carol[0], [to_alice, to_carol[1]])
    assert record.remote_identity_key == carol_device.identity.public_key
    assert record.keep_only_identity(carol_device.identity.public_key)
    assert record.current is to_carol[0] and record.previous == [to_carol[1]]
    record = SessionRecord(to_carol[0], [to_alice, to_carol[1]])
    assert record.keep_only_identity(alice_device.identity.public_key)
    assert _current(record) is None
    assert record.previous == [to_alice]
    assert not record.remote_identity_key  # None: no current session
    with pytest.raises(InvalidState):
        record.encrypt(b"no current session")
    record.promote(to_alice)
    assert record.remote_identity_key == alice_device.identity.public_key
    assert record.previous == []
    assert not record.keep_only_identity(IdentityKeyPair.generate().public_key)
    assert record.is_empty


def test_archived_current_session_still_decrypts_and_comes_back() -> None:
    pair = Pair()
    pair.cross_first_messages()
    assert pair.to_bob(pair.alice.encrypt(b"switch")) == b"switch"
    in_flight = pair.alice.encrypt(b"in flight")
    current = pair.bob.current
    pair.bob.archive_current()
    assert _current(pair.bob) is None and pair.bob.previous[0] is current
    with pytest.raises(InvalidState):
        pair.bob.encrypt(b"needs a new session")
    restored = SessionRecord.from_bytes(pair.bob.to_bytes())
    assert restored.current is None and len(restored.previous) == 2
    assert pair.to_bob(in_flight) == b"in flight"
    assert pair.bob.current is current
    assert len(pair.bob.previous) == 1


def test_record_round_trips_and_continues() -> None:
    pair = Pair()
    pair.cross_first_messages()
    late = pair.alice.encrypt(b"late")
    data = pair.bob.to_bytes()
    restored = SessionRecord.from_bytes(data)
    assert restored.to_bytes() == data
    assert len(restored.previous) == len(pair.bob.previous) == 1
    pair.bob = restored
    assert pair.to_bob(late) == b"late"
    assert pair.to_alice(pair.bob.encrypt(b"back")) == b"back"
    assert "SessionRecord(" in repr(pair.bob)


def test_bare_session_bytes_load_as_a_record_with_it_current() -> None:
    device = make_device()
    session = Session.initiate(IdentityKeyPair.generate(), device.bundle)
    record = SessionRecord.from_bytes(session.to_bytes())
    assert record.current is not None
    assert record.current.to_bytes() == session.to_bytes()
    assert record.previous == []
    assert SessionRecord.from_bytes(SessionRecord.empty().to_bytes()).is_empty


def _stored(version: int, current: bytes | None, previous: list[bytes]) -> bytes:
    return msgspec.msgpack.encode(["session_record", version, current, previous])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"\x92\x01\x02",
        b"garbage" * 10,
        _stored(2, None, []),
        _stored(1, b"not a session", []),
        _stored(1, None, [b"not a session"]),
        msgspec.msgpack.encode(["session_record", 1]),
        msgspec.msgpack.encode(["another_record", 1, None, []]),
    ],
)
def test_corrupt_record_bytes_raise_invalid_state(data: bytes) -> None:
    with pytest.raises(InvalidState):
        SessionRecord.from_bytes(data)


def test_every_truncation_of_a_record_raises_invalid_state() -> None:
    pair = Pair()
    pair.cross_first_messages()
    data = pair.bob.to_bytes()
    for length in range(0, len(data), max(1, len(data) // 200)):
        with pytest.raises(InvalidState):
            SessionRecord.from_bytes(data[:length])


def test_empty_record_refuses_messages() -> None:
    pair = Pair()
    record = SessionRecord.empty()
    assert record.session_of(parse_prekey_message(pair.alice_first)) is None
    with pytest.raises(InvalidMessage):
        record.decrypt(b"\x02" + bytes(100), now=NOW)
    with pytest.raises(InvalidMessage):
        record.decrypt(b"", now=NOW)
