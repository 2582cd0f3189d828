"""The OS keychain (through ``keyring``) holding the secret of the optional keychain unlock.

Every keyring failure becomes :class:`KeychainUnavailable` with a reason the settings page can
show; nothing here ever touches the vault's other wraps. ``keyring`` (about 45 ms to import,
with its backends) loads when the keychain is first used, not at the app's start.
"""

from __future__ import annotations

import base64
import binascii
import contextlib

from chat_desktop.crypto.vault import KEY_BYTES
from chat_desktop.storage.errors import KeychainProblem, KeychainUnavailable

KEYRING_SERVICE = "chat_desktop"


def _entry_name(vault_id: str) -> str:
    return f"vault-unlock:{vault_id}"


def _problem_of(error: Exception) -> KeychainProblem:
    import keyring.errors

    if isinstance(error, keyring.errors.KeyringLocked):
        return KeychainProblem.LOCKED
    return KeychainProblem.UNAVAILABLE


def store_keychain_secret(vault_id: str, secret: bytes) -> None:
    """Save the secret in the OS keychain.

    Raises:
        KeychainUnavailable: No usable keychain, or it is locked.
    """
    try:
        import keyring

        keyring.set_password(
            KEYRING_SERVICE, _entry_name(vault_id), base64.b64encode(secret).decode()
        )
    # Backends raise their own errors (D-Bus, Windows API...), not only keyring's.
    except Exception as error:
        raise KeychainUnavailable(_problem_of(error)) from error


def load_keychain_secret(vault_id: str) -> bytes:
    """Read the secret back from the OS keychain.

    Raises:
        KeychainUnavailable: No usable keychain, locked, no entry, or an entry that isn't ours.
    """
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, _entry_name(vault_id))
    except Exception as error:
        raise KeychainUnavailable(_problem_of(error)) from error
    if stored is None:
        raise KeychainUnavailable(KeychainProblem.SECRET_MISSING)
    try:
        secret = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError) as error:
        raise KeychainUnavailable(KeychainProblem.SECRET_CHANGED) from error
    if len(secret) != KEY_BYTES:
        raise KeychainUnavailable(KeychainProblem.SECRET_CHANGED)
    return secret


def delete_keychain_secret(vault_id: str) -> None:
    """Remove the secret from the OS keychain if it can be reached (best effort)."""
    # The vault no longer uses the entry either way.
    with contextlib.suppress(Exception):
        import keyring

        keyring.delete_password(KEYRING_SERVICE, _entry_name(vault_id))
