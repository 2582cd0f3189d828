"""The vault file: creation, unlock paths, wrong passwords and backoff, password change, lock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chat_desktop.crypto.vault import FLOOR_PARAMS, Argon2Params
from chat_desktop.storage.errors import (
    PasswordTooShort,
    UnlockBackoff,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WeakPassword,
    WrongPassword,
    WrongRecoveryKey,
)
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.vault_file import UnlockedVault, Vault

pytestmark = pytest.mark.unit

AllFiles = Callable[..., dict[str, bytes]]
PASSWORD = "correct horse battery staple"  # the conftest fixtures' password


def test_header_holds_params_salt_and_wraps_but_no_secret(
    created_vault: tuple[UnlockedVault, str], profile_dir: Path
) -> None:
    vault, recovery_key = created_vault
    text = ProfilePaths(profile_dir).vault.read_text()
    header = json.loads(text)
    assert header["version"] == 1
    assert header["password"]["kdf"] == "argon2id"
    assert header["password"]["memory_kib"] == FLOOR_PARAMS.memory_kib
    assert header["password"]["iterations"] == FLOOR_PARAMS.iterations
    assert header["password"]["lanes"] == FLOOR_PARAMS.lanes
    assert header["password"]["salt"]
    assert header["recovery"]["wrap"]["ciphertext"]
    assert header["keychain"] is None
    assert PASSWORD not in text
    assert recovery_key not in text
    assert vault.database_key().hex() not in text
    assert ProfilePaths(profile_dir).vault.stat().st_mode & 0o077 == 0
    assert profile_dir.stat().st_mode & 0o077 == 0


def test_unlock_with_the_password_gives_the_same_keys(
    vault: UnlockedVault, profile_dir: Path
) -> None:
    keys = (vault.database_key(), vault.row_wrap_key())
    vault.lock()
    reopened = Vault.unlock(profile_dir, PASSWORD)
    assert (reopened.database_key(), reopened.row_wrap_key()) == keys
    assert reopened.kdf_params == FLOOR_PARAMS
    reopened.lock()


def test_create_refuses_short_weak_and_existing(profile_dir: Path) -> None:
    with pytest.raises(PasswordTooShort):
        Vault.create(profile_dir, "short", kdf_params=FLOOR_PARAMS)
    with pytest.raises(WeakPassword) as weak:
        Vault.create(profile_dir, "password1234", kdf_params=FLOOR_PARAMS)
    assert "password1234" not in str(weak.value)
    assert not Vault.exists(profile_dir)
    # After the warning, the user may insist.
    Vault.create(profile_dir, "password1234", kdf_params=FLOOR_PARAMS, allow_weak=True)
    with pytest.raises(VaultExists):
        Vault.create(profile_dir, PASSWORD, kdf_params=FLOOR_PARAMS)


@pytest.mark.parametrize("weak", ["1234567890123", "aaaaaaaaaaaa", "abcdefghijkl", "qwertyuiop!!"])
def test_common_weak_patterns_are_flagged(weak: str, profile_dir: Path) -> None:
    with pytest.raises(WeakPassword):
        Vault.create(profile_dir, weak, kdf_params=FLOOR_PARAMS)


def test_params_below_the_rfc_floor_are_refused(profile_dir: Path) -> None:
    with pytest.raises(ValueError, match="RFC 9106"):
        Vault.create(profile_dir, PASSWORD, kdf_params=Argon2Params(32 * 1024, 3, 4))


def test_default_creation_calibrates_at_or_above_the_floor(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "calibrated", PASSWORD)
    assert vault.kdf_params.meets_floor()
    vault.lock()
    assert Vault.unlock(tmp_path / "calibrated", PASSWORD).vault_id == vault.vault_id


def test_wrong_password_changes_no_file_and_persists_a_backoff(
    store: object, vault: UnlockedVault, profile_dir: Path, clock: Any, all_files: AllFiles
) -> None:
    vault.lock()
    paths = ProfilePaths(profile_dir)
    before = all_files(profile_dir)
    with pytest.raises(WrongPassword) as wrong:
        Vault.unlock(profile_dir, "not the password at all", now=clock.seconds)
    assert wrong.value.retry_after == 1.0
    assert "not the password" not in str(wrong.value)
    assert all_files(profile_dir, skip=(paths.backoff.name,)) == before
    assert json.loads(paths.backoff.read_text())["failures"] == 1

    # A new process (nothing in memory) sees the same backoff: even the right password waits.
    with pytest.raises(UnlockBackoff) as backoff:
        Vault.unlock(profile_dir, PASSWORD, now=clock.seconds)
    assert 0 < backoff.value.retry_after <= 1.0

    clock.advance(1.0)
    with pytest.raises(WrongPassword) as second:
        Vault.unlock(profile_dir, "still not the password", now=clock.seconds)
    assert second.value.retry_after == 2.0
    clock.advance(1.5)
    with pytest.raises(UnlockBackoff):
        Vault.unlock(profile_dir, PASSWORD, now=clock.seconds)
    clock.advance(0.5)
    unlocked = Vault.unlock(profile_dir, PASSWORD, now=clock.seconds)
    database_key = unlocked.database_key()
    unlocked.lock()
    assert database_key == Vault.unlock(profile_dir, PASSWORD).database_key()
    assert not paths.backoff.exists()
    assert all_files(profile_dir) == before


def test_backoff_caps_at_five_minutes(vault: UnlockedVault, profile_dir: Path) -> None:
    vault.lock()
    paths = ProfilePaths(profile_dir)
    paths.backoff.write_text(json.dumps({"failures": 40, "last_failure_at": 1000.0}))
    with pytest.raises(UnlockBackoff) as backoff:
        Vault.unlock(profile_dir, PASSWORD, now=lambda: 1000.0)
    assert backoff.value.retry_after == 300.0
    assert Vault.unlock(profile_dir, PASSWORD, now=lambda: 1300.0).vault_id == vault.vault_id


def test_recovery_key_opens_and_a_wrong_one_does_not(
    created_vault: tuple[UnlockedVault, str], profile_dir: Path
) -> None:
    vault, recovery_key = created_vault
    database_key = vault.database_key()
    vault.lock()
    recovered = Vault.unlock_with_recovery_key(profile_dir, recovery_key.lower())
    assert recovered.database_key() == database_key
    recovered.lock()
    other = "AAAA-" * 11 + "AAAA"
    with pytest.raises(WrongRecoveryKey):
        Vault.unlock_with_recovery_key(profile_dir, other)
    with pytest.raises(WrongRecoveryKey):
        Vault.unlock_with_recovery_key(profile_dir, "not a key")


def test_password_change_rewraps_only_the_header(
    created_vault: tuple[UnlockedVault, str], profile_dir: Path, all_files: AllFiles
) -> None:
    vault, recovery_key = created_vault
    store = vault.open_store()
    store.settings.set("theme", "dark")
    store.close()
    paths = ProfilePaths(profile_dir)
    before = all_files(profile_dir)
    old_header = json.loads(paths.vault.read_text())

    vault.change_password("a brand new passphrase", kdf_params=FLOOR_PARAMS)
    database_key = vault.database_key()
    vault.lock()

    after = all_files(profile_dir)
    assert {name for name in after if after[name] != before.get(name)} == {"vault.json"}
    new_header = json.loads(paths.vault.read_text())
    assert new_header["password"]["salt"] != old_header["password"]["salt"]
    assert new_header["recovery"] == old_header["recovery"]
    assert not list(profile_dir.glob(".*.tmp"))
    with pytest.raises(WrongPassword):
        Vault.unlock(profile_dir, PASSWORD)
    paths.backoff.unlink()
    reopened = Vault.unlock(profile_dir, "a brand new passphrase")
    assert reopened.database_key() == database_key
    assert reopened.open_store().settings.get("theme") == "dark"
    reopened.lock()
    assert Vault.unlock_with_recovery_key(profile_dir, recovery_key).vault_id == vault.vault_id


def test_lock_closes_stores_and_forgets_keys(vault: UnlockedVault) -> None:
    store = vault.open_store()
    vault.lock()
    assert vault.is_locked
    assert store.is_closed
    with pytest.raises(VaultLocked):
        vault.database_key()
    with pytest.raises(VaultLocked):
        store.settings.get("anything")
    with pytest.raises(VaultLocked):
        store.secrets.put_session("bob", 1, b"state")
    assert not store.paths.running_marker.exists()


def test_missing_and_tampered_headers_are_typed_errors(tmp_path: Path, profile_dir: Path) -> None:
    with pytest.raises(VaultNotFound):
        Vault.unlock(tmp_path / "nowhere", PASSWORD)
    Vault.create(profile_dir, PASSWORD, kdf_params=FLOOR_PARAMS)
    paths = ProfilePaths(profile_dir)
    header = json.loads(paths.vault.read_text())
    header["password"]["memory_kib"] = 1024
    paths.vault.write_text(json.dumps(header))
    with pytest.raises(VaultCorrupt):
        Vault.unlock(profile_dir, PASSWORD)
    paths.vault.write_text("{not json")
    with pytest.raises(VaultCorrupt):
        Vault.unlock(profile_dir, PASSWORD)


def test_the_header_names_the_account_without_breaking_older_headers(tmp_path: Path) -> None:
    from chat_desktop.storage.vault_header import header_from_bytes, header_to_bytes

    vault, _ = Vault.create(tmp_path / "p", PASSWORD, kdf_params=FLOOR_PARAMS)
    assert Vault.account_label(tmp_path / "p") is None  # older profiles: no name
    vault.set_account_label("alice")
    vault.lock()
    assert Vault.account_label(tmp_path / "p") == "alice"
    header = header_from_bytes((tmp_path / "p" / "vault.json").read_bytes())
    assert header.account == "alice"
    # A name that is not a username is not shown (display only: the header stays valid).
    odd = header_to_bytes(header).replace(b'"alice"', b'"<b>x</b>"')
    assert header_from_bytes(odd).account is None
    # The password still opens it, and a header without the field still parses.
    Vault.unlock(tmp_path / "p", PASSWORD).lock()
    assert header_from_bytes(header_to_bytes(header.with_changes(account=None))).account is None
