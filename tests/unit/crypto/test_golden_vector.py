"""The known-answer transcript `tests/vectors/x3dh_ratchet_golden.json` (docs/protocol.md §7).

Produced by an independent implementation (Syndace's python-x3dh + python-doubleratchet);
we must reproduce the X3DH secret, the AD and every wire byte of the ratchet script.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chat_desktop.crypto.identity import encode_public_key, verify_signature
from chat_desktop.crypto.primitives import load_x25519_private, x25519_public_bytes
from chat_desktop.crypto.ratchet import RatchetState
from chat_desktop.crypto.x3dh import PreKeyBundle, x3dh_initiate_classic, x3dh_respond_classic

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).parents[2] / "vectors" / "x3dh_ratchet_golden.json"
NOW = 1_700_000_000


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


def _private(golden: dict[str, Any], name: str) -> X25519PrivateKey:
    return load_x25519_private(bytes.fromhex(golden[name]))


def _bundle(golden: dict[str, Any]) -> PreKeyBundle:
    return PreKeyBundle(
        identity_key=bytes.fromhex(golden["bob_identity_pub"]),
        signed_prekey_id=1,
        signed_prekey=bytes.fromhex(golden["bob_spk_pub"]),
        signed_prekey_signature=bytes.fromhex(golden["bob_spk_sig"]),
        pq_prekey_id=None,
        pq_prekey=None,
        pq_prekey_signature=None,
        one_time_prekey_id=1,
        one_time_prekey=x25519_public_bytes(_private(golden, "bob_opk_priv")),
    )


def test_spk_signature_verifies(golden: dict[str, Any]) -> None:
    verify_signature(
        bytes.fromhex(golden["bob_identity_pub"]),
        encode_public_key(bytes.fromhex(golden["bob_spk_pub"])),
        bytes.fromhex(golden["bob_spk_sig"]),
    )


def test_x3dh_secret_and_ad_both_sides(golden: dict[str, Any]) -> None:
    alice_identity = _private(golden, "alice_identity_priv")
    ephemeral = _private(golden, "alice_ephemeral_priv")
    alice = x3dh_initiate_classic(alice_identity, _bundle(golden), ephemeral)
    assert alice.shared_secret.hex() == golden["x3dh_sk"]
    assert alice.associated_data.hex() == golden["x3dh_ad"]

    bob = x3dh_respond_classic(
        _private(golden, "bob_identity_priv"),
        initiator_identity_key=x25519_public_bytes(alice_identity),
        ephemeral_key=x25519_public_bytes(ephemeral),
        signed_prekey_private=_private(golden, "bob_spk_priv"),
        one_time_prekey_private=_private(golden, "bob_opk_priv"),
    )
    assert bob.shared_secret.hex() == golden["x3dh_sk"]
    assert bob.associated_data.hex() == golden["x3dh_ad"]


def test_ratchet_script_reproduces_every_wire_message(golden: dict[str, Any]) -> None:
    recorded: Iterator[X25519PrivateKey] = iter(
        load_x25519_private(bytes.fromhex(key))
        for key in golden["ratchet_privs_in_generation_order"]
    )

    def next_recorded_key() -> X25519PrivateKey:
        return next(recorded)

    shared_secret = bytes.fromhex(golden["x3dh_sk"])
    associated_data = bytes.fromhex(golden["x3dh_ad"])
    alice = RatchetState.initialize_as_initiator(
        shared_secret,
        bytes.fromhex(golden["bob_spk_pub"]),
        associated_data,
        key_generator=next_recorded_key,
    )
    bob = RatchetState.initialize_as_responder(
        shared_secret,
        _private(golden, "bob_spk_priv"),
        associated_data,
        key_generator=next_recorded_key,
    )
    parties = {"A": alice, "B": bob}
    sender_of: dict[str, str] = {}
    sent: dict[str, bytes] = {}
    delivered: list[str] = []
    for action, label in golden["script"]:
        if action in parties:
            sent[label] = parties[action].encrypt(label.encode("ascii"))
            sender_of[label] = action
            assert sent[label].hex() == golden["wire"][label], label
        else:
            assert action == "deliver"
            receiver = bob if sender_of[label] == "A" else alice
            assert receiver.decrypt(sent[label], now=NOW) == label.encode("ascii")
            delivered.append(label)
    assert sorted(delivered) == sorted(golden["wire"])
    assert len(delivered) == 11
    # Every recorded ratchet key was consumed, in order, and no more were needed.
    assert next(recorded, None) is None
