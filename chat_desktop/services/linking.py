"""Linking a new device to an existing account (docs/protocol.md §6.11).

The new device opens a provisioning channel on the relay and shows a link code (relay
origin, channel id, its ephemeral key E, its name). On an existing, unlocked device the user
pastes the code and confirms; that device gets a one-use link token from the relay and sends
the account (username, the identity seed, the token, the contacts with their keys, verified
state and timers, and optionally a history archive uploaded as a blob) sealed to E. The new
device opens it, shows which account it joins, and only after the user confirms creates its
own profile (own password and recovery key), its device key and prekeys, and registers with
the token. The relay only ever sees the sealed envelope.

The history archive holds every text and attachment key in the clear, so it never touches a
file: it is encrypted from memory into the blob, and decrypted from the blob into memory.
Only the encrypted blob waits on disk, in the profile's private ``linking`` folder (swept at
every unlock: :mod:`chat_desktop.services.leftovers`). A history that cannot be imported
is said to the user (:class:`HistoryImportFailed`), not only logged.

Both devices tell how far the history has come (:class:`HistoryTransferProgress`: export and
upload on the existing device, download and import on the new one), and the new device
announces every conversation it imported (:class:`ConversationChanged`), so the list shows
them at once, not at the next event that happens to refresh it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from chat_desktop.crypto.attachment import (
    AttachmentSecrets,
    blob_size_for,
    decrypt_attachment,
    encrypt_attachment,
)
from chat_desktop.crypto.device_key import encrypt_device_name, validate_device_name
from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.provisioning import (
    InvalidLinkCode as InvalidLinkCodeBytes,
)
from chat_desktop.crypto.provisioning import (
    LinkCode,
    NewDeviceEphemeral,
    ProvisionContact,
    ProvisionHistory,
    ProvisioningRejected,
    ProvisionMessage,
    check_provisioned_relay,
    open_provisioning,
    parse_link_code,
    seal_provisioning,
)
from chat_desktop.crypto.vault import Argon2Params
from chat_desktop.net.errors import BlobSizeMismatch, ConnectionFailure, HttpFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.auth import relay_origin
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.schemas import (
    AttachmentDownload,
    AttachmentDownloadAck,
    AttachmentUpload,
    AttachmentUploadAck,
    DevicesLinkAck,
    EmptyRequest,
    LinkDeviceRequest,
)
from chat_desktop.services import devices, own_keys
from chat_desktop.services.account_record import save_account
from chat_desktop.services.client_errors import ClientError, InvalidLinkCode, LinkFailed
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import ConversationChanged, HistoryImportFailed
from chat_desktop.services.history_transfer import (
    ArchiveRejected,
    decode_archive,
    export_history,
    import_history,
)
from chat_desktop.services.leftovers import LINKING_FOLDER, private_folder
from chat_desktop.services.link_progress import DOWNLOAD, EXPORT, IMPORT, UPLOAD, StageProgress
from chat_desktop.storage.group_ids import group_conversation_id
from chat_desktop.storage.models import MessageKey, VerifiedState
from chat_desktop.storage.store import MessageStore
from chat_desktop.storage.vault_file import UnlockedVault, Vault

logger = logging.getLogger(__name__)

#: The client a joined profile is opened as (``ChatClient``). A type parameter, and the
#: constructor is handed in by ``ChatClient.begin_link``, because the client imports this
#: module: linking naming the client back would make the two import each other.
ClientT = TypeVar("ClientT")


@dataclass(frozen=True)
class LinkOffer:
    """What the new device shows before the user confirms joining.

    Attributes:
        username: The account the existing device offers.
        contact_count: How many contacts come with it.
        has_history: Whether the message history comes too.
    """

    username: str
    contact_count: int
    has_history: bool


def parse_code_for(relay_url: str, code: str) -> LinkCode:
    """Parses a pasted link code, which must name this account's relay.

    Raises:
        InvalidLinkCode: Malformed, or for another relay (never link across relays: a code
            from a stranger's relay would hand them the account).
    """
    try:
        parsed = parse_link_code(code)
    except InvalidLinkCodeBytes:
        raise InvalidLinkCode("this is not a valid link code") from None
    if parsed.relay_origin != relay_origin(relay_url):
        raise InvalidLinkCode("this link code is for another relay")
    return parsed


class PendingLink(Generic[ClientT]):
    """The new device's side of one link attempt; see the module docstring.

    Attributes:
        code: The link code text (show it as a QR code and as copyable text).
        device_name: This device's name, as the existing device will show it.
    """

    def __init__(
        self,
        relay_url: str,
        provision_id: str,
        device_name: str,
        ephemeral: NewDeviceEphemeral,
        open_client: Callable[[UnlockedVault, EngineContext], ClientT],
    ) -> None:
        """Use :meth:`ChatClient.begin_link`."""
        self._relay_url = relay_url
        self._open_client = open_client
        self._provision_id = provision_id
        self._ephemeral = ephemeral
        self._link_code = LinkCode(
            relay_origin=relay_origin(relay_url),
            provision_id=provision_id,
            ephemeral_public=ephemeral.public_key,
            device_name=device_name,
        )
        self.code = self._link_code.to_text()
        self.device_name = device_name
        self._message: ProvisionMessage | None = None

    @classmethod
    async def open(
        cls,
        relay_url: str,
        device_name: str,
        open_client: Callable[[UnlockedVault, EngineContext], ClientT],
    ) -> PendingLink[ClientT]:
        """Opens a provisioning channel and makes the link code.

        Args:
            relay_url: The relay of the account to join.
            device_name: This device's name, as the existing device will show it.
            open_client: Makes the client of the joined profile (``ChatClient``).

        Raises:
            ValueError: The device name is empty, too long or has control characters.
            ProtocolError, HttpFailure: The relay refused or could not be reached.
        """
        name = validate_device_name(device_name)
        from chat_desktop.net.http import open_provisioning as open_channel

        opened = await open_channel(relay_url)
        return cls(relay_url, opened.provision_id, name, NewDeviceEphemeral.generate(), open_client)

    async def wait_for_offer(self) -> LinkOffer:
        """Waits until the existing device sent the account; returns what it offers.

        Raises:
            LinkFailed: The code expired (10 minutes) or what arrived does not open.
            HttpFailure: The relay could not be reached.
        """
        from chat_desktop.net.http import poll_provisioning

        while self._message is None:
            try:
                envelope = await poll_provisioning(self._relay_url, self._provision_id)
            except ProtocolError as error:
                if error.code is ErrorCode.NOT_FOUND:
                    raise LinkFailed("the link code expired; start again") from None
                raise
            if envelope is None:
                continue
            try:
                message = open_provisioning(envelope, self._provision_id, self._ephemeral)
                check_provisioned_relay(message, self._link_code)
            except ProvisioningRejected:
                raise LinkFailed("what arrived for this link code does not open") from None
            self._message = message
        return LinkOffer(
            username=self._message.username,
            contact_count=len(self._message.contacts),
            has_history=self._message.history is not None,
        )

    async def accept(
        self,
        profile_dir: Path,
        password: str,
        *,
        allow_weak_password: bool = False,
        kdf_params: Argon2Params | None = None,
    ) -> tuple[ClientT, str]:
        """Joins the offered account: creates this profile and registers this device.

        Returns:
            The unlocked (not yet connected) client and this profile's recovery key.

        Raises:
            ClientError: :meth:`wait_for_offer` has not returned an offer.
            PasswordPolicyError, VaultExists: As for a new account.
            ProtocolError: The relay refused (``unauthorized``: the token expired;
                ``too_large``: the account has the most devices allowed).
            HttpFailure: The relay could not be reached.
        """
        from chat_desktop.net.http import register_linked_device
        from chat_desktop.services.store_worker import StoreWorker

        message = self._message
        if message is None:
            raise ClientError("no account was offered yet")
        identity = IdentityKeyPair.from_seed(message.identity_seed)
        existed = profile_dir.exists()
        vault, recovery_key = await asyncio.to_thread(
            Vault.create,
            profile_dir,
            password,
            allow_weak=allow_weak_password,
            kdf_params=kdf_params,
            user_inputs=(message.username,),
        )
        try:
            store = await asyncio.to_thread(vault.open_store)
            worker = StoreWorker(store)
            _, signed, pq, one_time = await worker.run(
                own_keys.create_identity_and_prekeys, store, identity
            )
            device_key = await worker.run(devices.create_device_key, store)
            certified = devices.registration_fields(identity, device_key)
            request = LinkDeviceRequest(
                username=message.username,
                link_token=message.link_token,
                device_key=certified["device_key"],
                created_at=certified["created_at"],
                certificate=certified["certificate"],
                name=encrypt_device_name(identity.seed, self.device_name),
                signed_prekey=signed,
                pq_prekeys=pq,
                one_time_prekeys=one_time,
            )
            device_id = await register_linked_device(message.relay_url, request)
            await worker.run(_save_linked_account, store, message, device_id)
            await asyncio.to_thread(vault.set_account_label, message.username)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(vault.lock)
            if not existed:
                shutil.rmtree(profile_dir, ignore_errors=True)
            raise
        context = EngineContext(message.username, device_id, message.relay_url, identity, worker)
        context.device_key = device_key
        return self._open_client(vault, context), recovery_key

    async def cancel(self) -> None:
        """Forgets the attempt (the channel expires on the relay by itself)."""
        self._message = None


def _save_linked_account(store: MessageStore, message: ProvisionMessage, device_id: int) -> None:
    """Stores the account, the contacts (keys pinned, verified state, timers) and the
    history pointer, in one transaction."""
    with store.transaction():
        save_account(store, message.username, device_id, message.relay_url)
        store.settings.set(devices.DEVICE_KEY_REGISTERED_SETTING, True)
        for contact in message.contacts:
            if contact.username == message.username:
                continue
            store.contacts.save_identity_key(contact.username, contact.identity_key)
            if contact.verified:
                store.contacts.set_verified(contact.username, True)
            store.conversations.ensure(contact.username, peer_address=contact.username)
            store.conversations.set_expire_timer(contact.username, contact.timer)
        if message.history is not None:
            history = message.history
            store.settings.set(
                devices.PENDING_HISTORY_SETTING,
                [history.blob_id, history.key.hex(), history.digest.hex(), history.size],
            )


# ---- the existing device's side --------------------------------------------------------------


class DeviceLinker:
    """Sends the account to a new device (existing device) and imports history (new one)."""

    def __init__(self, context: EngineContext) -> None:
        """Prepares the linker for one unlocked account."""
        self._context = context

    async def link(self, code: str, *, transfer_history: bool) -> None:
        """Links the device that shows ``code``; see the module docstring.

        Raises:
            InvalidLinkCode: Malformed code, or one for another relay.
            ProtocolError: The relay refused (``rate_limited``, ``not_found``: the code
                expired, ``conflict``: it was used).
            ConnectionFailure, HttpFailure: The relay could not be reached.
        """
        context = self._context
        parsed = parse_code_for(context.relay_url, code)
        connection = context.connection
        if connection is None or not connection.connected:
            raise ClientError("not connected to the relay")
        worker = context.worker
        history = await self._upload_history() if transfer_history else None
        contacts = await worker.run(_provision_contacts, worker.store, context.username)
        granted = await connection.request(wire_events.DEVICES_LINK, EmptyRequest(), DevicesLinkAck)
        message = ProvisionMessage(
            username=context.username,
            relay_url=context.relay_url,
            identity_seed=context.identity.seed,
            link_token=granted.link_token,
            contacts=contacts,
            history=history,
        )
        envelope = seal_provisioning(message, parsed.provision_id, parsed.ephemeral_public)
        from chat_desktop.net.http import put_provisioning

        await put_provisioning(context.relay_url, parsed.provision_id, granted.link_token, envelope)

    async def _upload_history(self) -> ProvisionHistory:
        """Exports the history, encrypts it from memory into a blob file and uploads it."""
        from chat_desktop.net.http import upload_blob

        context = self._context
        worker = context.worker
        archive = await worker.run(
            export_history, worker.store, StageProgress(context.events, EXPORT)
        )
        blob = await asyncio.to_thread(_blob_file, worker.store)
        try:
            keys = await asyncio.to_thread(_encrypt_into, archive, blob)
            del archive
            assert context.connection is not None
            size = blob.stat().st_size
            reserved = await context.connection.request(
                wire_events.ATTACHMENT_UPLOAD, AttachmentUpload(size=size), AttachmentUploadAck
            )
            uploaded = StageProgress(context.events, UPLOAD)
            uploaded(0, size)
            await upload_blob(context.relay_url, reserved.blob_id, reserved.token, blob, uploaded)
            uploaded(size, size)
            return ProvisionHistory(
                blob_id=reserved.blob_id,
                key=keys.key,
                digest=keys.digest,
                size=keys.plaintext_size,
            )
        finally:
            await asyncio.to_thread(blob.unlink, True)

    async def import_pending_history(self) -> list[MessageKey]:
        """A newly linked device fetches and imports the history it was given (once).

        Returns the attachment messages to fetch. A history that cannot be fetched (the
        blob expired) or does not check out (a tampered blob) is dropped and the user is told
        (:class:`HistoryImportFailed`): linking succeeded without it. One the relay could
        not be reached for is tried again at the next connect.
        """
        from chat_desktop.net.http import download_blob

        context = self._context
        worker = context.worker
        pending = await worker.run(worker.store.settings.get, devices.PENDING_HISTORY_SETTING)
        if not pending or context.connection is None:
            return []
        blob_id, key_hex, digest_hex, size = pending
        blob = await asyncio.to_thread(_blob_file, worker.store)
        try:
            granted = await context.connection.request(
                wire_events.ATTACHMENT_DOWNLOAD,
                AttachmentDownload(blob_id=blob_id),
                AttachmentDownloadAck,
            )
            downloaded = StageProgress(context.events, DOWNLOAD)
            expected = blob_size_for(int(size))
            downloaded(0, expected)
            await download_blob(
                context.relay_url, blob_id, granted.token, blob, expected, downloaded
            )
            downloaded(expected, expected)
            plain = await asyncio.to_thread(
                _decrypt_from, blob, bytes.fromhex(key_hex), bytes.fromhex(digest_hex), int(size)
            )
            archive = await asyncio.to_thread(decode_archive, plain)
            del plain
            imported = StageProgress(context.events, IMPORT)
            imported(0, len(archive.conversations))
            added = await worker.run(
                import_history, worker.store, context.username, archive, imported
            )
            imported(len(archive.conversations), len(archive.conversations))
            for conversation in archive.conversations:
                if conversation.peer != context.username:
                    context.events.publish(ConversationChanged(peer=conversation.peer))
            for group in archive.groups:
                peer = group_conversation_id(group.group_id)
                context.events.publish(ConversationChanged(peer=peer))
        except (ProtocolError, AttachmentRejected, ArchiveRejected, BlobSizeMismatch) as error:
            logger.warning(
                "the transferred history could not be imported: %s", type(error).__name__
            )
            context.events.publish(HistoryImportFailed())
            added = []
        except (HttpFailure, ConnectionFailure) as error:
            logger.info("the transferred history could not be fetched: %s", type(error).__name__)
            return []  # still pending: tried again at the next connect
        finally:
            await asyncio.to_thread(blob.unlink, True)
        await worker.run(worker.store.settings.delete, devices.PENDING_HISTORY_SETTING)
        return added


def _blob_file(store: MessageStore) -> Path:
    """A new path for a history blob in the profile's private ``linking`` folder."""
    folder = private_folder(store.paths.root, LINKING_FOLDER)
    return folder / f"history-{secrets.token_hex(8)}.blob"


def _encrypt_into(archive: bytes, blob: Path) -> AttachmentSecrets:
    """Encrypts the archive from memory into a new file ``blob`` (0600): no plaintext file."""
    descriptor = os.open(blob, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as dst:
        return encrypt_attachment(io.BytesIO(archive), dst, len(archive))


def _decrypt_from(blob: Path, key: bytes, digest: bytes, size: int) -> bytes:
    """Checks and decrypts the blob into memory (nothing is returned unless it checks out).

    Raises:
        AttachmentRejected: Digest or HMAC mismatch, or a size the blob cannot hold.
    """
    plain = io.BytesIO()
    with blob.open("rb") as src:
        decrypt_attachment(src, plain, key, digest, size)
    return plain.getvalue()


def _provision_contacts(store: MessageStore, username: str) -> list[ProvisionContact]:
    """Our contacts with a known key, for the new device (verified state and timers too)."""
    timers = {c.id: c.expire_timer for c in store.conversations.list_recent(100_000)}
    contacts = []
    for contact in store.contacts.list_all():
        if contact.identity_key is None or contact.address == username:
            continue
        contacts.append(
            ProvisionContact(
                username=contact.address,
                identity_key=contact.identity_key,
                verified=contact.verified_state is VerifiedState.VERIFIED,
                timer=timers.get(contact.address, 0),
            )
        )
    return contacts[:5000]
