"""``client.account``: the password, the recovery key, the keychain, the relay address, and
deleting the account or this computer's copy of it.

The grave ones re-check the password first (:mod:`chat_desktop.services.account`): an
unlocked window left unattended must not be enough to take over or destroy the profile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from chat_desktop.services import account
from chat_desktop.services.account_record import save_relay_url
from chat_desktop.services.context import EngineContext
from chat_desktop.services.preferences import normalise_relay_url
from chat_desktop.storage.vault_file import UnlockedVault


class AccountService:
    """This account's secrets and its end."""

    def __init__(
        self,
        context: EngineContext,
        vault: UnlockedVault,
        stop_engine: Callable[[], Awaitable[None]],
    ) -> None:
        """Built by the client; ``stop_engine`` closes it before the profile is erased."""
        self._context = context
        self._vault = vault
        self._stop_engine = stop_engine

    async def verify_password(self, password: str) -> None:
        """Checks the current password (the app asks for it before changing it).

        Raises:
            WrongPassword, UnlockBackoff: As at unlock; failures count towards the backoff.
        """
        await account.verify_password(self._vault, password)

    async def change_password(self, new_password: str, *, allow_weak: bool = False) -> None:
        """Protects this profile with a new password (e.g. after a recovery-key unlock).

        Only the master key's wrap changes (atomically); nothing else is re-encrypted.
        Cancelled during the derivation, nothing changes (``account.change_password``).

        Raises:
            PasswordPolicyError: Too short, or weak unless ``allow_weak``.
        """
        await account.change_password(
            self._vault,
            new_password,
            allow_weak=allow_weak,
            user_inputs=(self._context.username,),
        )

    async def rotate_recovery_key(self, password: str) -> str:
        """Checks the password, replaces the recovery key and returns the new one.

        The old recovery key stops working at once; the password and keychain still work.
        We never keep a recovery key, so showing it again means making a new one.

        Raises:
            WrongPassword, UnlockBackoff: As at unlock; the recovery key is unchanged.
        """
        return await account.rotate_recovery_key(self._vault, password)

    async def set_keychain_unlock(self, enabled: bool) -> None:
        """Opts in to (or out of) unlocking with the OS keychain.

        Raises:
            KeychainUnavailable: No usable keychain; nothing changed.
        """
        if enabled:
            await asyncio.to_thread(self._vault.enable_keychain)
        else:
            await asyncio.to_thread(self._vault.disable_keychain)

    async def set_relay_url(self, url: str) -> None:
        """Saves a new relay address for this account; it is used from the next unlock on.

        ``client.relay_url`` keeps the address in use until then.

        Raises:
            InvalidPreference: Not ``http(s)://host[:port]`` (``field`` is ``relay_url``).
        """
        normalised = normalise_relay_url(url)
        await self._context.worker.run(save_relay_url, self._context.worker.store, normalised)

    async def delete_account(self, password: str) -> None:
        """Deletes the account on the relay, then closes the client and erases the profile.

        Raises:
            WrongPassword, UnlockBackoff: The password check failed; nothing was deleted.
            AccountDeletionFailed: The relay could not be reached or refused; nothing was
                deleted (here or there) and the client keeps running.
            ProfileNotErased: Deleted on the relay, but some local files stayed behind.
        """
        await account.delete_on_relay(self._context, self._vault, password)
        await self._stop_engine()
        await account.erase_profile(self._vault)

    async def erase_this_device(self) -> None:
        """Erases this computer's copy of the account: keychain secret, store, profile folder.

        For a device that was unlinked (the account lives on on the others): nothing is asked
        of the relay. Closes the client first; the vault header goes first, so what a failed
        removal leaves behind opens no more (see ``UnlockedVault.erase``).

        Raises:
            ProfileNotErased: Some files of the profile folder could not be removed.
        """
        await self._stop_engine()
        await account.erase_profile(self._vault)
