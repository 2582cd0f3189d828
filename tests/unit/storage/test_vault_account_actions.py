"""Vault actions of the settings: re-checking the password, a new recovery key, erasing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyring_double import MemoryKeyring

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.storage.errors import (
    UnlockBackoff,
    VaultLocked,
    VaultNotFound,
    WrongPassword,
    WrongRecoveryKey,
)
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.vault_file import UnlockedVault, Vault

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password


def test_verify_password_accepts_the_password_and_changes_nothing(
    vault: UnlockedVault, profile_dir: Path
) -> None:
    before = ProfilePaths(profile_dir).vault.read_bytes()
    vault.verify_password(PASSWORD)
    assert ProfilePaths(profile_dir).vault.read_bytes() == before
    assert not ProfilePaths(profile_dir).backoff.exists()


def test_verify_password_shares_the_unlock_backoff(
    vault: UnlockedVault, profile_dir: Path, clock: Any
) -> None:
    with pytest.raises(WrongPassword):
        vault.verify_password("not the password at all", now=clock.seconds)
    # Straight away, even the right password is not tried: no faster guessing than unlock.
    with pytest.raises(UnlockBackoff):
        vault.verify_password(PASSWORD, now=clock.seconds)
    clock.advance(2)
    vault.verify_password(PASSWORD, now=clock.seconds)
    assert not ProfilePaths(profile_dir).backoff.exists()


def test_verify_password_of_a_locked_vault_is_refused(vault: UnlockedVault) -> None:
    vault.lock()
    with pytest.raises(VaultLocked):
        vault.verify_password(PASSWORD)


def test_a_rotated_recovery_key_unlocks_and_the_old_one_no_longer_does(
    created_vault: tuple[UnlockedVault, str], profile_dir: Path
) -> None:
    vault, old_key = created_vault
    database_key = vault.database_key()
    new_key = vault.rotate_recovery_key()
    assert new_key != old_key
    assert new_key not in ProfilePaths(profile_dir).vault.read_text()
    vault.lock()

    with pytest.raises(WrongRecoveryKey):
        Vault.unlock_with_recovery_key(profile_dir, old_key)
    by_recovery = Vault.unlock_with_recovery_key(profile_dir, new_key)
    assert by_recovery.database_key() == database_key
    by_recovery.lock()
    by_password = Vault.unlock(profile_dir, PASSWORD)
    assert by_password.database_key() == database_key
    by_password.lock()


def test_rotating_the_recovery_key_keeps_the_keychain_unlock(
    vault: UnlockedVault, profile_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    vault.enable_keychain()
    vault.rotate_recovery_key()
    vault.lock()
    reopened = Vault.unlock_with_keychain(profile_dir)
    reopened.lock()


def test_erase_removes_the_profile_folder_and_the_keychain_secret(
    profile_dir: Path, memory_keyring: MemoryKeyring
) -> None:
    vault, _ = Vault.create(profile_dir, PASSWORD, kdf_params=FLOOR_PARAMS)
    vault.open_store()  # left open on purpose: erasing closes it
    vault.enable_keychain()
    assert memory_keyring.entries
    vault.erase()
    assert not profile_dir.exists()
    assert not memory_keyring.entries
    assert vault.is_locked
    with pytest.raises(VaultNotFound):
        Vault.unlock(profile_dir, PASSWORD)
