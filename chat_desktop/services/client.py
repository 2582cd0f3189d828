"""``ChatClient``: the headless messaging engine everything else (GUI, bots, tests) drives.

One ``ChatClient`` is one unlocked account on one device. It owns the encrypted store (used
from one worker thread), the relay link, the outbox sender, the receiver and the
disappearing-message sweeper, and publishes typed events (:mod:`chat_desktop.services.events`).

Example::

    client, recovery_key = await ChatClient.create(profile, "http://127.0.0.1:8765",
                                                   "alice", "correct horse battery")
    await client.connect()
    message_id = await client.send_text("bob", "hello")
    async for event in client.events:
        print(event)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import re
import shutil
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from chat_desktop.crypto.device_key import DeviceKeyPair, encrypt_device_name
from chat_desktop.crypto.fingerprint import format_safety_number, safety_number
from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.net.errors import ConnectionFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.auth import build_registration
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import (
    MAX_IDS_PER_CONTENT,
    MAX_TEXT_LENGTH,
    MAX_TIMER_SECONDS,
    ContactSyncContent,
    Content,
    ReadSyncContent,
    ReceiptContent,
    RetryContent,
    TextContent,
    TimerContent,
    TypingContent,
    VerifiedSyncContent,
    encode_content,
)
from chat_desktop.protocol.schemas import (
    MAX_PRESENCE_SUBSCRIPTIONS,
    USERNAME_PATTERN,
    DevicePayload,
    EmptyAck,
    KeyCounts,
    KeysUpload,
    MessageSend,
    MessageSendAck,
    PresenceSubscribe,
    PresenceUpdate,
    PresenceVisibility,
)
from chat_desktop.services import account, devices, leftovers, own_keys, sync
from chat_desktop.services.account_record import load_account, save_account, save_relay_url
from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.client_errors import (
    ClientError,
    DeleteNotAllowed,
    EditNotAllowed,
    UnknownMessage,
)
from chat_desktop.services.context import EngineContext, new_message_id, now_ms
from chat_desktop.services.conversation_actions import ApplyHook, ConversationActions, wire_quote
from chat_desktop.services.conversation_list import ConversationList
from chat_desktop.services.devices import DeviceService, DeviceSummary
from chat_desktop.services.drafts import Drafts

if TYPE_CHECKING:
    from chat_desktop.services import linking
from chat_desktop.services.events import (
    ConnectionChanged,
    ConnectionState,
    EventStream,
    MessageChanged,
    MessagesExpired,
    PresenceChanged,
    StatusChanged,
    TimerChanged,
)
from chat_desktop.services.preferences import (
    SHOW_ONLINE_SETTING,
    Appearance,
    Preferences,
    load_appearance,
    load_preferences,
    normalise_relay_url,
    read_receipts_enabled,
    save_appearance,
    save_preferences,
    typing_indicators_enabled,
    validate_preferences,
)
from chat_desktop.services.receiving import MessageReceiver
from chat_desktop.services.resending import requeue_after_restore
from chat_desktop.services.sending import (
    OutboxPayload,
    OutboxSender,
    UnknownRecipient,
    decode_payload,
    encode_payload,
    encrypt_to_peer,
    paused_peers,
    set_paused,
)
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.services.told_once import ToldOnce
from chat_desktop.services.trust import messages_waiting
from chat_desktop.storage.models import (
    TIMER_NOTE_KIND,
    Conversation,
    Direction,
    Message,
    MessageDetails,
    MessageKey,
    MessageStatus,
    NewMessage,
    Quote,
    VerifiedState,
)
from chat_desktop.storage.store import HousekeepingReport, MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

logger = logging.getLogger(__name__)

__all__ = [
    "ChatClient",
    "ClientError",
    "DeleteNotAllowed",
    "EditNotAllowed",
    "InvalidPeer",
    "UnknownMessage",
    "UnknownPeer",
    "UnknownUser",
    "WindowState",
]

CRASH_REPORTS_SETTING = "telemetry.enabled"
CRASH_REPORTS_DSN_SETTING = "telemetry.dsn"
WINDOW_STATE_SETTING = "ui.window_state"
EXPIRY_POLL_S = 0.25
#: A message still unsent after this long is marked failed; the user can retry it.
OUTBOX_GIVE_UP_MS = 24 * 60 * 60 * 1000
GIVE_UP_CHECK_S = 60.0
TYPING_TTL_MS = 60_000
#: How often (s) the prekey rotation schedule is checked while the app runs.
KEY_UPKEEP_INTERVAL_S = 3600.0

_USERNAME = re.compile(USERNAME_PATTERN)


class InvalidPeer(ClientError):
    """The peer name is not a valid username."""


class UnknownUser(ClientError):
    """The relay has no account of that name."""


class UnknownPeer(ClientError):
    """We have never talked with this peer, so there is nothing to show or verify."""


def _check_peer(peer: str) -> str:
    if not _USERNAME.fullmatch(peer):
        raise InvalidPeer("usernames are 3–32 of a-z, 0-9, '_' and '.'")
    return peer


ContentFactory = Callable[[str, int, int], Content]


class WindowState(msgspec.Struct, frozen=True):
    """How the user left the main window, restored at the next start and unlock.

    Kept in the encrypted settings: which conversation was open is nobody else's business.

    Attributes:
        geometry: The window's size and position (Qt's ``saveGeometry`` bytes).
        splitter: The list/conversation split (Qt's ``QSplitter.saveState`` bytes).
        open_peer: The conversation that was open, if any.
    """

    geometry: bytes | None = None
    splitter: bytes | None = None
    open_peer: str | None = None


class _QueueRequest(msgspec.Struct):
    """One message waiting for the next group commit of the outbox."""

    peer: str
    message_id: str
    make: ContentFactory
    kind: str | None
    body: str | None
    attachment: Any
    blob_path: str | None
    done: asyncio.Future[None]
    quote: Quote | None = None
    apply: ApplyHook | None = None


class ChatClient:
    """The messaging engine of one account; create with :meth:`create` or :meth:`unlock`.

    Attributes:
        events: Every event of this client; ``async for event in client.events``.
        username: Our account name.
    """

    def __init__(self, vault: UnlockedVault, context: EngineContext) -> None:
        """Use :meth:`create` or :meth:`unlock`."""
        self._vault = vault
        self._context = context
        self.username = context.username
        self.events: EventStream = context.events
        self._sender = OutboxSender(context)
        self._transfers = AttachmentTransfers(context, self._sender)
        self._conversation_list = ConversationList(context)
        #: Capabilities the GUI uses directly: the list's (mark unread, the unread totals),
        #: the drafts, and the notes told only once.
        self.conversation_list = self._conversation_list
        self.drafts = Drafts(context)
        self.told_once = ToldOnce(context)
        #: Presence changes pushed by the relay, per user (see :meth:`subscribe_presence`).
        self._presence_pushes: dict[str, int] = {}
        self._receiver = MessageReceiver(
            context,
            self._send_delivery_receipts,
            self._transfers.on_attachment_received,
            self._request_retry,
            self._sender.wake,
        )
        self._background: set[asyncio.Task[Any]] = set()
        self._rotation_to_upload: KeysUpload | None = None
        self._closed = False
        self._last_sent_at = 0
        self._queue_requests: list[_QueueRequest] = []
        self._queue_committer: asyncio.Task[None] | None = None
        self._actions = ConversationActions(context, self.queue_content)
        self._devices = DeviceService(context)

    # ---- lifecycle ---------------------------------------------------------------------

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
        _check_peer(username)
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
            store = await asyncio.to_thread(vault.open_store)
            worker = StoreWorker(store)
            identity, signed, pq, one_time = await worker.run(
                own_keys.create_identity_and_prekeys, store
            )
            device_key = await worker.run(devices.create_device_key, store)
            request = build_registration(
                username, identity.public_key, identity.sign, signed, pq, one_time
            )
            certified = devices.registration_fields(identity, device_key)
            request = msgspec.structs.replace(
                request,
                device_key=certified["device_key"],
                device_created_at=certified["created_at"],
                device_certificate=certified["certificate"],
                device_name=encrypt_device_name(
                    identity.seed, device_name or default_device_name()
                ),
            )
            from chat_desktop.net.http import register_account  # network stack: when used

            device_id = await register_account(relay_url, request)
            await worker.run(save_account, store, username, device_id, relay_url)
            await worker.run(store.settings.set, devices.DEVICE_KEY_REGISTERED_SETTING, True)
            await asyncio.to_thread(vault.set_account_label, username)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            if not existed:
                shutil.rmtree(profile_dir, ignore_errors=True)
            raise
        context = EngineContext(username, device_id, relay_url, identity, worker)
        context.device_key = device_key
        return cls(vault, context), recovery_key

    @classmethod
    async def unlock(cls, profile_dir: Path, password: str) -> ChatClient:
        """Opens an existing profile with its password.

        Raises:
            WrongPassword: Wrong password (a growing backoff applies).
            UnlockBackoff: Too soon after a wrong password; ``retry_after`` says when.
            DatabaseCorrupt: The store is damaged; intact snapshots are listed.
        """
        vault = await asyncio.to_thread(Vault.unlock, profile_dir, password)
        return await cls._from_vault(vault)

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
        vault = await asyncio.to_thread(Vault.unlock_with_keychain, profile_dir)
        return await cls._from_vault(vault)

    @staticmethod
    def account_name(profile_dir: Path) -> str | None:
        """The username of the profile's account, readable while locked (None if unknown)."""
        return Vault.account_label(profile_dir)

    @staticmethod
    def keychain_unlock_enabled(profile_dir: Path) -> bool:
        """Whether the user opted in to unlocking this profile with the OS keychain."""
        return Vault.keychain_enabled(profile_dir)

    async def set_keychain_unlock(self, enabled: bool) -> None:
        """Opts in to (or out of) unlocking with the OS keychain.

        Raises:
            KeychainUnavailable: No usable keychain; nothing changed.
        """
        if enabled:
            await asyncio.to_thread(self._vault.enable_keychain)
        else:
            await asyncio.to_thread(self._vault.disable_keychain)

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
        await self._stop_engine()
        report = await asyncio.to_thread(self._vault.restore_snapshot, snapshot)
        client = await ChatClient._from_vault(self._vault)
        await client._requeue_after_restore(report.outbox_dropped)
        return client

    async def _requeue_after_restore(self, keys: Sequence[MessageKey]) -> None:
        if keys:
            await self._context.worker.run(requeue_after_restore, self.store, keys)

    async def housekeeping(self) -> HousekeepingReport:
        """The slow upkeep left out of unlocking: check every page, snapshot, orphan files.

        Call it in the background once the window shows; messages keep flowing meanwhile
        (it reads through a connection of its own). Closing the client interrupts it.

        Raises:
            DatabaseCorrupt: The database is damaged; ``snapshots`` lists intact snapshots
                for :meth:`restore_snapshot`.
        """
        return await asyncio.to_thread(self.store.run_housekeeping)

    @classmethod
    async def _from_vault(cls, vault: UnlockedVault) -> ChatClient:
        try:
            store = await asyncio.to_thread(vault.open_store)
            # Pasted images and link history a crash or kill left behind (no plaintext stays).
            await asyncio.to_thread(leftovers.sweep_at_start, store.paths.root)
            worker = StoreWorker(store)
            username, device_id, relay_url, identity = await worker.run(load_account, store)
            device_key = await worker.run(_registered_device_key, store)
            # Profiles made before the unlock dialog named the account learn it now.
            await asyncio.to_thread(vault.set_account_label, username)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            raise
        context = EngineContext(username, device_id, relay_url, identity, worker)
        context.device_key = device_key
        return cls(vault, context)

    @property
    def device_id(self) -> int:
        """This device's id within the account."""
        return self._context.device_id

    # ---- linked devices (docs/protocol.md §6.11) -----------------------------------------

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

    def describe_link_code(self, code: str) -> str:
        """The new device's name in a pasted link code (to confirm before linking).

        Raises:
            InvalidLinkCode: Malformed, or a code for another relay.
        """
        from chat_desktop.services.linking import parse_code_for

        return parse_code_for(self._context.relay_url, code).device_name

    async def link_device(self, code: str, *, transfer_history: bool = True) -> None:
        """Existing device: sends this account to the new device that shows ``code``.

        Raises:
            InvalidLinkCode: Malformed, or a code for another relay.
            ProtocolError: The relay refused (the code expired or was used, rate limits).
            ConnectionFailure, HttpFailure: The relay could not be reached.
        """
        from chat_desktop.services.linking import DeviceLinker

        await DeviceLinker(self._context).link(code, transfer_history=transfer_history)

    async def devices(self) -> list[DeviceSummary]:
        """The account's devices, from the relay (names decrypted here).

        Raises:
            ConnectionFailure, ProtocolError: The relay could not be asked.
        """
        return await self._devices.list()

    async def unlink_device(self, device_id: int) -> None:
        """Removes a device from the account; the relay disconnects it at once.

        Raises:
            ConnectionFailure, ProtocolError: Refused (``not_found``; ``bad_request`` for
                the only device) or the relay could not be asked.
        """
        await self._devices.remove(device_id)

    @property
    def unlinked(self) -> bool:
        """Whether the relay told us this device was removed from the account."""
        return self._devices.unlinked

    async def _import_transferred_history(self) -> None:
        worker = self._context.worker
        if not await worker.run(worker.store.settings.get, devices.PENDING_HISTORY_SETTING):
            return  # nothing to import: linking need not even be loaded
        from chat_desktop.services.linking import DeviceLinker

        for key in await DeviceLinker(self._context).import_pending_history():
            self._transfers.on_attachment_received(key)

    @property
    def relay_url(self) -> str:
        """The relay this account is registered on."""
        return self._context.relay_url

    @property
    def connected(self) -> bool:
        """True while the relay link is up."""
        connection = self._context.connection
        return connection is not None and connection.connected

    @property
    def store(self) -> MessageStore:
        """The open store (for tools and tests; call it only through :meth:`run_in_store`)."""
        return self._context.worker.store

    async def run_in_store(self, function: Callable[..., Any], *args: Any) -> Any:
        """Runs ``function(*args)`` on the store thread (read-only helpers, tests)."""
        return await self._context.worker.run(function, *args)

    async def connect(self) -> None:
        """Starts the relay link (reconnecting forever) and the background work.

        Returns at once; sending works offline (messages queue). Use :meth:`wait_connected`
        to wait for the link.

        Raises:
            ClientError: The client was closed (locked): nothing is started.
        """
        if self._closed:
            raise ClientError("this client is closed (locked): unlock again to connect")
        if self._context.connection is None:
            # Imported here: python-socketio and aiohttp cost a third of a second, which the
            # start pays after the window is up rather than before (benchmarks/ui.py).
            from chat_desktop.net.connection import RelayConnection

            self._context.connection = RelayConnection(
                self._context.relay_url,
                self._context.username,
                self._context.device_id,
                self._context.sign_connect,
                on_message=self._receiver.enqueue,
                on_connected=self._on_connected,
                on_disconnected=self._on_disconnected,
                on_presence=self._on_presence_push,
                on_keys_low=self._on_keys_low,
                on_devices_changed=self._devices.on_changed,
                on_device_removed=self._devices.mark_unlinked,
            )
        self._receiver.start()
        self._sender.start()
        self._context.supervisor.start("expiry", self._expiry_loop)
        self._context.supervisor.start("key-upkeep", self._key_upkeep_loop)
        # Blob files a crash (or a message deleted before its upload) left behind.
        self._spawn(self._transfers.sweep_leftovers())
        self.events.publish(ConnectionChanged(ConnectionState.CONNECTING))
        self._context.connection.start()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Waits until the relay link is up (``TimeoutError`` after ``timeout`` s)."""
        if self._context.connection is None:
            raise ClientError("call connect() first")
        await self._context.connection.wait_connected(timeout)

    async def close(self) -> None:
        """Disconnects, stops background work, closes the store and drops the keys (lock)."""
        if self._closed:
            return
        await self._stop_engine()
        await asyncio.to_thread(self._vault.lock)

    async def _stop_engine(self) -> None:
        """Stops every task and the link and closes the store; the vault stays unlocked."""
        self._closed = True
        self._sender.begin_close()
        await self._context.supervisor.close()
        for task in list(self._background):
            task.cancel()
        if self._queue_committer is not None:
            with contextlib.suppress(Exception):
                await self._queue_committer  # what callers were told is queued, is committed
        await self._sender.close()
        if self._context.connection is not None:
            await self._context.connection.close()
        await self._transfers.close()
        await self._context.worker.close()

    # ---- sending ---------------------------------------------------------------------

    async def send_text(self, peer: str, text: str, *, reply_to: str | None = None) -> str:
        """Queues a text message; returns its id. Never fails for being offline.

        Args:
            peer: The recipient.
            text: The message.
            reply_to: The id of a message of this conversation it answers: the quote
                (author, excerpt, kind) is built from our stored copy of it.

        Raises:
            InvalidPeer: ``peer`` is not a valid username.
            ClientError: Empty or too long text.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        _check_peer(peer)
        if not text.strip():
            raise ClientError("nothing to send")
        if len(text) > MAX_TEXT_LENGTH:
            raise ClientError("the message is too long")
        quote = None if reply_to is None else await self._actions.reply_quote(peer, reply_to)

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TextContent(
                id=message_id,
                sent_at=sent_at,
                expire_timer=timer,
                text=text,
                quote=wire_quote(quote),
            )

        return await self.queue_content(peer, make, kind="text", body=text, quote=quote)

    async def react(self, peer: str, message_id: str, emoji: str | None) -> None:
        """Sets our reaction to a message (ours or the peer's); None removes ours.

        One reaction per person per message: a new one replaces ours.

        Raises:
            ClientError: Not a single emoji.
            UnknownMessage: The message is not (or no longer) here.
        """
        _check_peer(peer)
        await self._actions.react(peer, message_id, emoji)

    async def edit_message(self, peer: str, message_id: str, text: str) -> None:
        """Replaces the text of one of our text messages; the peer's copy follows.

        Raises:
            EditNotAllowed: Not our own text message, sent more than 24 h ago, deleted, or
                edited too often.
            ClientError: Empty or too long text.
        """
        _check_peer(peer)
        await self._actions.edit_message(peer, message_id, text)

    async def delete_for_everyone(self, peer: str, message_id: str) -> None:
        """Deletes one of our messages here and at the peer (both keep a "deleted" mark).

        Raises:
            DeleteNotAllowed: Not our own message, sent more than 24 h ago, or deleted.
        """
        _check_peer(peer)
        await self._actions.delete_for_everyone(peer, message_id)

    async def delete_for_me(self, peer: str, message_ids: Sequence[str]) -> None:
        """Removes messages from this device only (with their files and search entries)."""
        _check_peer(peer)
        await self._actions.delete_for_me(peer, message_ids)

    async def delete_conversation(self, peer: str) -> None:
        """Removes the conversation and everything in it from this device only."""
        _check_peer(peer)
        await self._actions.delete_conversation(peer)

    async def edit_history(self, peer: str, message_id: str) -> list[tuple[int, str]]:
        """``(edited_at ms, earlier text)`` of each edit of a message, oldest first."""
        _check_peer(peer)
        return await self._actions.edit_history(peer, message_id)

    async def message_details(self, peer: str, message_id: str) -> MessageDetails:
        """Sent, received, delivered and read times of one message.

        Raises:
            UnknownMessage: The message is not (or no longer) here.
        """
        _check_peer(peer)
        return await self._actions.message_details(peer, message_id)

    async def send_file(
        self, peer: str, path: Path, *, caption: str = "", reply_to: str | None = None
    ) -> str:
        """Queues a file; images are stripped of metadata and get a thumbnail first.

        Args:
            peer: The recipient.
            path: The file.
            caption: Text shown with it.
            reply_to: The id of a message of this conversation it answers (see
                :meth:`send_text`).

        Raises:
            ImageRejected: An image that is not allowed (bomb, not an image, format).
            AttachmentTooLarge: Over 100 MiB.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        _check_peer(peer)
        quote = None if reply_to is None else await self._actions.reply_quote(peer, reply_to)
        message_id = await self._transfers.queue_file(
            peer,
            path,
            functools.partial(self.queue_content, quote=quote),
            caption=caption,
            quote=wire_quote(quote),
        )
        return message_id

    async def start_conversation(self, peer: str) -> bool:
        """Opens a conversation with ``peer``, checking with the relay that they exist.

        Returns:
            True if the relay confirmed the user (and sessions are ready), False if we are
            offline and could not check yet (the conversation exists all the same).

        Raises:
            InvalidPeer: Not a valid username, or our own.
            UnknownUser: The relay has no such user ("no such user").
        """
        _check_peer(peer)
        if peer == self.username:
            raise InvalidPeer("that is your own username")
        worker = self._context.worker
        connection = self._context.connection
        confirmed = False
        if connection is not None and connection.connected:
            has_session = await worker.run(self._context.sessions.devices, worker.store, peer)
            if not has_session:
                try:
                    await self._sender.establish_sessions(peer)
                except UnknownRecipient:
                    raise UnknownUser("no such user") from None
                except (ConnectionFailure, ProtocolError):
                    return await self._ensure_conversation(peer, confirmed=False)
            confirmed = True
        result = await self._ensure_conversation(peer, confirmed=confirmed)
        await self._sync_contact(peer)
        return result

    async def _sync_contact(self, peer: str) -> None:
        """Tells our other devices about ``peer`` (a new conversation, an accepted key)."""
        store = self._context.worker.store
        contact = await self._context.worker.run(store.contacts.get, peer)
        key = None if contact is None else contact.identity_key
        await self._queue_sync(
            peer, functools.partial(ContactSyncContent, peer=peer, identity_key=key)
        )

    async def _ensure_conversation(self, peer: str, *, confirmed: bool) -> bool:
        store = self._context.worker.store

        def ensure() -> None:
            with store.transaction():
                store.conversations.ensure(peer, peer_address=peer)

        await self._context.worker.run(ensure)
        return confirmed

    async def queue_content(
        self,
        peer: str,
        make: ContentFactory,
        *,
        kind: str | None,
        body: str | None = None,
        attachment: Any = None,
        blob_path: str | None = None,
        quote: Quote | None = None,
        apply: ApplyHook | None = None,
    ) -> str:
        """Stores a message row (if ``kind``) and its outbox entry in one transaction.

        Returns once both are durably committed. Calls made while a commit is running are
        committed together in the next one (group commit), each in its own savepoint.

        Args:
            peer: The recipient.
            make: Builds the content from (message id, sent_at, disappearing timer).
            kind: The message row's kind, or None for a content without one (receipts,
                reactions, edits, deletes).
            body: The row's text.
            attachment: The row's attachment metadata.
            blob_path: An encrypted blob to upload before sending.
            quote: The row's quote (a reply).
            apply: Called in the same transaction, before the content is made, with
                (store, message id, sent_at): applies the action to our own copy. What it
                raises refuses the whole request (nothing is stored or sent) and is raised
                here.
        """
        message_id = new_message_id()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue_requests.append(
            _QueueRequest(
                peer, message_id, make, kind, body, attachment, blob_path, done, quote, apply
            )
        )
        if self._queue_committer is None or self._queue_committer.done():
            # A task of its own, so a caller that gives up (cancelled) never strands the
            # requests queued behind it.
            self._queue_committer = asyncio.create_task(self._commit_queue(), name="queue-commit")
        await done
        self._sender.wake()
        return message_id

    async def _commit_queue(self) -> None:
        while self._queue_requests:
            batch, self._queue_requests = self._queue_requests, []
            await self._commit_queue_batch(batch)

    async def _commit_queue_batch(self, batch: list[_QueueRequest]) -> None:
        try:
            errors = await self._context.worker.run(self._queue_batch_in_store, batch)
        except Exception as error:
            for request in batch:
                if not request.done.done():
                    request.done.set_exception(error)
            return
        for request, item_error in zip(batch, errors, strict=True):
            if request.done.done():
                continue  # the caller gave up waiting; the message is queued all the same
            if item_error is None:
                request.done.set_result(None)
            else:
                request.done.set_exception(item_error)

    def _queue_batch_in_store(self, batch: list[_QueueRequest]) -> list[Exception | None]:
        store = self._context.worker.store
        errors: list[Exception | None] = []
        with store.transaction():
            for request in batch:
                try:
                    self._queue_in_store(request)
                except Exception as error:  # this one rolled back to its savepoint
                    errors.append(error)
                else:
                    errors.append(None)
        return errors

    def _queue_in_store(self, request: _QueueRequest) -> None:
        store = self._context.worker.store
        peer, message_id, kind = request.peer, request.message_id, request.kind
        # Strictly increasing per device, so our messages never tie on their sort key.
        sent_at = self._last_sent_at = max(now_ms(), self._last_sent_at + 1)
        with store.transaction():
            conversation = store.conversations.ensure(peer, peer_address=peer)
            timer = conversation.expire_timer
            if request.apply is not None:
                request.apply(store, message_id, sent_at)
            content = request.make(message_id, sent_at, timer)
            if kind is not None:
                store.messages.insert(
                    NewMessage(
                        id=message_id,
                        conversation_id=peer,
                        sender=self.username,
                        sender_device=self._context.device_id,
                        direction=Direction.OUTGOING,
                        sort_key=sent_at,
                        kind=kind,
                        body=request.body,
                        status=MessageStatus.PENDING,
                        sent_at=sent_at,
                        # A note that the timer changed stays; the messages after it go.
                        expire_timer=0 if kind == TIMER_NOTE_KIND else timer,
                        attachment=request.attachment,
                        quote=request.quote,
                    )
                )
            payload = OutboxPayload(
                content=encode_content(content),
                bodies=None,
                # The relay's copy goes at sent_at + timer (docs/protocol.md §6).
                expires_at=sent_at + timer * 1000 if timer else None,
                track_status=kind is not None,
                blob_path=request.blob_path,
            )
            store.outbox.enqueue(peer, message_id, peer, encode_payload(payload))
            if request.blob_path is None:
                # An attachment's transcript waits for its blob id (after the upload).
                sync.queue_transcript(self._context, store, peer, content, payload.expires_at)

    def _send_delivery_receipts(self, delivered: dict[str, list[str]]) -> None:
        for peer, ids in delivered.items():
            self._spawn(self._queue_receipt(peer, "delivered", ids))

    def _request_retry(self, peer: str, envelope_ids: list[str]) -> None:
        """Asks ``peer`` to resend messages we could not decrypt (on a fresh session)."""
        if peer == self.username:
            return  # a sync copy from our other device: it is not resent, the next one heals
        for start in range(0, len(envelope_ids), MAX_IDS_PER_CONTENT):
            ids = envelope_ids[start : start + MAX_IDS_PER_CONTENT]

            def make(message_id: str, sent_at: int, timer: int, ids: list[str] = ids) -> Content:
                return RetryContent(id=message_id, sent_at=sent_at, message_ids=ids)

            self._spawn(self.queue_content(peer, make, kind=None))

    async def _queue_receipt(self, peer: str, receipt: str, ids: list[str]) -> None:
        # A peer refuses longer id lists (the content schema's bound): split them.
        for start in range(0, len(ids), MAX_IDS_PER_CONTENT):
            chunk = ids[start : start + MAX_IDS_PER_CONTENT]

            def make(
                message_id: str, sent_at: int, timer: int, chunk: list[str] = chunk
            ) -> Content:
                return ReceiptContent(
                    id=message_id,
                    sent_at=sent_at,
                    receipt="read" if receipt == "read" else "delivered",
                    message_ids=chunk,
                )

            await self.queue_content(peer, make, kind=None)

    async def mark_read(self, peer: str, up_to_id: str) -> int:
        """Marks received messages up to ``up_to_id`` read; the sender gets a read receipt.

        No read receipt goes out while the user turned them off (:class:`Preferences`).

        Disappearing messages start their timer now (each told as a ``MessageChanged`` of
        change ``"expiry"``, so a window showing it shows its time left). Returns how many
        became read.
        """
        _check_peer(peer)
        read_ids, send_receipt, started = await self._context.worker.run(
            self._mark_read_in_store, peer, up_to_id
        )
        for message_id in started:
            self.events.publish(MessageChanged(peer, message_id, "expiry"))
        if read_ids:
            await self._queue_sync(
                peer,
                functools.partial(
                    ReadSyncContent, peer=peer, message_ids=read_ids[-MAX_IDS_PER_CONTENT:]
                ),
            )
        if read_ids and send_receipt:
            await self._queue_receipt(peer, "read", read_ids)
        return len(read_ids)

    def _mark_read_in_store(self, peer: str, up_to_id: str) -> tuple[list[str], bool, list[str]]:
        """Marks read; returns the ids for a receipt, whether the user sends read receipts
        and the ids whose disappearing countdown started."""
        store = self._context.worker.store
        read_at = now_ms()
        started: list[str] = []
        with store.transaction():
            cursor = store.messages.cursor_of(MessageKey(peer, up_to_id))
            if cursor is None:
                return [], False, []
            read = store.messages.mark_read(peer, cursor, read_at)
            for message in read:
                if message.expire_timer:
                    # The receiver's copy disappears `timer` after reading (docs/protocol.md §6).
                    store.messages.set_expiry(
                        MessageKey(peer, message.id), read_at + message.expire_timer * 1000
                    )
                    started.append(message.id)
            send_receipt = read_receipts_enabled(store)
        ids = [message.id for message in read if not message.undecryptable]
        return ids, send_receipt, started

    async def set_typing(self, peer: str, typing: bool) -> None:
        """Tells ``peer`` we started or stopped typing (best effort, never queued).

        Nothing is sent while the user turned typing indicators off (:class:`Preferences`).
        """
        _check_peer(peer)
        connection = self._context.connection
        if connection is None or not connection.connected:
            return
        message_id = new_message_id()
        content = TypingContent(
            id=message_id, sent_at=now_ms(), typing="started" if typing else "stopped"
        )
        bodies = await self._context.worker.run(self._encrypt_now, peer, encode_content(content))
        if not bodies:
            return
        request = MessageSend(
            id=message_id,
            to=peer,
            payloads=[DevicePayload(device_id=device, body=body) for device, body in bodies],
            expires_at=now_ms() + TYPING_TTL_MS,
        )
        with contextlib.suppress(ConnectionFailure, ProtocolError):
            await connection.request(wire_events.MESSAGE_SEND, request, MessageSendAck)

    def _encrypt_now(self, peer: str, plaintext: bytes) -> list[tuple[int, bytes]]:
        """Encrypts a typing notice now; nothing for a paused peer or with typing turned off."""
        store = self._context.worker.store
        if not typing_indicators_enabled(store) or peer in paused_peers(store):
            return []
        try:
            with store.transaction():
                return encrypt_to_peer(self._context, store, peer, plaintext)
        except BaseException:
            self._context.sessions.forget()
            raise

    async def set_disappearing_timer(self, peer: str, seconds: int) -> str | None:
        """Sets the conversation's disappearing timer (0 = off) and tells ``peer``.

        Returns the id of the note it leaves in the conversation (to show it at once), or
        None when the timer already was ``seconds``: then nothing changes and nothing is sent.

        Raises:
            ClientError: ``seconds`` is outside 0 … one year (docs/protocol.md §4).
        """
        _check_peer(peer)
        if not 0 <= seconds <= MAX_TIMER_SECONDS:
            raise ClientError("the timer must be between 0 (off) and one year")
        if not await self._context.worker.run(self._set_timer_in_store, peer, seconds):
            return None

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TimerContent(id=message_id, sent_at=sent_at, seconds=seconds)

        # Our copy is a note in the chat too (the peer's app shows the same note).
        note_id = await self.queue_content(peer, make, kind=TIMER_NOTE_KIND, body=str(seconds))
        self.events.publish(TimerChanged(peer=peer, seconds=seconds))
        return note_id

    def _set_timer_in_store(self, peer: str, seconds: int) -> bool:
        """Sets the timer; False (nothing written) if it already was ``seconds``."""
        store = self._context.worker.store
        with store.transaction():
            conversation = store.conversations.ensure(peer, peer_address=peer)
            if conversation.expire_timer == seconds:
                return False
            store.conversations.set_expire_timer(peer, seconds)
        return True

    async def retry(self, peer: str, message_id: str) -> bool:
        """Sends a failed message again. Returns False if it was not failed."""
        requeued = await self._context.worker.run(
            self._context.worker.store.outbox.retry, peer, message_id
        )
        self._sender.wake()
        return bool(requeued)

    # ---- attachments -------------------------------------------------------------------

    async def download_attachment(self, peer: str, message_id: str) -> None:
        """Downloads, verifies and stores (encrypted at rest) a received attachment.

        Raises:
            AttachmentRejected, BlobSizeMismatch, HttpFailure, ProtocolError (not_found),
            TransferCancelled (:meth:`cancel_transfer` stopped it). After any failure the
            status is "failed" and nothing partial is kept: calling again retries.
        """
        _check_peer(peer)
        await self._transfers.download(MessageKey(peer, message_id))

    async def cancel_transfer(self, peer: str, message_id: str) -> None:
        """Stops an attachment's upload (the message becomes failed; retry uploads it again)
        or download (partial data removed; :meth:`download_attachment` starts it again)."""
        _check_peer(peer)
        await self._transfers.cancel_transfer(MessageKey(peer, message_id))

    async def save_attachment(self, peer: str, message_id: str, destination: Path) -> None:
        """Writes the decrypted attachment to ``destination`` atomically, chunk by chunk."""
        _check_peer(peer)
        await self._transfers.save(MessageKey(peer, message_id), destination)

    async def attachment_path_for_opening(self, peer: str, message_id: str) -> Path:
        """A decrypted copy for "Open", in a private 0700 folder removed at lock and close."""
        _check_peer(peer)
        return await self._transfers.path_for_opening(MessageKey(peer, message_id))

    async def read_attachment(self, peer: str, message_id: str) -> bytes:
        """The decrypted bytes of a stored image, for display (at most 25 MiB: larger ones
        raise ``AttachmentTooLargeToRead``; files are saved or opened instead)."""
        _check_peer(peer)
        return await self._transfers.read(MessageKey(peer, message_id))

    # ---- trust -------------------------------------------------------------------------

    async def safety_number(self, peer: str) -> str:
        """The 60-digit safety number with ``peer``, in groups of five.

        Raises:
            UnknownPeer: We do not know ``peer``'s identity key yet.
        """
        _check_peer(peer)
        contact = await self._context.worker.run(self._context.worker.store.contacts.get, peer)
        if contact is None or contact.identity_key is None:
            raise UnknownPeer("no identity key known for this contact yet")
        digits = safety_number(
            self._context.identity.public_key, self.username, contact.identity_key, peer
        )
        return format_safety_number(digits)

    async def mark_verified(self, peer: str, verified: bool = True) -> None:
        """Records that the user compared the safety number with ``peer``."""
        _check_peer(peer)
        store = self._context.worker.store
        await self._context.worker.run(store.contacts.set_verified, peer, verified)
        contact = await self._context.worker.run(store.contacts.get, peer)
        if contact is not None and contact.identity_key is not None:
            await self._queue_sync(
                peer,
                functools.partial(
                    VerifiedSyncContent,
                    peer=peer,
                    identity_key=contact.identity_key,
                    verified=verified,
                ),
            )

    async def _queue_sync(self, conversation_id: str, make: Callable[..., Content]) -> None:
        """Queues a sync content (read marks, verified state) to our other devices."""

        def queue() -> bool:
            store = self._context.worker.store
            sent_at = self._last_sent_at = max(now_ms(), self._last_sent_at + 1)
            content = make(id=new_message_id(), sent_at=sent_at)
            with store.transaction():
                return sync.queue_sync(self._context, store, conversation_id, content)

        if await self._context.worker.run(queue):
            self._sender.wake()

    async def is_verified(self, peer: str) -> bool:
        """Whether the user verified ``peer``'s current identity key."""
        contact = await self._context.worker.run(self._context.worker.store.contacts.get, peer)
        return contact is not None and contact.verified_state is VerifiedState.VERIFIED

    async def messages_waiting(self, peer: str) -> int:
        """How many of our messages to ``peer`` go once the user accepts their new key
        (0 unless sending to them is paused); :class:`MessagesWaiting` tells changes."""
        _check_peer(peer)
        return await self._context.worker.run(messages_waiting, self._context.worker.store, peer)

    async def accept_identity(self, peer: str) -> None:
        """Accepts ``peer``'s new identity key: paused messages to them go out now."""
        _check_peer(peer)
        await self._context.worker.run(set_paused, self._context.worker.store, peer, False)
        self._sender.wake()
        await self._sync_contact(peer)

    # ---- settings ------------------------------------------------------------------------

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
            self._vault, new_password, allow_weak=allow_weak, user_inputs=(self.username,)
        )

    async def crash_reports(self) -> bool:
        """Whether the user opted in to crash reports.

        Off until the user says otherwise; the composition root enables
        :class:`chat_desktop.telemetry.Telemetry` accordingly after unlock, with the DSN of
        the build or deployment (never one the user types).
        """
        settings = self._context.worker.store.settings
        return bool(await self._context.worker.run(settings.get, CRASH_REPORTS_SETTING, False))

    async def set_crash_reports(self, enabled: bool) -> None:
        """Records the user's crash-report choice in the encrypted settings."""
        store = self._context.worker.store

        def write() -> None:
            with store.transaction():
                store.settings.set(CRASH_REPORTS_SETTING, enabled)
                store.settings.delete(CRASH_REPORTS_DSN_SETTING)  # once typed by users; unused

        await self._context.worker.run(write)

    async def window_state(self) -> WindowState:
        """The main window's state as the user left it (empty the first time)."""
        settings = self._context.worker.store.settings
        stored = await self._context.worker.run(settings.get, WINDOW_STATE_SETTING, None)
        if not isinstance(stored, dict):
            return WindowState()

        def blob(name: str) -> bytes | None:
            value = stored.get(name)
            if not isinstance(value, str):
                return None
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                return None

        peer = stored.get("open_peer")
        valid_peer = isinstance(peer, str) and _USERNAME.fullmatch(peer) is not None
        return WindowState(blob("geometry"), blob("splitter"), peer if valid_peer else None)

    async def set_window_state(self, state: WindowState) -> None:
        """Remembers the main window's state (in the encrypted settings)."""
        store = self._context.worker.store

        def encoded(value: bytes | None) -> str | None:
            return None if value is None else base64.b64encode(value).decode("ascii")

        def write() -> None:
            with store.transaction():
                store.settings.set(
                    WINDOW_STATE_SETTING,
                    {
                        "geometry": encoded(state.geometry),
                        "splitter": encoded(state.splitter),
                        "open_peer": state.open_peer,
                    },
                )

        await self._context.worker.run(write)

    async def preferences(self) -> Preferences:
        """The user's privacy and notification preferences (defaults until changed)."""
        return await self._context.worker.run(load_preferences, self._context.worker.store)

    async def set_preferences(self, preferences: Preferences) -> None:
        """Saves every preference in one transaction; a new "show online" reaches the relay now.

        Raises:
            InvalidPreference: A field is out of range (``field`` says which); nothing saved.
        """
        validate_preferences(preferences)
        previous = await self._context.worker.run(
            save_preferences, self._context.worker.store, preferences
        )
        if previous.show_online != preferences.show_online:
            await self._send_presence_visibility()

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

    async def set_relay_url(self, url: str) -> None:
        """Saves a new relay address for this account; it is used from the next unlock on.

        :attr:`relay_url` keeps the address in use until then.

        Raises:
            InvalidPreference: Not ``http(s)://host[:port]`` (``field`` is ``relay_url``).
        """
        normalised = normalise_relay_url(url)
        await self._context.worker.run(save_relay_url, self._context.worker.store, normalised)

    async def rotate_recovery_key(self, password: str) -> str:
        """Checks the password, replaces the recovery key and returns the new one.

        The old recovery key stops working at once; the password and keychain still work.
        We never keep a recovery key, so showing it again means making a new one.

        Raises:
            WrongPassword, UnlockBackoff: As at unlock; the recovery key is unchanged.
        """
        return await account.rotate_recovery_key(self._vault, password)

    async def delete_account(self, password: str) -> None:
        """Deletes the account on the relay, then closes this client and erases the profile.

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
        of the relay. Closes this client first; the vault header goes first, so what a failed
        removal leaves behind opens no more (see ``UnlockedVault.erase``).

        Raises:
            ProfileNotErased: Some files of the profile folder could not be removed.
        """
        await self._stop_engine()
        await account.erase_profile(self._vault)

    async def show_online(self) -> bool:
        """Whether contacts may see when we are online (on unless the user turned it off)."""
        settings = self._context.worker.store.settings
        return bool(await self._context.worker.run(settings.get, SHOW_ONLINE_SETTING, True))

    async def set_show_online(self, visible: bool) -> None:
        """Turns "show when I'm online" on or off; the relay enforces it for every contact.

        Kept in the encrypted settings and told to the relay now and at every connect.
        """
        store = self._context.worker.store

        def write() -> None:
            with store.transaction():
                store.settings.set(SHOW_ONLINE_SETTING, visible)

        await self._context.worker.run(write)
        await self._send_presence_visibility()

    async def _send_presence_visibility(self) -> None:
        connection = self._context.connection
        if connection is None or not connection.connected:
            return  # sent at the next connect
        visible = await self.show_online()
        with contextlib.suppress(ConnectionFailure, ProtocolError):
            await connection.request(
                wire_events.PRESENCE_VISIBILITY, PresenceVisibility(visible=visible), EmptyAck
            )

    # ---- reading -----------------------------------------------------------------------

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        """Up to ``limit`` messages with ``peer``, oldest first (never expired ones)."""
        _check_peer(peer)
        return await self._context.worker.run(self._history_in_store, peer, limit, before_id)

    def _history_in_store(self, peer: str, limit: int, before_id: str | None) -> list[Message]:
        messages = self._context.worker.store.messages
        if before_id is None:
            return messages.newest(peer, limit)
        cursor = messages.cursor_of(MessageKey(peer, before_id))
        return [] if cursor is None else messages.before(peer, cursor, limit)

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newer than ``after_id``, oldest first."""
        _check_peer(peer)
        messages = self._context.worker.store.messages

        def page() -> list[Message]:
            cursor = messages.cursor_of(MessageKey(peer, after_id))
            return [] if cursor is None else messages.after(peer, cursor, limit)

        return await self._context.worker.run(page)

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        """About ``limit`` messages centred on ``message_id`` (a search hit), oldest first."""
        _check_peer(peer)
        return await self._context.worker.run(
            self._context.worker.store.messages.around, MessageKey(peer, message_id), limit
        )

    async def message_count(self, peer: str) -> int:
        """How many (unexpired) messages the conversation with ``peer`` holds."""
        return await self._context.worker.run(self._context.worker.store.messages.count, peer)

    async def conversations(
        self, limit: int = 500, *, include_archived: bool = False
    ) -> list[Conversation]:
        """The conversation list: pinned first, then newest activity first.

        Each entry has the preview of its newest shown message (``last_message``), its unread
        count and its muted / pinned / archived flags; archived conversations only with
        ``include_archived`` (the archive view).
        """
        return await self._conversation_list.conversations(limit, include_archived=include_archived)

    async def set_muted(self, peer: str, muted: bool) -> None:
        """Mutes or unmutes the conversation with ``peer`` (publishes ConversationChanged)."""
        await self._conversation_list.set_muted(_check_peer(peer), muted)

    async def set_pinned(self, peer: str, pinned: bool) -> None:
        """Pins the conversation with ``peer`` to the top of the list, or unpins it."""
        await self._conversation_list.set_pinned(_check_peer(peer), pinned)

    async def set_archived(self, peer: str, archived: bool) -> None:
        """Archives the conversation with ``peer``, or brings it back to the main list.

        A new incoming message brings it back by itself unless the conversation is muted.
        """
        await self._conversation_list.set_archived(_check_peer(peer), archived)

    async def unread_total(self) -> int:
        """Unread messages over every conversation not archived, muted ones included."""
        return await self._conversation_list.unread_total()

    async def message(self, peer: str, message_id: str) -> Message | None:
        """One message, or None (unknown or expired)."""
        return await self._context.worker.run(
            self._context.worker.store.messages.get, MessageKey(peer, message_id)
        )

    async def search(self, text: str, limit: int = 50) -> list[Message]:
        """Messages containing every word of ``text`` (never deleted or expired ones)."""
        return await self._context.worker.run(self._context.worker.store.search, text, limit=limit)

    async def subscribe_presence(self, peers: list[str]) -> None:
        """Asks the relay for ``peers``' presence now and on every change.

        The relay follows at most ``MAX_PRESENCE_SUBSCRIPTIONS`` users per connection; the
        first that many are asked for. A refusal (rate limit, offline) is not an error: the
        presence shown just stays as it was.
        """
        for peer in peers:
            _check_peer(peer)
        connection = self._context.connection
        if connection is None or not connection.connected:
            return
        wanted = list(dict.fromkeys(peers))[:MAX_PRESENCE_SUBSCRIPTIONS]
        pushes_before = {peer: self._presence_pushes.get(peer, 0) for peer in wanted}
        try:
            update = await connection.request(
                wire_events.PRESENCE_SUBSCRIBE, PresenceSubscribe(users=wanted), PresenceUpdate
            )
        except (ConnectionFailure, ProtocolError) as error:
            logger.info("presence subscription refused: %s", type(error).__name__)
            return
        # A change the relay pushed while the answer travelled is newer than the answer:
        # the answer must not turn a peer who just left back "online".
        fresh = [
            entry
            for entry in update.presence
            if self._presence_pushes.get(entry.user, 0) == pushes_before.get(entry.user, 0)
        ]
        self._on_presence(PresenceUpdate(presence=fresh))

    # ---- relay callbacks ---------------------------------------------------------------

    async def _on_connected(self) -> None:
        self.events.publish(ConnectionChanged(ConnectionState.CONNECTED))
        self._sender.wake()
        self._spawn(self._devices.on_connected())
        self._spawn(self._import_transferred_history())
        self._spawn(self._send_presence_visibility())
        self._spawn(self._maintain_prekeys())

    async def _on_disconnected(self) -> None:
        # The relay cuts an unlinked device off after telling it: that is not "offline".
        unlinked = self._devices.unlinked
        state = ConnectionState.UNLINKED if unlinked else ConnectionState.DISCONNECTED
        self.events.publish(ConnectionChanged(state))

    def _on_presence_push(self, update: PresenceUpdate) -> None:
        """A presence change the relay pushed (counted, so older answers never override it)."""
        for entry in update.presence:
            self._presence_pushes[entry.user] = self._presence_pushes.get(entry.user, 0) + 1
        self._on_presence(update)

    def _on_presence(self, update: PresenceUpdate) -> None:
        for entry in update.presence:
            self.events.publish(
                PresenceChanged(peer=entry.user, online=entry.online, last_seen=entry.last_seen)
            )

    def _on_keys_low(self, counts: KeyCounts) -> None:
        self._spawn(self._replenish(counts))

    async def _key_upkeep_loop(self) -> None:
        """Rotates our prekeys when due, also while the link stays up for weeks."""
        while True:
            await asyncio.sleep(KEY_UPKEEP_INTERVAL_S)
            if self.connected:
                await self._maintain_prekeys()

    async def _maintain_prekeys(self) -> None:
        """Rotates the signed and last-resort PQ prekeys when due and uploads them.

        A rotation whose upload failed (offline, refused) is uploaded again at the next
        connect or upkeep tick: the relay must not keep handing out a retired key.
        """
        worker = self._context.worker
        upload = await worker.run(own_keys.rotation_if_due, worker.store, self._context.identity)
        if upload is not None:
            self._rotation_to_upload = upload
        if self._rotation_to_upload is not None and await self._upload_keys(
            self._rotation_to_upload
        ):
            self._rotation_to_upload = None

    async def _replenish(self, counts: KeyCounts) -> None:
        worker = self._context.worker
        upload = await worker.run(
            own_keys.replenishment, worker.store, self._context.identity, counts
        )
        if upload is not None:
            await self._upload_keys(upload)

    async def _upload_keys(self, upload: KeysUpload) -> bool:
        """Uploads prekeys; returns whether the relay took them."""
        connection = self._context.connection
        if connection is None:
            return False
        try:
            await connection.request(wire_events.KEYS_UPLOAD, upload, KeyCounts)
        except (ConnectionFailure, ProtocolError):
            return False
        return True

    # ---- disappearing messages ---------------------------------------------------------

    async def _expiry_loop(self) -> None:
        store = self._context.worker.store
        next_give_up_check = 0.0
        while True:
            loop_time = asyncio.get_running_loop().time()
            if loop_time >= next_give_up_check:
                next_give_up_check = loop_time + GIVE_UP_CHECK_S
                await self._give_up_on_stale_messages()
            try:
                keys = await self._context.worker.run(store.delete_expired)
            except Exception:
                logger.exception("deleting expired messages failed")
                keys = []
            by_peer: dict[str, list[str]] = {}
            for key in keys:
                by_peer.setdefault(key.conversation_id, []).append(key.message_id)
            for peer, ids in by_peer.items():
                self.events.publish(MessagesExpired(peer=peer, message_ids=tuple(ids)))
            await asyncio.sleep(EXPIRY_POLL_S)

    async def _give_up_on_stale_messages(self) -> None:
        """Marks messages unsent for 24 h as failed (the user can :meth:`retry` them)."""
        outbox = self._context.worker.store.outbox
        try:
            failed = await self._context.worker.run(outbox.fail_stale, OUTBOX_GIVE_UP_MS)
        except Exception:
            logger.exception("marking stale messages failed did not work")
            return
        for entry in failed:
            if decode_payload(entry.payload).track_status:
                self.events.publish(
                    StatusChanged(
                        peer=entry.recipient, message_id=entry.message_id, status="failed"
                    )
                )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _registered_device_key(store: MessageStore) -> DeviceKeyPair | None:
    """Our DK if the relay has it (else CONNECT is signed with IK until it is registered)."""
    if not devices.device_key_registered(store):
        return None
    return devices.load_device_key(store)


def default_device_name() -> str:
    """This computer's name for the device list: its host name, cut to 64 characters."""
    name = "".join(ch for ch in socket.gethostname() if ch.isprintable()).strip()
    return name[:64] or "Desktop"
