"""Grave account actions from the settings: a new recovery key, deleting the account.

Both re-check the password first (one Argon2id derivation under the unlock's wrong-password
backoff), because an unlocked window left unattended must not be enough to take over the
profile (a new recovery key) or to destroy it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.events import ACCOUNT_DELETE
from chat_desktop.protocol.schemas import AccountDelete, EmptyAck
from chat_desktop.services.context import EngineContext
from chat_desktop.storage.vault_file import UnlockedVault

logger = logging.getLogger(__name__)

#: How long deleting waits for a relay link that is down at the moment (reconnecting).
RELAY_WAIT_S: Final = 10.0


class AccountError(Exception):
    """An account action that could not be completed (the message says what to do)."""


class AccountDeletionFailed(AccountError):
    """The relay did not delete the account, so nothing was deleted on this computer either.

    Attributes:
        retry_after: Seconds to wait before trying again, when the relay said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Creates the error; ``message`` is for the user and holds no secret."""
        super().__init__(message)
        self.retry_after = retry_after


class ProfileNotErased(AccountError):
    """The account is gone from the relay, but files of the profile folder stayed behind.

    The profile can no longer be unlocked (its vault header went first); deleting the folder
    by hand finishes the job.
    """


async def verify_password(vault: UnlockedVault, password: str) -> None:
    """Checks ``password`` against the vault (before a sensitive change at an open app).

    Raises:
        WrongPassword, UnlockBackoff: As at unlock (the failure counts towards the backoff).
    """
    await asyncio.to_thread(vault.verify_password, password)


def _check_password_and_rotate(vault: UnlockedVault, password: str) -> str:
    vault.verify_password(password)
    return vault.rotate_recovery_key()


async def rotate_recovery_key(vault: UnlockedVault, password: str) -> str:
    """Checks ``password``, replaces the recovery key and returns the new one.

    Raises:
        WrongPassword, UnlockBackoff: As at unlock (the failure counts towards the backoff);
            the recovery key is unchanged.
    """
    return await asyncio.to_thread(_check_password_and_rotate, vault, password)


async def delete_on_relay(context: EngineContext, vault: UnlockedVault, password: str) -> None:
    """Checks ``password`` and has the relay delete the account (``account:delete``).

    Returns once the relay confirmed the deletion; the caller then stops the engine and
    erases the profile.

    Raises:
        WrongPassword, UnlockBackoff: The password check failed; nothing was asked.
        AccountDeletionFailed: The relay could not be reached or refused; nothing deleted.
    """
    await asyncio.to_thread(vault.verify_password, password)
    connection = context.connection
    if connection is None:
        raise AccountDeletionFailed(
            "not connected to the relay; go online and try again (nothing was deleted)"
        )
    try:
        await connection.wait_connected(RELAY_WAIT_S)
        await connection.request(ACCOUNT_DELETE, AccountDelete(user=context.username), EmptyAck)
    except (TimeoutError, ConnectionFailure):
        raise AccountDeletionFailed(
            "the relay could not be reached; check the connection and try again "
            "(nothing was deleted)"
        ) from None
    except ProtocolError as error:
        logger.warning("the relay refused to delete the account: %s", error.code.value)
        if error.code is ErrorCode.RATE_LIMITED:
            raise AccountDeletionFailed(
                "too many attempts; try again later (nothing was deleted)",
                retry_after=error.retry_after,
            ) from None
        raise AccountDeletionFailed(
            "the relay refused to delete the account (nothing was deleted)"
        ) from None


async def erase_profile(vault: UnlockedVault) -> None:
    """Deletes the profile folder (after the engine stopped and the store closed).

    Raises:
        ProfileNotErased: Some files could not be removed.
    """
    try:
        await asyncio.to_thread(vault.erase)
    except OSError:
        raise ProfileNotErased(
            "the account was deleted, but some files of its profile folder could not be "
            "removed; delete the folder by hand"
        ) from None
