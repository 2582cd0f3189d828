"""Test devices for the crypto tests: an identity, its private prekeys and its bundle.

A plain module (not a conftest) so the hypothesis state machine can use it outside fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.x3dh import PreKeyBundle


@dataclass
class Device:
    """A test device: identity, private prekeys and the bundle the relay would hand out."""

    identity: IdentityKeyPair
    signed_prekey: SignedPreKey
    one_time_prekey: OneTimePreKey | None
    pq_prekey: PqPreKey
    bundle: PreKeyBundle


def make_device(*, with_one_time_prekey: bool = True) -> Device:
    identity = IdentityKeyPair.generate()
    signed_prekey = SignedPreKey.generate(identity, 11)
    pq_prekey = PqPreKey.generate(identity, 22)
    one_time_prekey = OneTimePreKey.generate(33) if with_one_time_prekey else None
    bundle = PreKeyBundle(
        identity_key=identity.public_key,
        signed_prekey_id=signed_prekey.key_id,
        signed_prekey=signed_prekey.public_key,
        signed_prekey_signature=signed_prekey.signature,
        pq_prekey_id=pq_prekey.key_id,
        pq_prekey=pq_prekey.public_key,
        pq_prekey_signature=pq_prekey.signature,
        one_time_prekey_id=None if one_time_prekey is None else one_time_prekey.key_id,
        one_time_prekey=None if one_time_prekey is None else one_time_prekey.public_key,
    )
    return Device(identity, signed_prekey, one_time_prekey, pq_prekey, bundle)
