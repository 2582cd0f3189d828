"""Group pictures (issue 21): an admin sets or removes one; each member device fetches it.

Setting: the chosen picture becomes a square JPEG of at most 512 × 512 pixels and 64 KiB
with no metadata (:func:`~chat_desktop.services.profile_images.make_avatar`, as a profile
picture), is encrypted as an attachment (docs/protocol.md §5) and uploaded as one relay
blob; then the ``group_update`` naming it (``avatar``: blob id, key, digest, size) goes to
every member device as any change of the group's state (admins only). Our own device keeps
the picture at once and fetches nothing.

Fetching: a member device holds the picture of the blob its group's current state names.
:meth:`GroupAvatars.image` returns it, fetching it first when this device does not hold
that pointer yet: a download ticket, the blob (exactly the announced size, see
``download_blob``), the digest and MAC checked before anything is decrypted, then the
picture checked as a contact's profile picture (JPEG or PNG, at most 512 pixels a side and
64 KiB, decodes whole: :func:`~chat_desktop.services.profile_images.check_avatar`). A pointer
that fails these checks is recorded as refused (never fetched again; the group shows no
picture) and :class:`GroupAvatarRefused` is published; a network failure leaves nothing
behind and the next call tries again. One fetch per pointer runs at a time, whoever asks.

The relay keeps a blob for its retention period (§6.8): a member added later than that
finds it gone (``not_found``), which counts as refused, until an admin sets a picture again.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
from pathlib import Path
from typing import Final

import msgspec

from chat_desktop.crypto.attachment import (
    AttachmentSecrets,
    blob_size_for,
    decrypt_attachment,
    encrypt_attachment,
)
from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.net.errors import BlobSizeMismatch, ConnectionFailure, HttpFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ErrorCode, ProtocolError
from chat_desktop.protocol.message_content import GroupAvatar
from chat_desktop.protocol.schemas import (
    AttachmentDownload,
    AttachmentDownloadAck,
    AttachmentUpload,
    AttachmentUploadAck,
)
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import GroupAvatarRefused
from chat_desktop.services.groups_held import load_held
from chat_desktop.services.profile_images import AvatarRejected, check_avatar, make_avatar
from chat_desktop.storage.group_avatars import MAX_GROUP_AVATAR_BYTES

logger = logging.getLogger(__name__)

#: Where a picture's blob waits while it is uploaded or downloaded (under the profile).
_WORK_DIR: Final = "group-avatars"


class GroupAvatarUnavailable(ClientError):
    """The group's picture could not be uploaded now (not connected, or the relay refused)."""


