"""This device's own keys: identity, signed prekey rotation, one-time prekey supply.

Runs on the store thread (every function takes the open store): private keys are written
only sealed by the store, and key ids come from the store's persisted counters so they never
repeat for this device (PROTOCOL §1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from chat_desktop.crypto.errors import InvalidMessage
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.wire import PreKeyMessage
from chat_desktop.protocol import schemas
from chat_desktop.storage.store import MessageStore

SIGNED = "signed"
ONE_TIME = "one_time"
PQ = "pq"
PQ_LAST_RESORT = "pq_last_resort"

ONE_TIME_BATCH = 100
LOW_WATERMARK = 20
SIGNED_PREKEY_ROTATE_S = 7 * 24 * 3600
SIGNED_PREKEY_KEEP_S = 30 * 24 * 3600
CURRENT_SIGNED_SETTING = "own_keys.current_signed_prekey"


class MissingPreKey(InvalidMessage):
    """A PreKey message names one of our prekeys that we no longer (or never) had."""


@dataclass(frozen=True)
class PreKeysForMessage:
    """Our private prekeys that a received PreKey message used."""

    signed: SignedPreKey
    one_time: OneTimePreKey | None
    pq: PqPreKey
    pq_kind: str


def load_identity(store: MessageStore) -> IdentityKeyPair:
    """Returns this device's identity key pair (raises ``LookupError`` before registration)."""
    seed = store.secrets.get_identity()
    if seed is None:
        raise LookupError("this profile has no identity yet")
    return IdentityKeyPair.from_seed(seed)


def _wire_signed(prekey: SignedPreKey) -> schemas.SignedPreKey:
    return schemas.SignedPreKey(
        id=prekey.key_id, public_key=prekey.public_key, signature=prekey.signature
    )


def _wire_pq(prekey: PqPreKey) -> schemas.PqPreKey:
    return schemas.PqPreKey(
        id=prekey.key_id,
        public_key=prekey.public_key,
        signature=prekey.signature,
        last_resort=prekey.last_resort,
    )


def _new_signed_prekey(store: MessageStore, identity: IdentityKeyPair) -> SignedPreKey:
    (key_id,) = store.secrets.allocate_key_ids(SIGNED)
    prekey = SignedPreKey.generate(identity, key_id)
    store.secrets.put_prekey(SIGNED, key_id, prekey.to_bytes(), prekey.public_key)
    store.settings.set(CURRENT_SIGNED_SETTING, key_id)
    return prekey


def _new_one_time_prekeys(store: MessageStore, count: int) -> list[schemas.OneTimePreKey]:
    ids = store.secrets.allocate_key_ids(ONE_TIME, count)
    wire = []
    for key_id in ids:
        prekey = OneTimePreKey.generate(key_id)
        store.secrets.put_prekey(ONE_TIME, key_id, prekey.to_bytes(), prekey.public_key)
        wire.append(schemas.OneTimePreKey(id=key_id, public_key=prekey.public_key))
    return wire


def _new_pq_prekeys(
    store: MessageStore, identity: IdentityKeyPair, count: int, *, last_resort: bool = False
) -> list[schemas.PqPreKey]:
    # One id space for one-time and last-resort PQ keys: a message names only the id.
    ids = store.secrets.allocate_key_ids(PQ, count)
    kind = PQ_LAST_RESORT if last_resort else PQ
    wire = []
    for key_id in ids:
        prekey = PqPreKey.generate(identity, key_id, last_resort=last_resort)
        store.secrets.put_prekey(kind, key_id, prekey.to_bytes(), prekey.public_key)
        wire.append(_wire_pq(prekey))
    return wire


def create_identity_and_prekeys(
    store: MessageStore,
) -> tuple[
    IdentityKeyPair,
    schemas.SignedPreKey,
    list[schemas.PqPreKey],
    list[schemas.OneTimePreKey],
]:
    """Makes the identity and the first prekeys of a new device, all in one transaction."""
    identity = IdentityKeyPair.generate()
    with store.transaction():
        store.secrets.put_identity(identity.seed)
        signed = _new_signed_prekey(store, identity)
        pq = _new_pq_prekeys(store, identity, ONE_TIME_BATCH)
        pq += _new_pq_prekeys(store, identity, 1, last_resort=True)
        one_time = _new_one_time_prekeys(store, ONE_TIME_BATCH)
    return identity, _wire_signed(signed), pq, one_time


