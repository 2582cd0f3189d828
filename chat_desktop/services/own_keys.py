"""This device's own keys: identity, prekey rotation, one-time prekey supply.

The signed prekey and the last-resort PQ prekey are rotated weekly
(:func:`rotation_if_due`); a replaced key's private half is kept 30 days after it was
replaced, so a first message made from a bundle fetched just before the rotation, and held
by the relay for up to its 30-day retention, still decrypts.

Runs on the store thread (every function takes the open store): private keys are written
only sealed by the store, and key ids come from the store's persisted counters so they never
repeat for this device (docs/protocol.md §1).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import msgspec

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
#: How long a replaced signed or last-resort key is kept, counted from its replacement.
SIGNED_PREKEY_KEEP_S = 30 * 24 * 3600
#: The last-resort PQ prekey rotates on the signed prekey's schedule.
PQ_LAST_RESORT_ROTATE_S = SIGNED_PREKEY_ROTATE_S
CURRENT_SIGNED_SETTING = "own_keys.current_signed_prekey"
CURRENT_PQ_LAST_RESORT_SETTING = "own_keys.current_pq_last_resort"


class MissingPreKey(InvalidMessage):
    """A PreKey message names one of our prekeys that we no longer (or never) had."""


class PreKeysForMessage(msgspec.Struct, frozen=True):
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


def _new_signed_prekey(
    store: MessageStore, identity: IdentityKeyPair, now: float | None = None
) -> SignedPreKey:
    (key_id,) = store.secrets.allocate_key_ids(SIGNED)
    prekey = SignedPreKey.generate(identity, key_id, None if now is None else int(now))
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
    store: MessageStore,
    identity: IdentityKeyPair,
    count: int,
    *,
    last_resort: bool = False,
    now: float | None = None,
) -> list[schemas.PqPreKey]:
    # One id space for one-time and last-resort PQ keys: a message names only the id.
    ids = store.secrets.allocate_key_ids(PQ, count)
    kind = PQ_LAST_RESORT if last_resort else PQ
    wire = []
    for key_id in ids:
        prekey = PqPreKey.generate(
            identity, key_id, last_resort=last_resort, now=None if now is None else int(now)
        )
        store.secrets.put_prekey(kind, key_id, prekey.to_bytes(), prekey.public_key)
        wire.append(_wire_pq(prekey))
    return wire


def create_identity_and_prekeys(
    store: MessageStore,
    identity: IdentityKeyPair | None = None,
) -> tuple[
    IdentityKeyPair,
    schemas.SignedPreKey,
    list[schemas.PqPreKey],
    list[schemas.OneTimePreKey],
]:
    """Makes the identity and the first prekeys of a new device, all in one transaction.

    A linked device is given the account's ``identity`` (from the provisioning message)
    instead of making one: every device of an account shares it (docs/protocol.md §6.11).
    """
    identity = IdentityKeyPair.generate() if identity is None else identity
    with store.transaction():
        store.secrets.put_identity(identity.seed)
        signed = _new_signed_prekey(store, identity)
        pq = _new_pq_prekeys(store, identity, ONE_TIME_BATCH)
        last_resort = _new_pq_prekeys(store, identity, 1, last_resort=True)
        store.settings.set(CURRENT_PQ_LAST_RESORT_SETTING, last_resort[0].id)
        pq += last_resort
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


def rotation_if_due(
    store: MessageStore, identity: IdentityKeyPair, now_ms: int | None = None
) -> schemas.KeysUpload | None:
    """Rotates the signed and the last-resort PQ prekey when due; forgets replaced ones.

    Call it at connect and on a timer while connected (hourly is plenty), and upload what it
    returns with ``keys:upload``: the relay replaces its signed prekey and its last-resort PQ
    prekey with the new ones. Each key is replaced once it is
    :data:`SIGNED_PREKEY_ROTATE_S` old (or dated in the future by a wrong clock); a replaced
    key's private half is deleted :data:`SIGNED_PREKEY_KEEP_S` after its replacement was made.
    One transaction, so a crash leaves either both rotations or neither.

    Args:
        store: The open store (call on the store thread).
        identity: This device's identity, to sign new keys.
        now_ms: The time in ms since the epoch; the wall clock when omitted.

    Returns:
        The upload with the new key(s), or None when nothing was due.
    """
    now = time.time() if now_ms is None else now_ms / 1000
    with store.transaction():
        signed = None
        current_signed = _current_key(store, SIGNED, CURRENT_SIGNED_SETTING, _signed_created_at)
        if current_signed is None or _due(now, current_signed[1], SIGNED_PREKEY_ROTATE_S):
            signed = _wire_signed(_new_signed_prekey(store, identity, now))
        last_resort = None
        current_pq = _current_key(
            store, PQ_LAST_RESORT, CURRENT_PQ_LAST_RESORT_SETTING, _pq_created_at
        )
        if current_pq is None or _due(now, current_pq[1], PQ_LAST_RESORT_ROTATE_S):
            (last_resort,) = _new_pq_prekeys(store, identity, 1, last_resort=True, now=now)
            store.settings.set(CURRENT_PQ_LAST_RESORT_SETTING, last_resort.id)
        _forget_replaced(store, SIGNED, CURRENT_SIGNED_SETTING, _signed_created_at, now)
        _forget_replaced(store, PQ_LAST_RESORT, CURRENT_PQ_LAST_RESORT_SETTING, _pq_created_at, now)
    if signed is None and last_resort is None:
        return None
    return schemas.KeysUpload(
        signed_prekey=signed, pq_prekeys=None if last_resort is None else [last_resort]
    )


def rotate_signed_prekey_if_due(
    store: MessageStore, identity: IdentityKeyPair, now: float | None = None
) -> schemas.KeysUpload | None:
    """The former name of :func:`rotation_if_due` (``now`` in seconds); rotates both keys."""
    return rotation_if_due(store, identity, None if now is None else round(now * 1000))


def _signed_created_at(data: bytes) -> int:
    return SignedPreKey.from_bytes(data).created_at


def _pq_created_at(data: bytes) -> int:
    return PqPreKey.from_bytes(data).created_at


def _due(now: float, created_at: int, period_s: int) -> bool:
    """True when a key made at ``created_at`` must be replaced: too old, or from the future."""
    return not 0 <= now - created_at < period_s


def _current_key(
    store: MessageStore, kind: str, setting: str, created_at: Callable[[bytes], int]
) -> tuple[int, int] | None:
    """The id and creation time of the key of ``kind`` in use, or None if there is none.

    The setting names it; profiles made before the setting existed use their newest key
    (ids only grow).
    """
    key_id = store.settings.get(setting)
    if key_id is None or store.secrets.get_prekey(kind, key_id) is None:
        ids = store.secrets.prekey_ids(kind)
        if not ids:
            return None
        key_id = max(ids)
    data = store.secrets.get_prekey(kind, key_id)
    assert data is not None
    return key_id, created_at(data)


def _forget_replaced(
    store: MessageStore,
    kind: str,
    setting: str,
    created_at: Callable[[bytes], int],
    now: float,
) -> None:
    """Deletes keys of ``kind`` replaced at least :data:`SIGNED_PREKEY_KEEP_S` ago.

    A key was replaced when the next newer key of its kind was made (ids only grow), so a
    key stays 30 days after the relay stopped handing it out, not 30 days after its birth.
    """
    current = _current_key(store, kind, setting, created_at)
    if current is None:
        return
    born = {}
    for key_id in store.secrets.prekey_ids(kind):
        data = store.secrets.get_prekey(kind, key_id)
        if data is not None:
            born[key_id] = created_at(data)
    ids = sorted(born)
    for older, newer in itertools.pairwise(ids):
        if older != current[0] and now - born[newer] >= SIGNED_PREKEY_KEEP_S:
            store.secrets.delete_prekey(kind, older)


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
