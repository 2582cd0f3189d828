"""Fixtures of the storage tests: profiles, vaults, stores, a fake clock, an in-memory keyring."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring_double import MemoryKeyring

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

PASSWORD = "correct horse battery staple"


class LockedKeyring(MemoryKeyring):
    """A keychain that refuses reads because the user has not unlocked it."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


class FakeClock:
    """A settable clock, in seconds (vault backoff) and in milliseconds (store)."""

    def __init__(self, start_s: float = 1_800_000_000.0) -> None:
        self.now_s = start_s

    def seconds(self) -> float:
        return self.now_s

    def millis(self) -> int:
        return int(self.now_s * 1000)

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def created_vault(profile_dir: Path) -> tuple[UnlockedVault, str]:
    """A new vault at the Argon2id floor (the fastest parameters allowed)."""
    return Vault.create(profile_dir, PASSWORD, kdf_params=FLOOR_PARAMS)


@pytest.fixture
def vault(created_vault: tuple[UnlockedVault, str]) -> Iterator[UnlockedVault]:
    yield created_vault[0]
    created_vault[0].lock()


@pytest.fixture
def store(vault: UnlockedVault, clock: FakeClock) -> Iterator[MessageStore]:
    opened = vault.open_store(clock=clock.millis)
    yield opened
    vault.lock()


def _all_files(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in skip
    }


@pytest.fixture
def all_files() -> Callable[..., dict[str, bytes]]:
    """``all_files(root, skip=(names...))``: every file under root, relative path → bytes."""
    return _all_files


@pytest.fixture
def locked_keyring_class() -> type[MemoryKeyring]:
    """A keyring backend class whose reads fail with ``KeyringLocked``."""
    return LockedKeyring