def replenishment(
    store: MessageStore, identity: IdentityKeyPair, counts: schemas.KeyCounts
) -> schemas.KeysUpload | None:
    """New one-time keys to upload when the relay's supply ran low, or None if it did not."""
    with store.transaction():
        one_time = None
        pq = None
        if counts.one_time_count < LOW_WATERMARK:
            one_time = _new_one_time_prekeys(store, ONE_TIME_BATCH - counts.one_time_count)
        if counts.pq_count < LOW_WATERMARK:
            pq = _new_pq_prekeys(store, identity, ONE_TIME_BATCH - counts.pq_count)
    if one_time is None and pq is None:
        return None
    return schemas.KeysUpload(one_time_prekeys=one_time, pq_prekeys=pq)


def rotate_signed_prekey_if_due(
    store: MessageStore, identity: IdentityKeyPair, now: float | None = None
) -> schemas.KeysUpload | None:
    """Makes a new signed prekey once a week; forgets old ones after 30 days.

    Old signed prekeys are kept that long so late initial messages still decrypt.
    """
    now = time.time() if now is None else now
    with store.transaction():
        current_id = store.settings.get(CURRENT_SIGNED_SETTING)
        current_bytes = None if current_id is None else store.secrets.get_prekey(SIGNED, current_id)
        upload = None
        if current_bytes is None or (
            now - SignedPreKey.from_bytes(current_bytes).created_at >= SIGNED_PREKEY_ROTATE_S
        ):
            upload = schemas.KeysUpload(
                signed_prekey=_wire_signed(_new_signed_prekey(store, identity))
            )
        newest = store.settings.get(CURRENT_SIGNED_SETTING)
        for key_id in store.secrets.prekey_ids(SIGNED):
            data = store.secrets.get_prekey(SIGNED, key_id)
            if (
                key_id != newest
                and data is not None
                and now - SignedPreKey.from_bytes(data).created_at >= SIGNED_PREKEY_KEEP_S
            ):
                store.secrets.delete_prekey(SIGNED, key_id)
    return upload


def prekeys_for(store: MessageStore, message: PreKeyMessage) -> PreKeysForMessage:
    """Loads the private prekeys a received PreKey message names.

    Raises:
        MissingPreKey: One of them is gone (already used, rotated out, or never ours).
    """
    signed_bytes = store.secrets.get_prekey(SIGNED, message.signed_prekey_id)
    if signed_bytes is None:
        raise MissingPreKey("the message names an unknown signed prekey")
    one_time = None
    if message.one_time_prekey_id is not None:
        one_time_bytes = store.secrets.get_prekey(ONE_TIME, message.one_time_prekey_id)
        if one_time_bytes is None:
            raise MissingPreKey("the message names a used or unknown one-time prekey")
        one_time = OneTimePreKey.from_bytes(one_time_bytes)
    pq_kind = PQ
    pq_bytes = store.secrets.get_prekey(PQ, message.pq_prekey_id)
    if pq_bytes is None:
        pq_kind = PQ_LAST_RESORT
        pq_bytes = store.secrets.get_prekey(PQ_LAST_RESORT, message.pq_prekey_id)
    if pq_bytes is None:
        raise MissingPreKey("the message names a used or unknown PQ prekey")
    return PreKeysForMessage(
        signed=SignedPreKey.from_bytes(signed_bytes),
        one_time=one_time,
        pq=PqPreKey.from_bytes(pq_bytes),
        pq_kind=pq_kind,
    )


def consume_one_time_prekeys(store: MessageStore, used: PreKeysForMessage) -> None:
    """Deletes the one-time keys a new session used (call inside the session's transaction)."""
    if used.one_time is not None:
        store.secrets.delete_prekey(ONE_TIME, used.one_time.key_id)
    if used.pq_kind == PQ:
        store.secrets.delete_prekey(PQ, used.pq.key_id)
