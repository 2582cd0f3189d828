"""Double Ratchet throughput against the cost of the primitives it cannot avoid.

Prints one JSON line:
- ``in_order_msgs_per_s``: encrypt + decrypt of 100-byte messages, one direction, through
  :class:`Session` (wire framing included).
- ``alternating_msgs_per_s``: the same with the direction flipping every message, so every
  message costs a DH ratchet step.
- ``*_floor_ratio``: the "primitive floor" (the summed time of the pyca operations one message
  needs, measured in this run) divided by the measured time per message. 1.0 would mean zero
  overhead; the target is ≥ 0.75.
- ``with_serialization_msgs_per_s``: in order, persisting both sessions (``to_bytes``) after
  every encrypt and decrypt, as the messaging engine does.

Every figure is the best of several rounds, so background noise inflates nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.x3dh import PreKeyBundle

MESSAGE = bytes(100)
MESSAGES_PER_ROUND = 1000
ROUNDS = 15
NOW = 1_700_000_000


def best_times_per_call(
    operations: list[Callable[[int], None]], count: int = MESSAGES_PER_ROUND
) -> list[float]:
    """Seconds per unit of each ``operation(count)``, best of ``ROUNDS``.

    The operations run interleaved, round by round, so a figure and its floor see the same
    machine load; the ratio of two bests is then stable even on a busy machine.
    """
    best = [float("inf")] * len(operations)
    for _ in range(ROUNDS):
        for index, operation in enumerate(operations):
            start = time.perf_counter()
            operation(count)
            best[index] = min(best[index], (time.perf_counter() - start) / count)
    return best


def make_pair() -> tuple[Session, Session]:
    """An established Alice/Bob session pair (past the PreKey phase)."""
    alice_identity, bob_identity = IdentityKeyPair.generate(), IdentityKeyPair.generate()
    spk = SignedPreKey.generate(bob_identity, 1)
    opk = OneTimePreKey.generate(2)
    pq = PqPreKey.generate(bob_identity, 3)
    bundle = PreKeyBundle(
        bob_identity.public_key, 1, spk.public_key, spk.signature, 3, pq.public_key,
        pq.signature, 2, opk.public_key,
    )  # fmt: skip
    alice = Session.initiate(alice_identity, bundle)
    bob, _ = Session.respond(bob_identity, alice.encrypt(b"hi"), spk, opk, pq, now=NOW)
    alice.decrypt(bob.encrypt(b"hi"), now=NOW)
    return alice, bob


def in_order(count: int) -> None:
    alice, bob = PAIR
    for _ in range(count):
        bob.decrypt(alice.encrypt(MESSAGE), NOW)


def alternating(count: int) -> None:
    alice, bob = PAIR
    for _ in range(count // 2):
        bob.decrypt(alice.encrypt(MESSAGE), NOW)
        alice.decrypt(bob.encrypt(MESSAGE), NOW)


def with_serialization(count: int) -> None:
    alice, bob = PAIR
    for _ in range(count):
        body = alice.encrypt(MESSAGE)
        alice.to_bytes()
        bob.decrypt(body, NOW)
        bob.to_bytes()


# --- the primitive floor: only pyca calls, with the inputs one message really has ---
SHA256 = hashes.SHA256()
KEY32 = bytes(range(32))
IV = bytes(16)
PADDED = bytes(112)  # 100 bytes + PKCS7
AUTHENTICATED = bytes(66 + 40 + 112)  # AD ‖ header ‖ ct


def _hmac(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, SHA256)
    mac.update(data)
    return mac.finalize()


def floor_in_order(count: int) -> None:
    """Per message and side: 2 chain HMACs, HKDF (80 B), AES-CBC, the tag HMAC."""
    for _ in range(count):
        for direction in (0, 1):
            _hmac(KEY32, b"\x01")
            _hmac(KEY32, b"\x02")
            HKDF(SHA256, 80, KEY32, b"ChatDesktop_MessageKeys").derive(KEY32)
            cipher = Cipher(algorithms.AES256(KEY32), modes.CBC(IV))
            context = cipher.encryptor() if direction == 0 else cipher.decryptor()
            context.update(PADDED)
            context.finalize()
            _hmac(KEY32, AUTHENTICATED)


PEER_KEY = X25519PrivateKey.generate()
PEER_PUBLIC = PEER_KEY.public_key()


def floor_dh_step(count: int) -> None:
    """Per message the receiver's DH step: keygen, two DHs, two KDF_RK HKDFs (64 B)."""
    for _ in range(count):
        PEER_KEY.exchange(PEER_PUBLIC)
        HKDF(SHA256, 64, KEY32, b"ChatDesktop_Ratchet").derive(KEY32)
        new_key = X25519PrivateKey.generate()
        new_key.exchange(PEER_PUBLIC)
        HKDF(SHA256, 64, KEY32, b"ChatDesktop_Ratchet").derive(KEY32)


PAIR = make_pair()


def main() -> None:
    """Measures and prints the JSON line."""
    floor_message, floor_step, in_order_time, alternating_time, serialization_time = (
        best_times_per_call(
            [floor_in_order, floor_dh_step, in_order, alternating, with_serialization]
        )
    )
    print(
        json.dumps(
            {
                "in_order_msgs_per_s": round(1 / in_order_time),
                "in_order_floor_msgs_per_s": round(1 / floor_message),
                "in_order_floor_ratio": round(floor_message / in_order_time, 3),
                "alternating_msgs_per_s": round(1 / alternating_time),
                "alternating_floor_msgs_per_s": round(1 / (floor_message + floor_step)),
                "alternating_floor_ratio": round(
                    (floor_message + floor_step) / alternating_time, 3
                ),
                "with_serialization_msgs_per_s": round(1 / serialization_time),
                "message_bytes": len(MESSAGE),
            }
        )
    )


if __name__ == "__main__":
    main()
