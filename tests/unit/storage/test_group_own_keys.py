"""Our sender keys of groups in a real store: made once, key ids never shared (issue 21)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chat_desktop.crypto.sender_keys import OwnSenderKey
from chat_desktop.services import groups_keys
from chat_desktop.services.groups_keys import own_key, rotate_own_key
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.store import MessageStore

pytestmark = pytest.mark.unit

GROUP_A = bytes(range(32))
GROUP_B = bytes(range(1, 33))
A = group_conversation_id(GROUP_A)
B = group_conversation_id(GROUP_B)


def _key(key_id: int) -> OwnSenderKey:
    return OwnSenderKey(
        key_id=key_id, iteration=0, chain_key=os.urandom(32), signing_seed=os.urandom(32)
    )


def test_a_key_is_made_once_then_kept_until_rotated(store: MessageStore) -> None:
    store.groups.save(A, GROUP_A, b"held", 1)
    first = own_key(store, A)
    assert own_key(store, A).key_id == first.key_id
    store.groups.add_key_holders(A, first.key_id, [("bob", 1)])
    rotate_own_key(store, A)
    assert store.groups.own_sender_key(A) is None
    assert store.groups.key_holders(A, first.key_id) == set()
    second = own_key(store, A)
    assert second.signing_public_key != first.signing_public_key


def test_a_new_key_never_takes_the_key_id_of_another_groups_key(
    store: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.groups.save(A, GROUP_A, b"held", 1)
    store.groups.save(B, GROUP_B, b"held", 1)
    store.groups.set_own_sender_key(A, _key(7).to_bytes())
    drawn: Iterator[OwnSenderKey] = iter([_key(7), _key(7), _key(8)])
    monkeypatch.setattr(groups_keys.OwnSenderKey, "generate", lambda: next(drawn))
    assert own_key(store, B).key_id == 8  # 7 is group A's: drawn again, twice
    assert own_key(store, A).key_id == 7
