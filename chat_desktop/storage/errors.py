"""Typed errors of the storage layer.

Every error is a :class:`StorageError`. Messages say what happened and what the user can do;
they never contain a password, key bytes or message text.
"""

# The names are the agreed API (``storage.errors.WrongPassword``): they read as outcomes.

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path


class StorageError(Exception):
    """Base class of every error raised by ``chat_desktop.storage``."""


class VaultNotFound(StorageError):
    """The profile folder holds no vault yet (create an account first)."""


class VaultExists(StorageError):
    """A vault already exists in this profile folder; it is never overwritten."""


class VaultCorrupt(StorageError):
    """The vault header is unreadable or inconsistent; nothing was changed on disk."""


class WrongPassword(StorageError):
    """The password does not open the vault. Nothing on disk changed except the backoff."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"wrong password; next attempt possible in {retry_after:.0f} s")
        self.retry_after = retry_after


class UnlockBackoff(StorageError):
    """Too many wrong passwords: the next attempt is only accepted after ``retry_after`` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many wrong passwords; try again in {retry_after:.0f} s")
        self.retry_after = retry_after


class WrongRecoveryKey(StorageError):
    """The recovery key is malformed or is not this vault's."""


class PasswordPolicyError(StorageError):
    """A new password is refused by the password policy."""


class PasswordTooShort(PasswordPolicyError):
    """A new password has fewer characters than the minimum."""

    def __init__(self, minimum: int) -> None:
        super().__init__(f"the password needs at least {minimum} characters")
        self.minimum = minimum


class WeakPassword(PasswordPolicyError):
    """A new password is easy to guess; the caller may warn and retry with ``allow_weak``."""

    def __init__(self, reasons: Sequence[str]) -> None:
        sentences = (
            reason if reason.endswith((".", "!", "?")) else f"{reason}." for reason in reasons
        )
        super().__init__("the password is easy to guess: " + " ".join(sentences))
        self.reasons = tuple(reasons)


class KeychainProblem(StrEnum):
    """Why the system keychain could not unlock the vault."""

    NOT_ENABLED = "not_enabled"
    UNAVAILABLE = "unavailable"
    LOCKED = "locked"
    SECRET_MISSING = "secret_missing"  # noqa: S105 - a reason code, not a secret
    SECRET_CHANGED = "secret_changed"  # noqa: S105 - a reason code, not a secret


class KeychainUnavailable(StorageError):
    """The system keychain can't unlock the vault; the password and recovery key still work."""

    def __init__(self, problem: KeychainProblem) -> None:
        super().__init__(
            f"system keychain unlock is not possible ({problem.value}); use the password"
        )
        self.problem = problem


class VaultLocked(StorageError):
    """The vault or store was locked: its keys are gone until the next unlock."""


class DatabaseError(StorageError):
    """The encrypted database failed in a way not covered by a more precise error."""


class DatabaseKeyRejected(DatabaseError):
    """The database does not open with the vault's key (wrong file or corrupt first page)."""


class DatabaseCorrupt(DatabaseError):
    """An integrity check failed. Nothing was deleted; a snapshot may be restored."""

    def __init__(self, detail: str, snapshots: Sequence[Path]) -> None:
        super().__init__(
            f"the message database is damaged ({detail}); "
            f"{len(snapshots)} snapshot(s) can be restored"
        )
        self.snapshots = tuple(snapshots)


class MigrationFailed(DatabaseError):
    """A schema migration failed; the old schema and data are intact."""

    def __init__(self, from_version: int, to_version: int) -> None:
        super().__init__(f"upgrading the database from v{from_version} to v{to_version} failed")
        self.from_version = from_version
        self.to_version = to_version


class SchemaTooNew(DatabaseError):
    """The database was written by a newer version of the app."""


class NotFound(StorageError):
    """A referenced row (message, conversation, attachment...) does not exist."""


class AttachmentCorrupt(StorageError):
    """An attachment file at rest failed authentication (altered or truncated)."""


class ProfileInUse(StorageError):
    """Another process (or window) has this profile unlocked; it can be open only once.

    Two openers would both send on the same ratchet chains and reuse message keys.
    """

    def __init__(self) -> None:
        super().__init__("this profile is already open in another window or program")
