"""Opt-in unlock with the system keychain, and every way it can fail without harm."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from chat_desktop.storage.errors import KeychainProblem, KeychainUnavailable
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.vault_file import UnlockedVault, Vault

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery staple"  # the conftest fixtures' password


def test_keychain_wrap_opens_the_vault(
    vault: UnlockedVault, profile_dir: Path, memory_keyring: Any
) -> None:
    assert not Vault.keychain_enabled(profile_dir)
    vault.enable_keychain()
    assert Vault.keychain_enabled(profile_dir)
    (secret,) = memory_keyring.entries.values()
    assert secret not in ProfilePaths(profile_dir).vault.read_text()
    database_key = vault.database_key()
    vault.lock()  # a profile is open in one place at a time
    opened = Vault.unlock_with_keychain(profile_dir)
    assert opened.database_key() == database_key
    opened.lock()


def test_not_enabled_is_a_clear_error(vault: UnlockedVault, profile_dir: Path) -> None:
    with pytest.raises(KeychainUnavailable) as error:
        Vault.unlock_with_keychain(profile_dir)
    assert error.value.problem is KeychainProblem.NOT_ENABLED


def _header(profile_dir: Path) -> bytes:
    return ProfilePaths(profile_dir).vault.read_bytes()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda entries: entries.clear(), KeychainProblem.SECRET_MISSING),
        (
            lambda entries: entries.update(
                {key: base64.b64encode(os.urandom(32)).decode() for key in entries}
            ),
            KeychainProblem.SECRET_CHANGED,
        ),
        (
            lambda entries: entries.update({key: "not base64!" for key in entries}),
            KeychainProblem.SECRET_CHANGED,
        ),
    ],
)
def test_missing_or_changed_secret_leaves_the_password_working(
    vault: UnlockedVault,
    profile_dir: Path,
    memory_keyring: Any,
    damage: Callable[[dict[Any, str]], None],
    problem: KeychainProblem,
) -> None:
    vault.enable_keychain()
    database_key = vault.database_key()
    vault.lock()
    header = _header(profile_dir)
    damage(memory_keyring.entries)
    with pytest.raises(KeychainUnavailable) as error:
        Vault.unlock_with_keychain(profile_dir)
    assert error.value.problem is problem
    assert _header(profile_dir) == header
    assert Vault.unlock(profile_dir, PASSWORD).database_key() == database_key


def test_keychain_gone_after_opt_in(
    vault: UnlockedVault, profile_dir: Path, memory_keyring: Any
) -> None:
    vault.enable_keychain()
    database_key = vault.database_key()
    vault.lock()
    header = _header(profile_dir)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeychainUnavailable) as error:
        Vault.unlock_with_keychain(profile_dir)
    assert error.value.problem is KeychainProblem.UNAVAILABLE
    assert _header(profile_dir) == header
    assert Vault.unlock(profile_dir, PASSWORD).database_key() == database_key


def test_locked_keychain_is_reported_as_locked(
    vault: UnlockedVault, profile_dir: Path, memory_keyring: Any, locked_keyring_class: Any
) -> None:
    vault.enable_keychain()
    vault.lock()
    locked = locked_keyring_class()
    locked.entries = dict(memory_keyring.entries)
    keyring.set_keyring(locked)
    with pytest.raises(KeychainUnavailable) as error:
        Vault.unlock_with_keychain(profile_dir)
    assert error.value.problem is KeychainProblem.LOCKED


def test_enabling_without_a_keychain_changes_nothing(
    vault: UnlockedVault, profile_dir: Path
) -> None:
    # conftest.py at the tests root selects keyring's fail backend for every test.
    keyring.set_keyring(fail.Keyring())
    header = _header(profile_dir)
    with pytest.raises(KeychainUnavailable) as error:
        vault.enable_keychain()
    assert error.value.problem is KeychainProblem.UNAVAILABLE
    assert _header(profile_dir) == header
    assert not vault.keychain_enabled


def test_disable_removes_the_wrap_and_the_secret(
    vault: UnlockedVault, profile_dir: Path, memory_keyring: Any
) -> None:
    vault.enable_keychain()
    vault.disable_keychain()
    vault.lock()
    assert memory_keyring.entries == {}
    assert json.loads(_header(profile_dir))["keychain"] is None
    with pytest.raises(KeychainUnavailable):
        Vault.unlock_with_keychain(profile_dir)
    assert Vault.unlock(profile_dir, PASSWORD).vault_id == vault.vault_id
