"""Crypto state written by earlier versions still loads and continues the conversation.

The snapshots in ``migration_data/`` were made by the code before the version-2 ratchet
record (see its README); they must never be regenerated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chat_desktop.crypto.errors import DuplicateMessage, MessageKeyLost
from chat_desktop.crypto.ratchet import SKIPPED_KEY_MAX_AGE, RatchetState
from chat_desktop.crypto.session import Session, parse_prekey_message
from chat_desktop.crypto.session_record import SessionRecord

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "migration_data"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def _messages(data: dict[str, Any], key: str) -> dict[str, bytes]:
    return {label: bytes.fromhex(body) for label, body in data[key].items()}


@pytest.fixture
def ratchet_v1() -> dict[str, Any]:
    return _load("ratchet_v1.json")


@pytest.fixture
def session_v1() -> dict[str, Any]:
    return _load("session_v1.json")


def test_version_1_ratchet_states_continue_the_conversation(ratchet_v1: dict[str, Any]) -> None:
    now = ratchet_v1["now"]
    alice = RatchetState.from_bytes(bytes.fromhex(ratchet_v1["alice_state"]))
    bob = RatchetState.from_bytes(bytes.fromhex(ratchet_v1["bob_state"]))
    assert bob.to_record().version == 2
    assert bob.stored_skipped_key_count == 2
    for body in _messages(ratchet_v1, "to_bob_delivered").values():
        with pytest.raises(DuplicateMessage):
            bob.decrypt(body, now=now)
    for label, body in _messages(ratchet_v1, "to_bob_skipped").items():
        assert bob.decrypt(body, now=now) == label.encode()
    for label, body in _messages(ratchet_v1, "to_alice_in_flight").items():
        assert alice.decrypt(body, now=now) == label.encode()
    for index in range(3):
        assert bob.decrypt(alice.encrypt(b"x%d" % index), now=now) == b"x%d" % index
        assert alice.decrypt(bob.encrypt(b"y%d" % index), now=now) == b"y%d" % index
    restored = RatchetState.from_bytes(bob.to_bytes())
    assert restored.to_bytes() == bob.to_bytes()


def test_version_1_skipped_keys_expire_as_lost(ratchet_v1: dict[str, Any]) -> None:
    later = ratchet_v1["now"] + SKIPPED_KEY_MAX_AGE + 1
    bob = RatchetState.from_bytes(bytes.fromhex(ratchet_v1["bob_state"]))
    skipped = _messages(ratchet_v1, "to_bob_skipped")
    before = bob.to_bytes()
    for body in skipped.values():
        with pytest.raises(MessageKeyLost):
            bob.decrypt(body, now=later)
    assert bob.to_bytes() == before


def test_version_1_sessions_continue_the_conversation(session_v1: dict[str, Any]) -> None:
    now = session_v1["now"]
    alice = Session.from_bytes(bytes.fromhex(session_v1["alice_session"]))
    bob = Session.from_bytes(bytes.fromhex(session_v1["bob_session"]))
    assert not alice.awaiting_reply
    for label, body in _messages(session_v1, "to_bob_in_flight").items():
        assert bob.decrypt(body, now=now) == label.encode()
    for body in _messages(session_v1, "to_bob_delivered").values():
        with pytest.raises(DuplicateMessage):
            bob.decrypt(body, now=now)
    for label, body in _messages(session_v1, "to_alice_in_flight").items():
        assert alice.decrypt(body, now=now) == label.encode()
    assert bob.decrypt(alice.encrypt(b"after"), now=now) == b"after"
    assert alice.decrypt(bob.encrypt(b"back"), now=now) == b"back"


def test_bare_version_1_session_loads_as_a_record_with_it_current(
    session_v1: dict[str, Any],
) -> None:
    now = session_v1["now"]
    bare = bytes.fromhex(session_v1["bob_session"])
    record = SessionRecord.from_bytes(bare)
    assert record.current is not None
    assert record.previous == []
    assert record.remote_identity_key == Session.from_bytes(bare).remote_identity_key
    in_flight = _messages(session_v1, "to_bob_in_flight")
    late_prekey = in_flight.pop("late prekey")
    assert record.session_of(parse_prekey_message(late_prekey)) is record.current
    assert record.decrypt(late_prekey, now=now) == b"late prekey"
    for label, body in in_flight.items():
        assert record.decrypt(body, now=now) == label.encode()
    alice = SessionRecord.from_bytes(bytes.fromhex(session_v1["alice_session"]))
    for label, body in _messages(session_v1, "to_alice_in_flight").items():
        assert alice.decrypt(body, now=now) == label.encode()
    data = record.to_bytes()
    assert data != bare
    again = SessionRecord.from_bytes(data)
    assert again.to_bytes() == data
    assert again.decrypt(alice.encrypt(b"after"), now=now) == b"after"
