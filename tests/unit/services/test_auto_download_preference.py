"""The "download files up to N MiB automatically" preference: its range, its default, and
what a damaged stored value reads as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.preferences import (
    AUTO_DOWNLOAD_SETTING,
    MAX_AUTO_DOWNLOAD_MIB,
    InvalidPreference,
    Preferences,
    auto_download_limit,
    load_preferences,
    save_preferences,
)
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.unit

MIB = 1024 * 1024


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MessageStore]:
    vault, _recovery = Vault.create(
        tmp_path / "profile", "correct horse battery staple", kdf_params=FLOOR_PARAMS
    )
    yield vault.open_store()
    vault.lock()


def test_the_default_is_10_mib_and_zero_means_never(store: MessageStore) -> None:
    assert Preferences().auto_download_mib == 10
    assert auto_download_limit(store) == 10 * MIB
    save_preferences(store, Preferences(auto_download_mib=0))
    assert auto_download_limit(store) == 0
    save_preferences(store, Preferences(auto_download_mib=MAX_AUTO_DOWNLOAD_MIB))
    assert auto_download_limit(store) == 100 * MIB


@pytest.mark.parametrize("value", [-1, MAX_AUTO_DOWNLOAD_MIB + 1, True, 2.5, "10"])
def test_out_of_range_values_are_refused_and_nothing_is_saved(
    store: MessageStore, value: object
) -> None:
    save_preferences(store, Preferences(auto_download_mib=25))
    with pytest.raises(InvalidPreference) as raised:
        save_preferences(store, Preferences(auto_download_mib=value))  # type: ignore[arg-type]
    assert raised.value.field == "auto_download_mib"
    assert load_preferences(store).auto_download_mib == 25


def test_a_damaged_stored_value_reads_as_the_default(store: MessageStore) -> None:
    store.settings.set(AUTO_DOWNLOAD_SETTING, 10_000)
    assert load_preferences(store).auto_download_mib == 10
    assert auto_download_limit(store) == 10 * MIB
