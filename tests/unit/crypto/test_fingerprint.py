"""Safety numbers (docs/protocol.md §1) against Signal's published known answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chat_desktop.crypto.errors import CryptoError
from chat_desktop.crypto.fingerprint import (
    fingerprint_digits,
    fingerprint_hash,
    format_safety_number,
    safety_number,
    safety_number_qr_payload,
    safety_numbers_match,
)

pytestmark = pytest.mark.unit

VECTOR = Path(__file__).parents[2] / "vectors" / "safety_number_signal.json"


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR.read_text())
    return data


def _key(vector: dict[str, Any], side: str) -> bytes:
    encoded = bytes.fromhex(vector[f"{side}_identity_key"])
    assert encoded[0] == 0x05 and len(encoded) == 33
    return encoded[1:]


def test_signal_known_answer(vector: dict[str, Any]) -> None:
    alice, bob = _key(vector, "alice"), _key(vector, "bob")
    digest = fingerprint_hash(alice, vector["alice_stable_id"])
    assert digest[:32].hex() == vector["alice_fingerprint_first_32_bytes"]
    number = safety_number(alice, vector["alice_stable_id"], bob, vector["bob_stable_id"])
    assert number == vector["displayable"]
    # Both devices show the same number.
    assert safety_number(bob, vector["bob_stable_id"], alice, vector["alice_stable_id"]) == number


def test_side_digits_and_display_form(vector: dict[str, Any]) -> None:
    alice = fingerprint_digits(_key(vector, "alice"), vector["alice_stable_id"])
    bob = fingerprint_digits(_key(vector, "bob"), vector["bob_stable_id"])
    assert len(alice) == len(bob) == 30
    assert vector["displayable"] == min(alice, bob) + max(alice, bob)
    shown = format_safety_number(vector["displayable"])
    assert shown.split() == [vector["displayable"][i : i + 5] for i in range(0, 60, 5)]


def test_qr_payload_and_matching(vector: dict[str, Any]) -> None:
    number = vector["displayable"]
    assert safety_number_qr_payload(number) == number
    assert safety_numbers_match(format_safety_number(number), number)
    assert not safety_numbers_match(number[:-1] + "0", number)
    with pytest.raises(CryptoError):
        safety_number_qr_payload(number[:-1])


def test_different_usernames_give_different_numbers(vector: dict[str, Any]) -> None:
    alice, bob = _key(vector, "alice"), _key(vector, "bob")
    assert safety_number(alice, "alice", bob, "bob") != safety_number(alice, "alice", bob, "bobb")


def test_non_ascii_stable_id_is_rejected(vector: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
        fingerprint_digits(_key(vector, "alice"), "ålice")
