"""The vault of a profile: create it, unlock it, change how it unlocks, lock it.

I/O and policy over the pure key handling of :mod:`chat_desktop.crypto.vault`. The master key
is random and never changes for the life of a profile: a password change, the recovery key and
the keychain only add or replace *wraps* of it in the header, so no message is re-encrypted.
"""

from __future__ import annotations

import hmac
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chat_desktop.crypto import vault as keys
from chat_desktop.crypto.vault import Argon2Params, KeyUnwrapFailed
from chat_desktop.storage import keychain, unlock_backoff
from chat_desktop.storage.atomic import fsync_directory
from chat_desktop.storage.errors import (
    KeychainProblem,
    KeychainUnavailable,
    StorageError,
    UnlockBackoff,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WrongPassword,
    WrongRecoveryKey,
)
from chat_desktop.storage.password_policy import check_new_password
from chat_desktop.storage.profile import ProfilePaths
from chat_desktop.storage.profile_lock import ProfileLock
from chat_desktop.storage.vault_header import VaultHeader, read_header, write_header

if TYPE_CHECKING:
    from chat_desktop.storage.snapshots import RestoreReport
    from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

WallClock = Callable[[], float]

_PASSWORD_WRAP = "password"  # noqa: S105 - the name of a wrap, not a password
_RECOVERY_WRAP = "recovery"
_KEYCHAIN_WRAP = "keychain"


def _choose_params(kdf_params: Argon2Params | None) -> Argon2Params:
    params = keys.calibrate_argon2() if kdf_params is None else kdf_params
    if not params.meets_floor():
        raise ValueError("Argon2id parameters below RFC 9106's second recommendation")
    return params


def _unwrap_with_password(
    paths: ProfilePaths, header: VaultHeader, password: str, now: WallClock
) -> bytes:
    """The master key unwrapped with the password, under the persisted wrong-password backoff.

    Raises:
        UnlockBackoff: Too soon after a wrong password (the password is not even tried).
        WrongPassword: The password is wrong; the failure is recorded in the backoff file.
    """
    backoff = unlock_backoff.read_backoff(paths.backoff)
    wait = backoff.retry_after(now())
    if wait > 0:
        raise UnlockBackoff(wait)
    kek = keys.derive_password_kek(password, header.password_salt, header.password_params)
    try:
        key = keys.unwrap_key(
            kek,
            header.password_wrap,
            keys.wrap_associated_data(header.vault_id, _PASSWORD_WRAP),
        )
    except KeyUnwrapFailed:
        state = unlock_backoff.record_failure(paths.backoff, now())
        raise WrongPassword(keys.backoff_delay(state.failures)) from None
    unlock_backoff.clear_backoff(paths.backoff)
    return key


def _unlock_holding_lock(
    paths: ProfilePaths, header: VaultHeader, master_key: Callable[[], bytes]
) -> UnlockedVault:
    """Take the profile lock, then recover the master key; the lock is released on failure.

    The lock comes first so a second opener fails fast with ProfileInUse, before any key
    derivation and before anything (the backoff file) is written.
    """
    lock = ProfileLock.acquire(paths.root)
    try:
        return UnlockedVault(paths, header, master_key(), lock)
    except BaseException:
        lock.release()
        raise