class GroupAvatars:
    """Uploads the pictures we set on groups and fetches the ones members set."""

    def __init__(self, context: EngineContext) -> None:
        """Works in the profile's ``group-avatars`` folder."""
        self._context = context
        self._work_dir = context.worker.store.paths.root / _WORK_DIR
        #: Pointer hash -> the fetch running for it (callers share it).
        self._fetches: dict[bytes, asyncio.Task[bytes | None]] = {}

    # ---- setting ---------------------------------------------------------------------

    async def upload(self, path: Path) -> tuple[GroupAvatar, bytes]:
        """Makes the picture at ``path`` a group picture and uploads it; returns its pointer
        and bytes (kept by the caller once the group's state names it).

        Raises:
            ImageRejected: Not a picture we open, or no size of it fits 64 KiB.
            OSError: The file cannot be read.
            GroupAvatarUnavailable: Not connected, or the relay refused or failed the upload.
        """
        image = await asyncio.to_thread(make_avatar, path)
        connection = self._context.connection
        if connection is None:
            raise GroupAvatarUnavailable("not connected")
        self._work_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._work_dir / f"{uuid.uuid4().hex}.up"
        try:
            secrets = await asyncio.to_thread(_encrypt_to_file, image, blob_path)
            ticket = await connection.request(
                wire_events.ATTACHMENT_UPLOAD,
                AttachmentUpload(size=secrets.blob_size),
                AttachmentUploadAck,
            )
            from chat_desktop.net.http import upload_blob  # the network stack loads when used

            await upload_blob(self._context.relay_url, ticket.blob_id, ticket.token, blob_path)
        except (ProtocolError, HttpFailure, ConnectionFailure) as error:
            raise GroupAvatarUnavailable("the picture could not be uploaded") from error
        finally:
            blob_path.unlink(missing_ok=True)
        avatar = GroupAvatar(
            blob_id=ticket.blob_id, key=secrets.key, digest=secrets.digest, size=len(image)
        )
        return avatar, image

    # ---- fetching --------------------------------------------------------------------

    async def image(self, conversation_id: str) -> bytes | None:
        """The picture of the group's current state (fetched first if needed), or None.

        None: the group has no picture, its blob was refused, or it cannot be fetched now.
        """
        worker = self._context.worker
        store = worker.store

        def look() -> tuple[GroupAvatar | None, bytes | None, bool]:
            held = load_held(store, conversation_id)
            avatar = None if held is None else held.state.avatar
            if avatar is None:
                store.group_avatars.delete(conversation_id)
                return None, None, False
            kept = store.group_avatars.get(conversation_id)
            if kept is not None and kept.pointer == pointer_hash(avatar):
                return avatar, kept.image, True
            return avatar, None, False

        avatar, image, held = await worker.run(look)
        if avatar is None or held:
            return image
        pointer = pointer_hash(avatar)
        task = self._fetches.get(pointer)
        if task is None:
            task = asyncio.create_task(self._fetch(conversation_id, avatar))
            self._fetches[pointer] = task
            task.add_done_callback(lambda _done: self._fetches.pop(pointer, None))
        return await asyncio.shield(task)

    async def _fetch(self, conversation_id: str, avatar: GroupAvatar) -> bytes | None:
        connection = self._context.connection
        if connection is None:
            return None
        worker = self._context.worker
        try:
            image = await self._download(avatar)
        except (HttpFailure, ConnectionFailure):
            return None  # try again next time
        except ProtocolError as error:
            if error.code is not ErrorCode.NOT_FOUND:
                return None
            image = None  # expired or never there: refused like a bad blob
        except (AttachmentRejected, BlobSizeMismatch, AvatarRejected) as error:
            logger.info("a group picture was refused: %s", type(error).__name__)
            image = None
        await worker.run(
            worker.store.group_avatars.set, conversation_id, pointer_hash(avatar), image
        )
        if image is None:
            self._context.events.publish(GroupAvatarRefused(peer=conversation_id))
        return image

    async def _download(self, avatar: GroupAvatar) -> bytes:
        """The checked picture of ``avatar``'s blob.

        Raises:
            AvatarRejected: Over the byte bound, or not a usable picture.
            AttachmentRejected: The blob's digest or MAC does not match its pointer.
            BlobSizeMismatch, HttpFailure, ConnectionFailure, ProtocolError: As a download.
        """
        if not 1 <= avatar.size <= MAX_GROUP_AVATAR_BYTES:
            raise AvatarRejected()
        connection = self._context.connection
        if connection is None:
            raise ConnectionFailure("not connected")
        ticket = await connection.request(
            wire_events.ATTACHMENT_DOWNLOAD,
            AttachmentDownload(blob_id=avatar.blob_id),
            AttachmentDownloadAck,
        )
        self._work_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._work_dir / f"{uuid.uuid4().hex}.down"
        from chat_desktop.net.http import download_blob  # the network stack loads when used

        try:
            await download_blob(
                self._context.relay_url,
                avatar.blob_id,
                ticket.token,
                blob_path,
                blob_size_for(avatar.size),
            )
            return await asyncio.to_thread(_decrypt_checked, blob_path, avatar)
        finally:
            blob_path.unlink(missing_ok=True)


def pointer_hash(avatar: GroupAvatar) -> bytes:
    """SHA-256 of the whole pointer (blob id, key, digest, size): what a kept picture is of."""
    return hashlib.sha256(msgspec.msgpack.encode(avatar)).digest()


def _encrypt_to_file(image: bytes, blob_path: Path) -> AttachmentSecrets:
    with blob_path.open("xb") as sink:
        return encrypt_attachment(io.BytesIO(image), sink, len(image))


def _decrypt_checked(blob_path: Path, avatar: GroupAvatar) -> bytes:
    plain = io.BytesIO()
    with blob_path.open("rb") as source:
        decrypt_attachment(source, plain, avatar.key, avatar.digest, avatar.size)
    image = plain.getvalue()
    check_avatar(image)
    return image
