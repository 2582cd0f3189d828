"""``ChatClient``: the headless messaging engine everything else (GUI, bots, tests) drives.

One ``ChatClient`` is one unlocked account on one device. It is the composition root: it
creates or unlocks the profile, wires the machinery (store thread, relay link, outbox queue
and sender, receiver, sweeper, key upkeep) and holds one service object per capability
(:mod:`chat_desktop.services.capabilities`): ``client.account``, ``client.devices``,
``client.conversations``, ``client.messages``, ``client.groups``, ``client.attachments``,
``client.trust``, ``client.presence`` and ``client.preferences``. Everything it does is told
as typed events (:mod:`chat_desktop.services.events`).

Example::

    client, recovery_key = await ChatClient.create(profile, "http://127.0.0.1:8765",
                                                   "alice", "correct horse battery")
    await client.connect()
    message_id = await client.messages.send_text("bob", "hello")
    async for event in client.events:
        print(event)
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.services import leftovers
from chat_desktop.services.account_record import load_account
from chat_desktop.services.call_signaling import CallInbox
from chat_desktop.services.capabilities.account import AccountService
from chat_desktop.services.capabilities.attachments import AttachmentService
from chat_desktop.services.capabilities.backup import BackupService
from chat_desktop.services.capabilities.calls import CallService
from chat_desktop.services.capabilities.conversations import ConversationService
from chat_desktop.services.capabilities.devices import LinkedDevices
from chat_desktop.services.capabilities.groups import GroupService
from chat_desktop.services.capabilities.link_previews import LinkPreviewService
from chat_desktop.services.capabilities.messages import MessageService
from chat_desktop.services.capabilities.preferences import PreferenceService
from chat_desktop.services.capabilities.presence import PresenceService
from chat_desktop.services.capabilities.profile import ProfileService
from chat_desktop.services.capabilities.trust import TrustService
from chat_desktop.services.client_errors import check_peer
from chat_desktop.services.context import EngineContext
from chat_desktop.services.conversation_actions import ConversationActions
from chat_desktop.services.engine import Engine
from chat_desktop.services.events import EventStream
from chat_desktop.services.forwarding import Forwarder
from chat_desktop.services.groups_receiving import GroupReceiver
from chat_desktop.services.groups_sending import GroupSender
from chat_desktop.services.preferences import Appearance, load_appearance, save_appearance
from chat_desktop.services.profiles import ProfileSync
from chat_desktop.services.registration import register_account, registered_device_key
from chat_desktop.services.resending import requeue_after_restore
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.models import MessageKey
from chat_desktop.storage.store import HousekeepingReport, MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

if TYPE_CHECKING:
    from chat_desktop.services import linking


class ChatClient:
    """The messaging engine of one account; create with :meth:`create` or :meth:`unlock`.

    Attributes:
        events: Every event of this client; ``async for event in client.events``.
        username: Our account name.
        account, devices, conversations, messages, groups, attachments, trust, presence,
        preferences, backup, profile, calls: What the client can do, one capability each
            (:mod:`chat_desktop.services.capabilities`).
    """

    def __init__(self, vault: UnlockedVault, context: EngineContext) -> None:
        """Use :meth:`create` or :meth:`unlock`."""
        self._vault = vault
        self._context = context
        self.username = context.username
        self.events: EventStream = context.events
        self._engine = engine = Engine(context)
        actions = ConversationActions(context, engine.queue.queue_content)
        self.account = AccountService(context, vault, engine.stop)
        self.devices = LinkedDevices(context, engine.device_set, engine.transfers)
        self.conversations = ConversationService(
            context, engine.queue, actions, engine.sender, engine.transfers.on_attachment_received
        )
        forwarder = Forwarder(context, engine.queue, engine.transfers)
        self.messages = MessageService(context, engine.queue, actions, engine.sender, forwarder)
        self.attachments = AttachmentService(engine.transfers, engine.queue, actions)
        self.groups = GroupService(context, engine.queue, actions, engine.sender)
        self.groups.transfers = engine.transfers  # files in groups
        forwarder.group_queue = self.groups.queue_content  # forwarding into groups
        engine.sender.group_drain = GroupSender(context, engine.sender).send
        engine.receiver.groups = GroupReceiver(context)
        self.trust = TrustService(context, engine.queue, engine.sender)
        self.presence = PresenceService(context)
        self.preferences = PreferenceService(context, self.presence)
        self.backup = BackupService(context)
        profile_sync = ProfileSync(context, engine.queue)
        engine.receiver.profiles = profile_sync
        self.profile = ProfileService(context, profile_sync)
        self.link_previews = LinkPreviewService(context)
        call_inbox = CallInbox(context)
        engine.receiver.calls = call_inbox
        self.calls = CallService(context, engine.sender, call_inbox)

    # ---- opening a profile -------------------------------------------------------------

    @classmethod
    async def create(
        cls,
        profile_dir: Path,
        relay_url: str,
        username: str,
        password: str,
        *,
        kdf_params: Argon2Params | None = None,
        allow_weak_password: bool = False,
        device_name: str | None = None,
    ) -> tuple[ChatClient, str]:
        """Creates a profile and registers a new account on the relay.

        ``device_name`` names this computer in the account's device list (the host name by
        default); it travels encrypted so the relay can't read it.

        Returns:
            The unlocked client and the recovery key (show it to the user once).

        Raises:
            PasswordPolicyError: The password is too short (or weak, unless allowed).
            VaultExists: ``profile_dir`` already holds a profile.
            ProtocolError: The relay refused (``conflict``: the name is taken).
            HttpFailure: The relay could not be reached.
        """
        check_peer(username)
        existed = profile_dir.exists()
        vault, recovery_key = await asyncio.to_thread(
            Vault.create,
            profile_dir,
            password,
            allow_weak=allow_weak_password,
            kdf_params=kdf_params,
            user_inputs=(username,),
        )
        try:
            worker = StoreWorker(await asyncio.to_thread(vault.open_store))
            context = await register_account(worker, relay_url, username, device_name)
            await asyncio.to_thread(vault.set_account_label, username)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            if not existed:
                shutil.rmtree(profile_dir, ignore_errors=True)
            raise
        return cls(vault, context), recovery_key

    @classmethod
    async def unlock(cls, profile_dir: Path, password: str) -> ChatClient:
        """Opens an existing profile with its password.

        Raises:
            WrongPassword: Wrong password (a growing backoff applies).
            UnlockBackoff: Too soon after a wrong password; ``retry_after`` says when.
            DatabaseCorrupt: The store is damaged; intact snapshots are listed.
        """
        return await cls._from_vault(await asyncio.to_thread(Vault.unlock, profile_dir, password))

    @classmethod
    async def unlock_with_recovery_key(cls, profile_dir: Path, recovery_key: str) -> ChatClient:
        """Opens an existing profile with the recovery key shown at creation."""
        vault = await asyncio.to_thread(Vault.unlock_with_recovery_key, profile_dir, recovery_key)
        return await cls._from_vault(vault)

    @classmethod
    async def unlock_with_keychain(cls, profile_dir: Path) -> ChatClient:
        """Opens the profile with the secret kept in the OS keychain (if the user opted in).

        Raises:
            KeychainUnavailable: Not enabled, keychain missing/locked, or its secret changed
                (``problem`` says which); the password still works.
        """
        return await cls._from_vault(
            await asyncio.to_thread(Vault.unlock_with_keychain, profile_dir)
        )

    @classmethod
    async def restore_and_unlock(
        cls, profile_dir: Path, password: str, snapshot: Path
    ) -> ChatClient:
        """Unlocks a profile whose database is damaged by restoring one of its snapshots.

        For the restore offer at unlock (``unlock`` raised ``DatabaseCorrupt`` listing the
        intact snapshots). The damaged files are moved aside, never deleted.

        Raises:
            WrongPassword, UnlockBackoff: As :meth:`unlock`.
            DatabaseError: The snapshot is damaged too.
        """
        vault = await asyncio.to_thread(Vault.unlock, profile_dir, password)
        try:
            report = await asyncio.to_thread(vault.restore_snapshot, snapshot)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            raise
        client = await cls._from_vault(vault)
        await client._requeue_after_restore(report.outbox_dropped)
        return client

    async def restore_snapshot(self, snapshot: Path) -> ChatClient:
        """Replaces this profile's damaged database by a snapshot; returns the new client.

        This client is closed (its keys stay in the returned one). Sessions from the snapshot
        are not reused: peers' next messages set up fresh ones, and our messages whose
        ciphertext the restore had to drop are queued again.

        Raises:
            DatabaseError: The snapshot is damaged too (this client is closed all the same).
        """
        await self._engine.stop()
        report = await asyncio.to_thread(self._vault.restore_snapshot, snapshot)
        client = await ChatClient._from_vault(self._vault)
        await client._requeue_after_restore(report.outbox_dropped)
        return client

    async def _requeue_after_restore(self, keys: Sequence[MessageKey]) -> None:
        if keys:
            await self._context.worker.run(requeue_after_restore, self.store, keys)

    @classmethod
    async def _from_vault(cls, vault: UnlockedVault) -> ChatClient:
        try:
            store = await asyncio.to_thread(vault.open_store)
            # Pasted images and link history a crash or kill left behind (no plaintext stays).
            await asyncio.to_thread(leftovers.sweep_at_start, store.paths.root)
            worker = StoreWorker(store)
            username, device_id, relay_url, identity = await worker.run(load_account, store)
            device_key = await worker.run(registered_device_key, store)
            # Profiles made before the unlock dialog named the account learn it now.
            await asyncio.to_thread(vault.set_account_label, username)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            raise
        context = EngineContext(username, device_id, relay_url, identity, worker)
        context.device_key = device_key
        return cls(vault, context)

    @staticmethod
    async def begin_link(relay_url: str, device_name: str) -> linking.PendingLink[ChatClient]:
        """New device: opens a provisioning channel and makes the link code to show.

        Then ``await pending.wait_for_offer()`` and, once the user confirms,
        ``await pending.accept(profile_dir, password)``.

        Raises:
            ValueError: The device name is empty, too long or has control characters.
            ProtocolError, HttpFailure: The relay refused or could not be reached.
        """
        from chat_desktop.services.linking import PendingLink

        return await PendingLink.open(relay_url, device_name, ChatClient)

    # ---- what is readable while locked -------------------------------------------------

    @staticmethod
    def profile_exists(profile_dir: Path) -> bool:
        """Whether ``profile_dir`` already holds a profile (unlock it rather than create one)."""
        return Vault.exists(profile_dir)

    @staticmethod
    def account_name(profile_dir: Path) -> str | None:
        """The username of the profile's account, readable while locked (None if unknown)."""
        return Vault.account_label(profile_dir)

    @staticmethod
    def keychain_unlock_enabled(profile_dir: Path) -> bool:
        """Whether the user opted in to unlocking this profile with the OS keychain."""
        return Vault.keychain_enabled(profile_dir)

    @staticmethod
    def appearance(profile_dir: Path) -> Appearance:
        """The profile's theme, text size and language, readable while locked."""
        return load_appearance(profile_dir)

    @staticmethod
    def set_appearance(profile_dir: Path, appearance: Appearance) -> None:
        """Saves the profile's appearance (``appearance.json``, atomic, mode 0600).

        Raises:
            InvalidPreference: A field is out of range; the file is unchanged.
            OSError: The profile folder cannot be written.
        """
        save_appearance(profile_dir, appearance)

    # ---- this device and its link ------------------------------------------------------

    @property
    def device_id(self) -> int:
        """This device's id within the account."""
        return self._context.device_id

    @property
    def relay_url(self) -> str:
        """The relay this account is registered on."""
        return self._context.relay_url

    @property
    def connected(self) -> bool:
        """True while the relay link is up."""
        return self._engine.connected

    @property
    def store(self) -> MessageStore:
        """The open store (for tools and tests; call it only through :meth:`run_in_store`)."""
        return self._context.worker.store

    async def run_in_store(self, function: Callable[..., Any], *args: Any) -> Any:
        """Runs ``function(*args)`` on the store thread (read-only helpers, tests)."""
        return await self._context.worker.run(function, *args)

    async def housekeeping(self) -> HousekeepingReport:
        """The slow upkeep left out of unlocking: check every page, snapshot, orphan files.

        Call it in the background once the window shows; messages keep flowing meanwhile
        (it reads through a connection of its own). Closing the client interrupts it.

        Raises:
            DatabaseCorrupt: The database is damaged; ``snapshots`` lists intact snapshots
                for :meth:`restore_snapshot`.
        """
        return await asyncio.to_thread(self.store.run_housekeeping)

    async def connect(self) -> None:
        """Starts the relay link (reconnecting forever) and the background work.

        Returns at once; sending works offline (messages queue). Use :meth:`wait_connected`
        to wait for the link.

        Raises:
            ClientError: The client was closed (locked): nothing is started.
        """
        self._engine.connect(self.presence, self.devices)
        self.profile.start()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Waits until the relay link is up (``TimeoutError`` after ``timeout`` s)."""
        await self._engine.wait_connected(timeout)

    async def close(self) -> None:
        """Disconnects, stops background work, closes the store and drops the keys (lock)."""
        if self._engine.closed:
            return
        await self.calls.close()
        await self._engine.stop()
        await asyncio.to_thread(self._vault.lock)
