"""Weekly rotation of the signed and the last-resort PQ prekey, old keys kept 30 days."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import (
    PqPreKey,
    SignedPreKey,
    verify_pq_prekey,
    verify_signed_prekey,
)
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services import own_keys
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.unit

DAY_MS = 24 * 3600 * 1000
WEEK_MS = 7 * DAY_MS


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    vault, _recovery = Vault.create(
        tmp_path / "profile", "correct horse battery staple", kdf_params=FLOOR_PARAMS
    )
    yield vault.open_store()
    vault.lock()


@pytest.fixture
def identity(store: MessageStore) -> IdentityKeyPair:
    identity, _signed, _pq, _one_time = own_keys.create_identity_and_prekeys(store)
    return identity


def last_resort_ids(store: MessageStore) -> list[int]:
    return sorted(store.secrets.prekey_ids(own_keys.PQ_LAST_RESORT))


def birth_ms(store: MessageStore) -> int:
    (key_id,) = last_resort_ids(store)
    data = store.secrets.get_prekey(own_keys.PQ_LAST_RESORT, key_id)
    assert data is not None
    return PqPreKey.from_bytes(data).created_at * 1000


def first_key_ms(store: MessageStore) -> int:
    """When the oldest key of the new device was made: its signed prekey comes first, and
    on a slow machine the second can turn before the last-resort key (made after 100 PQ
    keys) is made."""
    (key_id,) = store.secrets.prekey_ids(own_keys.SIGNED)
    data = store.secrets.get_prekey(own_keys.SIGNED, key_id)
    assert data is not None
    return SignedPreKey.from_bytes(data).created_at * 1000


def test_nothing_is_due_within_the_week(store: MessageStore, identity: IdentityKeyPair) -> None:
    born = first_key_ms(store)
    assert born <= birth_ms(store)
    assert own_keys.rotation_if_due(store, identity, born + WEEK_MS - 1000) is None


def test_after_a_week_both_keys_rotate_in_one_upload(
    store: MessageStore, identity: IdentityKeyPair
) -> None:
    born = birth_ms(store)
    (old_last_resort,) = last_resort_ids(store)
    old_signed = sorted(store.secrets.prekey_ids(own_keys.SIGNED))

    upload = own_keys.rotation_if_due(store, identity, born + WEEK_MS)

    assert upload is not None and upload.signed_prekey is not None
    assert upload.pq_prekeys is not None
    (new_last_resort,) = upload.pq_prekeys
    assert new_last_resort.last_resort and new_last_resort.id != old_last_resort
    verify_pq_prekey(identity.public_key, new_last_resort.public_key, new_last_resort.signature)
    verify_signed_prekey(
        identity.public_key, upload.signed_prekey.public_key, upload.signed_prekey.signature
    )
    assert upload.one_time_prekeys is None
    # The old private keys stay for first messages still on their way.
    assert last_resort_ids(store) == [old_last_resort, new_last_resort.id]
    assert sorted(store.secrets.prekey_ids(own_keys.SIGNED)) == [
        *old_signed,
        upload.signed_prekey.id,
    ]
    # Not due again until the new keys are a week old.
    assert own_keys.rotation_if_due(store, identity, born + WEEK_MS + DAY_MS) is None


def test_replaced_keys_are_kept_30_days_after_their_replacement(
    store: MessageStore, identity: IdentityKeyPair
) -> None:
    born = birth_ms(store)
    (first,) = last_resort_ids(store)
    upload = own_keys.rotation_if_due(store, identity, born + WEEK_MS)
    assert upload is not None and upload.pq_prekeys is not None
    second = upload.pq_prekeys[0].id

    # 29 days after its replacement (36 after its birth) the first key is still there; the
    # second, a month old, is replaced by a third now.
    upload = own_keys.rotation_if_due(store, identity, born + WEEK_MS + 29 * DAY_MS)
    assert upload is not None and upload.pq_prekeys is not None
    third = upload.pq_prekeys[0].id
    assert last_resort_ids(store) == [first, second, third]
    # 30 days after its replacement the first is gone; the second (replaced a day ago) stays.
    assert own_keys.rotation_if_due(store, identity, born + WEEK_MS + 30 * DAY_MS) is None
    assert last_resort_ids(store) == [second, third]


def test_a_key_dated_in_the_future_is_replaced(
    store: MessageStore, identity: IdentityKeyPair
) -> None:
    born = birth_ms(store)
    upload = own_keys.rotation_if_due(store, identity, born - 2 * DAY_MS)
    assert upload is not None and upload.pq_prekeys is not None


def test_the_former_name_still_rotates(store: MessageStore, identity: IdentityKeyPair) -> None:
    born = birth_ms(store)
    upload = own_keys.rotate_signed_prekey_if_due(store, identity, (born + WEEK_MS) / 1000)
    assert upload is not None and upload.signed_prekey is not None and upload.pq_prekeys