class Vault:
    """Entry points that turn a profile folder and a secret into an :class:`UnlockedVault`.

    Each holds the profile's OS lock from the moment it succeeds until
    :meth:`UnlockedVault.lock`: a profile is open in one place at a time (ProfileInUse).
    """

    @staticmethod
    def exists(profile_dir: Path) -> bool:
        """Whether the profile folder already holds a vault."""
        return ProfilePaths(profile_dir).vault.exists()

    @classmethod
    def create(
        cls,
        profile_dir: Path,
        password: str,
        *,
        allow_weak: bool = False,
        kdf_params: Argon2Params | None = None,
        now: WallClock = time.time,
        user_inputs: Sequence[str] = (),
    ) -> tuple[UnlockedVault, str]:
        """Create a vault with a fresh master key, protected by the password and a recovery key.

        Args:
            profile_dir: The profile folder (created if missing).
            password: At least 10 characters.
            allow_weak: Accept a guessable password (after the user saw the warning).
            kdf_params: Fixed Argon2id parameters (tests); by default calibrated to ~0.6 s.
            now: Wall clock, injectable for tests.
            user_inputs: Words a guesser would try first (the username, the relay host).

        Returns:
            The unlocked vault and the recovery key, to be shown to the user exactly once.

        Raises:
            PasswordTooShort: The password is too short.
            WeakPassword: The password is guessable and ``allow_weak`` is False.
            VaultExists: The folder already holds a vault (it is never overwritten).
            ProfileInUse: Another process holds the profile folder.
        """
        check_new_password(password, allow_weak=allow_weak, user_inputs=user_inputs)
        paths = ProfilePaths(profile_dir)
        if paths.vault.exists():
            raise VaultExists("an account already exists in this profile")
        profile_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(profile_dir, 0o700)
        lock = ProfileLock.acquire(profile_dir)
        try:
            if paths.vault.exists():  # created meanwhile by the process that held the lock
                raise VaultExists("an account already exists in this profile")
            return cls._create_locked(paths, password, kdf_params, now, lock)
        except BaseException:
            lock.release()
            raise

    @staticmethod
    def _create_locked(
        paths: ProfilePaths,
        password: str,
        kdf_params: Argon2Params | None,
        now: WallClock,
        lock: ProfileLock,
    ) -> tuple[UnlockedVault, str]:
        params = _choose_params(kdf_params)
        master_key = keys.new_master_key()
        vault_id = str(uuid.uuid4())
        password_salt = keys.new_salt()
        hkdf_salt = keys.new_salt()
        recovery_key = keys.new_recovery_key()
        recovery_bytes = keys.parse_recovery_key(recovery_key)
        assert recovery_bytes is not None
        header = VaultHeader(
            vault_id=vault_id,
            created_at_ms=int(now() * 1000),
            password_salt=password_salt,
            password_params=params,
            password_wrap=keys.wrap_key(
                keys.derive_password_kek(password, password_salt, params),
                master_key,
                keys.wrap_associated_data(vault_id, _PASSWORD_WRAP),
            ),
            hkdf_salt=hkdf_salt,
            recovery_wrap=keys.wrap_key(
                keys.derive_recovery_kek(recovery_bytes, hkdf_salt),
                master_key,
                keys.wrap_associated_data(vault_id, _RECOVERY_WRAP),
            ),
        )
        write_header(paths.vault, header)
        return UnlockedVault(paths, header, master_key, lock), recovery_key

    @classmethod
    def unlock(
        cls, profile_dir: Path, password: str, *, now: WallClock = time.time
    ) -> UnlockedVault:
        """Unlock with the password.

        Raises:
            VaultNotFound: No vault in this folder.
            VaultCorrupt: The header is unreadable.
            UnlockBackoff: Too soon after a wrong password (the password is not even tried).
            WrongPassword: The password is wrong; only the backoff file changes on disk.
            ProfileInUse: The profile is open elsewhere (nothing was tried or written).
        """
        paths = ProfilePaths(profile_dir)
        header = read_header(paths.vault)
        return _unlock_holding_lock(
            paths, header, lambda: _unwrap_with_password(paths, header, password, now)
        )

    @classmethod
    def unlock_with_recovery_key(cls, profile_dir: Path, recovery_key: str) -> UnlockedVault:
        """Unlock with the recovery key shown at creation (then set a new password).

        Raises:
            VaultNotFound: No vault in this folder.
            WrongRecoveryKey: Malformed, or not this vault's recovery key.
            ProfileInUse: The profile is open elsewhere.
        """
        paths = ProfilePaths(profile_dir)
        header = read_header(paths.vault)
        recovery_bytes = keys.parse_recovery_key(recovery_key)
        if recovery_bytes is None:
            raise WrongRecoveryKey("a recovery key is 12 groups of 4 letters and digits")

        def master_key() -> bytes:
            try:
                key = keys.unwrap_key(
                    keys.derive_recovery_kek(recovery_bytes, header.hkdf_salt),
                    header.recovery_wrap,
                    keys.wrap_associated_data(header.vault_id, _RECOVERY_WRAP),
                )
            except KeyUnwrapFailed:
                raise WrongRecoveryKey("this recovery key does not open this account") from None
            unlock_backoff.clear_backoff(paths.backoff)
            return key

        return _unlock_holding_lock(paths, header, master_key)

    @staticmethod
    def account_label(profile_dir: Path) -> str | None:
        """The username of the profile's account, for the unlock dialog (None if unknown)."""
        try:
            return read_header(ProfilePaths(profile_dir).vault).account
        except StorageError:
            return None

    @classmethod
    def keychain_enabled(cls, profile_dir: Path) -> bool:
        """Whether the user opted in to unlocking with the system keychain."""
        return read_header(ProfilePaths(profile_dir).vault).keychain_wrap is not None

    @classmethod
    def unlock_with_keychain(cls, profile_dir: Path) -> UnlockedVault:
        """Unlock with the secret kept in the OS keychain.

        Raises:
            KeychainUnavailable: Not enabled, keychain missing or locked, secret gone or
                changed. The header is left as it is: the password still works.
            ProfileInUse: The profile is open elsewhere.
        """
        paths = ProfilePaths(profile_dir)
        header = read_header(paths.vault)
        wrap = header.keychain_wrap
        if wrap is None:
            raise KeychainUnavailable(KeychainProblem.NOT_ENABLED)

        def master_key() -> bytes:
            secret = keychain.load_keychain_secret(header.vault_id)
            try:
                return keys.unwrap_key(
                    keys.derive_keychain_kek(secret, header.hkdf_salt),
                    wrap,
                    keys.wrap_associated_data(header.vault_id, _KEYCHAIN_WRAP),
                )
            except KeyUnwrapFailed:
                raise KeychainUnavailable(KeychainProblem.SECRET_CHANGED) from None

        return _unlock_holding_lock(paths, header, master_key)


