"""Grave account actions from the settings: a new password or recovery key, deleting.

Each re-checks the password first (one Argon2id derivation under the unlock's wrong-password
backoff), because an unlocked window left unattended must not be enough to take over the
profile (a new recovery key) or to destroy it.

Each can be cancelled (the caller's task cancelled: the dialog's Cancel) during its slow part,
and then nothing is applied; once the change is being written it goes through and is
returned normally, so the user is told (see :mod:`chat_desktop.services.commit_point`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any, Final

from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.events import ACCOUNT_DELETE
from chat_desktop.protocol.schemas import AccountDelete, EmptyAck
from chat_desktop.services.commit_point import CommitGate, run_until_commit
from chat_desktop.services.context import EngineContext
from chat_desktop.storage.password_policy import check_new_password as check_new_password
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

    Cancelling stops the wait at once (the derivation finishes unseen in the background).

    Raises:
        WrongPassword, UnlockBackoff: As at unlock (the failure counts towards the backoff).
    """
    await asyncio.to_thread(vault.verify_password, password)


async def change_password(
    vault: UnlockedVault, new_password: str, *, allow_weak: bool, user_inputs: Sequence[str]
) -> None:
    """Protects the vault with ``new_password`` (calibrated Argon2id: a few seconds).

    Cancelled during the derivation, nothing is written and the old password stays valid.

    Raises:
        PasswordTooShort, WeakPassword: The new password is refused; nothing changed.
    """

    def work(gate: CommitGate) -> None:
        change = vault.prepare_password_change(
            new_password, allow_weak=allow_weak, user_inputs=user_inputs
        )
        gate.enter()
        vault.apply_password_change(change)

    await run_until_commit(work)


async def rotate_recovery_key(vault: UnlockedVault, password: str) -> str:
    """Checks ``password``, replaces the recovery key and returns the new one.

    Cancelled during the password check, the recovery key is unchanged; once replaced, the
    new key is returned even to a caller that cancelled meanwhile (it must be shown).

    Raises:
        WrongPassword, UnlockBackoff: As at unlock (the failure counts towards the backoff);
            the recovery key is unchanged.
    """

    def work(gate: CommitGate) -> str:
        vault.verify_password(password)
        gate.enter()
        return vault.rotate_recovery_key()

    return await run_until_commit(work)


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
        # The point of no return: once asked, the relay may delete at any moment, so a
        # cancellation from here on waits for its answer instead (see _finish_request).
        await _finish_request(
            connection.request(ACCOUNT_DELETE, AccountDelete(user=context.username), EmptyAck)
        )
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


async def _finish_request(request: Coroutine[Any, Any, EmptyAck]) -> None:
    """Awaits ``request`` to its answer even if the caller is cancelled meanwhile.

    Then returns (or raises its error) normally: the deletion that the relay carried out
    is finished here too, and reported, rather than left half done.
    """
    future = asyncio.ensure_future(request)
    task = asyncio.current_task()
    while True:
        try:
            await asyncio.shield(future)
            return
        except asyncio.CancelledError:
            if future.cancelled() or task is None:
                raise
            task.uncancel()


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