class PasswordChange:
    """A new password's wrap of the master key, derived but not yet written (no clear secret).

    Made by :meth:`UnlockedVault.prepare_password_change`, written by
    :meth:`UnlockedVault.apply_password_change`.
    """

    __slots__ = ("header",)

    def __init__(self, header: VaultHeader) -> None:
        """Holds ``header``: the vault's header with the new password's salt, cost and wrap."""
        self.header = header


class UnlockedVault:
    """A vault whose master key is in memory, until :meth:`lock`.

    Holds the only long-lived copy of the master key (in a mutable buffer zeroed on lock) and
    the profile's OS lock, and closes every store opened from it when locked.
    """

    def __init__(
        self, paths: ProfilePaths, header: VaultHeader, master_key: bytes, lock: ProfileLock
    ) -> None:
        self._paths = paths
        self._header = header
        self._master_key: bytearray | None = bytearray(master_key)
        self._stores: list[MessageStore] = []
        self._profile_lock = lock

    @property
    def paths(self) -> ProfilePaths:
        """The profile's files."""
        return self._paths

    @property
    def vault_id(self) -> str:
        """The random id of this vault."""
        return self._header.vault_id

    @property
    def kdf_params(self) -> Argon2Params:
        """The Argon2id parameters the current password is hashed with."""
        return self._header.password_params

    @property
    def is_locked(self) -> bool:
        """Whether :meth:`lock` was called."""
        return self._master_key is None

    def set_account_label(self, username: str) -> None:
        """Records the account's username in the header, for the unlock dialog to show."""
        if self._header.account == username:
            return
        header = self._header.with_changes(account=username)
        write_header(self._paths.vault, header)
        self._header = header

    @property
    def keychain_enabled(self) -> bool:
        """Whether the keychain wrap exists in the header."""
        return self._header.keychain_wrap is not None

    def _master(self) -> bytes:
        if self._master_key is None:
            raise VaultLocked("the vault is locked")
        return bytes(self._master_key)

    def database_key(self) -> bytes:
        """The raw SQLCipher key, HKDF(master, "db")."""
        return keys.derive_db_key(self._master())

    def row_wrap_key(self) -> bytes:
        """The key sealing secret rows, HKDF(master, "session-wrap")."""
        return keys.derive_row_wrap_key(self._master())

    def change_password(
        self,
        new_password: str,
        *,
        allow_weak: bool = False,
        kdf_params: Argon2Params | None = None,
        user_inputs: Sequence[str] = (),
    ) -> None:
        """Rewrap the master key under a new password (fresh salt, recalibrated Argon2id).

        Only the header is rewritten, atomically; the old password stops working, the
        recovery key and the keychain keep working, and nothing else is re-encrypted.
        :meth:`prepare_password_change` then :meth:`apply_password_change`, in one go.

        Raises:
            PasswordTooShort, WeakPassword: The new password is refused.
            VaultLocked: The vault was locked.
        """
        change = self.prepare_password_change(
            new_password, allow_weak=allow_weak, kdf_params=kdf_params, user_inputs=user_inputs
        )
        self.apply_password_change(change)

    def prepare_password_change(
        self,
        new_password: str,
        *,
        allow_weak: bool = False,
        kdf_params: Argon2Params | None = None,
        user_inputs: Sequence[str] = (),
    ) -> PasswordChange:
        """The slow half of a password change (calibration, Argon2id), with nothing written.

        Dropping the result leaves the vault exactly as it was, so a change the user
        cancels during these seconds is simply never applied.

        Raises:
            PasswordTooShort, WeakPassword: The new password is refused.
            VaultLocked: The vault was locked.
        """
        check_new_password(new_password, allow_weak=allow_weak, user_inputs=user_inputs)
        master_key = self._master()
        params = _choose_params(kdf_params)
        salt = keys.new_salt()
        return PasswordChange(
            self._header.with_changes(
                password_salt=salt,
                password_params=params,
                password_wrap=keys.wrap_key(
                    keys.derive_password_kek(new_password, salt, params),
                    master_key,
                    keys.wrap_associated_data(self._header.vault_id, _PASSWORD_WRAP),
                ),
            )
        )

    def apply_password_change(self, change: PasswordChange) -> None:
        """The quick half: writes the prepared header, atomically (old password → new).

        Raises:
            VaultLocked: The vault was locked meanwhile; nothing was written.
            VaultCorrupt: ``change`` was prepared for another vault; nothing was written.
        """
        self._master()
        if change.header.vault_id != self._header.vault_id:
            raise VaultCorrupt("this password change was prepared for another vault")
        header = self._header.with_changes(
            password_salt=change.header.password_salt,
            password_params=change.header.password_params,
            password_wrap=change.header.password_wrap,
        )
        write_header(self._paths.vault, header)
        self._header = header

    def verify_password(self, password: str, *, now: WallClock = time.time) -> None:
        """Checks the password again before a grave action (new recovery key, deleting).

        Costs one Argon2id derivation and shares the unlock's wrong-password backoff, so the
        settings window is no faster a guessing oracle than the unlock dialog.

        Raises:
            UnlockBackoff: Too soon after a wrong password (the password is not even tried).
            WrongPassword: The password is wrong (the failure counts towards the backoff).
            VaultLocked: The vault was locked.
        """
        master_key = self._master()
        key = _unwrap_with_password(self._paths, self._header, password, now)
        if not hmac.compare_digest(key, master_key):  # another vault's header: never ours
            raise VaultCorrupt("the vault header no longer matches the open profile")

    def rotate_recovery_key(self) -> str:
        """Replaces the recovery key by a new one and returns it (show it to the user once).

        Only the recovery wrap in the header changes, atomically: the old recovery key stops
        working at once, the password and the keychain keep working. The HKDF salt is kept
        because the keychain wrap is derived with it too.

        Raises:
            VaultLocked: The vault was locked.
        """
        master_key = self._master()
        recovery_key = keys.new_recovery_key()
        recovery_bytes = keys.parse_recovery_key(recovery_key)
        assert recovery_bytes is not None
        header = self._header.with_changes(
            recovery_wrap=keys.wrap_key(
                keys.derive_recovery_kek(recovery_bytes, self._header.hkdf_salt),
                master_key,
                keys.wrap_associated_data(self._header.vault_id, _RECOVERY_WRAP),
            )
        )
        write_header(self._paths.vault, header)
        self._header = header
        return recovery_key

    def enable_keychain(self) -> None:
        """Opt in to unlocking with the OS keychain (a third wrap of the same master key).

        Raises:
            KeychainUnavailable: No usable keychain; the header is unchanged.
        """
        master_key = self._master()
        secret = keys.new_keychain_secret()
        wrapped = keys.wrap_key(
            keys.derive_keychain_kek(secret, self._header.hkdf_salt),
            master_key,
            keys.wrap_associated_data(self._header.vault_id, _KEYCHAIN_WRAP),
        )
        keychain.store_keychain_secret(self._header.vault_id, secret)
        header = self._header.with_changes(keychain_wrap=wrapped)
        write_header(self._paths.vault, header)
        self._header = header

    def disable_keychain(self) -> None:
        """Remove the keychain wrap from the header, then the secret from the keychain."""
        self._master()
        header = self._header.with_changes(keychain_wrap=None)
        write_header(self._paths.vault, header)
        self._header = header
        keychain.delete_keychain_secret(header.vault_id)

    def open_store(self, **options: Any) -> MessageStore:
        """Open the profile's message store with this vault's keys; closed again on lock.

        Opening is quick (no page check, no snapshot); call
        :meth:`MessageStore.run_housekeeping` afterwards, in the background.

        Args:
            **options: Passed to :meth:`MessageStore.open` (clock, migrations...).
        """
        from chat_desktop.storage.store import MessageStore

        store = MessageStore.open(self._paths, self.database_key(), self.row_wrap_key(), **options)
        self._stores.append(store)
        return store

    def restore_snapshot(self, snapshot: Path) -> RestoreReport:
        """Replace a damaged database by an intact snapshot (stores must be closed first).

        Ratchet sessions, and outbox entries already encrypted on them, are dropped from the
        restored database (see :class:`~chat_desktop.storage.snapshots.RestoreReport`).

        Returns:
            Where the damaged files went (kept, never deleted) and what was dropped.

        Raises:
            DatabaseError: The snapshot is damaged too; nothing was moved.
        """
        from chat_desktop.storage.store import MessageStore

        return MessageStore.restore_snapshot(self._paths, self.database_key(), snapshot)

    def lock(self) -> None:
        """Close every store opened from this vault, forget the master key, free the profile."""
        errors = self._close_stores()
        self._forget_master_key()
        self._profile_lock.release()
        if errors:
            raise errors[0]

    def erase(self) -> None:
        """Deletes the whole profile folder for good (the account was deleted): locks first.

        The vault header goes first, durably: from then on nothing can unlock what is left,
        even if removing the other files fails half-way. The keychain secret, if the user
        opted in, is deleted too (best effort: a keychain that cannot be reached keeps a
        secret that opens nothing any more).

        Raises:
            OSError: A file could not be removed; the profile can no longer be unlocked, and
                deleting the folder by hand finishes the job.
        """
        errors = self._close_stores()
        self._forget_master_key()
        keychain_enabled = self._header.keychain_wrap is not None
        try:
            self._paths.vault.unlink(missing_ok=True)
            fsync_directory(self._paths.root)
        finally:
            self._profile_lock.release()
        if keychain_enabled:
            keychain.delete_keychain_secret(self._header.vault_id)
        shutil.rmtree(self._paths.root)
        if errors:
            logger.warning("a store did not close cleanly before the profile was erased")

    def _close_stores(self) -> list[StorageError]:
        errors: list[StorageError] = []
        for store in self._stores:
            try:
                store.close()
            except StorageError as error:
                errors.append(error)
        self._stores.clear()
        return errors

    def _forget_master_key(self) -> None:
        if self._master_key is not None:
            self._master_key[:] = bytes(len(self._master_key))
            self._master_key = None
