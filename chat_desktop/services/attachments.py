"""Attachments: prepare (images through Pillow), encrypt, upload, download, store at rest.

Sending: images are re-encoded without metadata and measured (width, height, a ≤ 2 KiB
thumbnail) so the receiver lays out the bubble before the download; the file is encrypted
into a blob (docs/protocol.md §5) kept in the profile until the outbox uploads it, and our own copy
is stored encrypted at rest. The message itself queues like any other, offline included.
Receiving: the blob is downloaded, its digest and MAC checked before any plaintext is
produced, and the file is stored encrypted at rest: a received photo is never a plain file.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from chat_desktop.crypto.attachment import (
    blob_size_for,
    decrypt_attachment,
    encrypt_attachment,
    max_plaintext_size,
)
from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.net.http import download_blob, upload_blob
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.message_content import (
    AttachmentContent,
    Content,
    decode_content,
    encode_content,
)
from chat_desktop.protocol.schemas import (
    AttachmentDownload,
    AttachmentDownloadAck,
    AttachmentUpload,
    AttachmentUploadAck,
)
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import AttachmentStored, TransferProgress
from chat_desktop.services.image_processing import (
    guess_mime_type,
    is_image_candidate,
    prepare_image,
)
from chat_desktop.services.sending import OutboxPayload, OutboxSender, encode_payload
from chat_desktop.storage.models import AttachmentInfo, MessageKey, OutboxEntry

logger = logging.getLogger(__name__)

AUTO_DOWNLOAD_MAX = 25 * 1024 * 1024


class AttachmentTooLarge(Exception):
    """The file is over the protocol's 100 MiB limit; nothing was sent."""


class AttachmentUnavailable(Exception):
    """The message has no attachment, or it is not downloaded (yet)."""


QueueContent = Callable[..., Awaitable[str]]


class AttachmentTransfers:
    """Sends and fetches attachment blobs for one client."""

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        """Hooks the uploader into the outbox sender."""
        self._context = context
        sender.uploader = self._upload
        self._blob_dir = context.worker.store.paths.root / "outgoing_blobs"
        self._download_dir = context.worker.store.paths.root / "incoming_blobs"
        self._tasks: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        """Stops downloads in progress (they restart on request)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # ---- sending -----------------------------------------------------------------------

    async def queue_file(self, peer: str, path: Path, queue_content: QueueContent) -> str:
        """Prepares, encrypts and queues ``path`` for ``peer``; returns the message id."""
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        if size > max_plaintext_size():
            raise AttachmentTooLarge("files over 100 MiB cannot be sent")
        mime = guess_mime_type(path)
        width = height = None
        thumbnail = None
        data: bytes | None = None
        if mime.startswith("image/") or await asyncio.to_thread(is_image_candidate, path):
            # Raises ImageRejected (not an image, unsupported, bomb): nothing is sent.
            prepared = await asyncio.to_thread(prepare_image, path)
            data, mime = prepared.data, prepared.mime_type
            width, height, thumbnail = prepared.width, prepared.height, prepared.thumbnail_jpeg
        self._blob_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._blob_dir / f"{uuid.uuid4().hex}.blob"
        secrets = await asyncio.to_thread(_encrypt_to_blob, path, data, blob_path)
        worker = self._context.worker
        stored = await worker.run(_store_local_copy, worker.store, path, data)
        info = AttachmentInfo(
            key=secrets.key,
            digest=secrets.digest,
            size=secrets.plaintext_size,
            mime=mime,
            file_name=path.name,
            width=width,
            height=height,
            thumbnail=thumbnail,
            local_file_id=stored,
            local_status="done",
        )

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return AttachmentContent(
                id=message_id,
                sent_at=sent_at,
                expire_timer=timer,
                blob_id="",
                key=secrets.key,
                digest=secrets.digest,
                size=secrets.plaintext_size,
                mime_type=mime,
                file_name=path.name,
                width=width,
                height=height,
                thumbnail=thumbnail,
            )

        try:
            return await queue_content(
                peer, make, kind="attachment", attachment=info, blob_path=str(blob_path)
            )
        except BaseException:
            blob_path.unlink(missing_ok=True)
            raise

    async def _upload(self, entry: OutboxEntry, payload: OutboxPayload) -> OutboxPayload:
        """Uploads an entry's blob and completes its content with the blob id."""
        connection = self._context.connection
        assert connection is not None and payload.blob_path is not None
        assert payload.content is not None
        blob_path = Path(payload.blob_path)
        blob_size = await asyncio.to_thread(lambda: blob_path.stat().st_size)
        ticket = await connection.request(
            wire_events.ATTACHMENT_UPLOAD,
            AttachmentUpload(size=blob_size, expires_at=payload.expires_at),
            AttachmentUploadAck,
        )

        progress = self._progress_reporter(entry.message_id, "up")
        await upload_blob(
            self._context.relay_url, ticket.blob_id, ticket.token, blob_path, progress
        )
        content = decode_content(payload.content)
        assert isinstance(content, AttachmentContent)
        completed = msgspec.structs.replace(
            payload,
            content=encode_content(msgspec.structs.replace(content, blob_id=ticket.blob_id)),
            blob_path=None,
        )
        worker = self._context.worker
        await worker.run(worker.store.outbox.update_payload, entry.seq, encode_payload(completed))
        blob_path.unlink(missing_ok=True)
        return completed

    def _progress_reporter(self, message_id: str, direction: str) -> Callable[[int, int], None]:
        """A callback publishing :class:`TransferProgress` events for one transfer."""

        def report(done: int, total: int) -> None:
            self._context.events.publish(
                TransferProgress(message_id=message_id, direction=direction, done=done, total=total)
            )

        return report

    # ---- receiving ---------------------------------------------------------------------

    def on_attachment_received(self, key: MessageKey) -> None:
        """Starts downloading a received image in the background (small ones only)."""
        task = asyncio.create_task(self._auto_download(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _auto_download(self, key: MessageKey) -> None:
        message = await self._context.worker.run(self._context.worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or info.size is None or info.size > AUTO_DOWNLOAD_MAX:
            return
        if not (info.mime or "").startswith("image/"):
            return
        try:
            await self.download(key)
        except Exception as error:
            logger.info("automatic download failed: %s", type(error).__name__)

    async def download(self, key: MessageKey) -> None:
        """Fetches, verifies and stores one attachment.

        Raises:
            AttachmentUnavailable: The message has no attachment.
            AttachmentRejected: The blob failed its digest or MAC check (nothing stored).
            ProtocolError: ``not_found`` once the blob expired on the relay.
        """
        worker = self._context.worker
        message = await worker.run(worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or not info.blob_id or info.key is None or info.digest is None:
            raise AttachmentUnavailable("this message has no attachment to download")
        if info.local_status == "done" and info.local_file_id:
            return
        assert info.size is not None
        connection = self._context.connection
        if connection is None:
            raise AttachmentUnavailable("not connected")
        ticket = await connection.request(
            wire_events.ATTACHMENT_DOWNLOAD,
            AttachmentDownload(blob_id=info.blob_id),
            AttachmentDownloadAck,
        )
        self._download_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._download_dir / f"{uuid.uuid4().hex}.blob"

        progress = self._progress_reporter(key.message_id, "down")
        try:
            await download_blob(
                self._context.relay_url,
                info.blob_id,
                ticket.token,
                blob_path,
                blob_size_for(info.size),
                progress,
            )
            file_id = await self._decrypt_into_store(blob_path, info.key, info.digest, info.size)
        except AttachmentRejected:
            await worker.run(
                worker.store.messages.update_attachment_state,
                key,
                local_file_id=None,
                local_status="failed",
            )
            self._context.events.publish(
                AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=False)
            )
            raise
        finally:
            blob_path.unlink(missing_ok=True)
        await worker.run(_record_download, worker.store, key, file_id)
        self._context.events.publish(
            AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=True)
        )

    async def _decrypt_into_store(
        self, blob_path: Path, key: bytes, digest: bytes, size: int
    ) -> str:
        """Verifies and decrypts a blob straight into an encrypted-at-rest file.

        The plaintext flows through a pipe from the decrypting thread to the store thread, so
        it is never in a plain file and never whole in memory.

        Raises:
            AttachmentRejected: Digest or MAC mismatch; nothing is kept.
        """
        worker = self._context.worker
        read_fd, write_fd = os.pipe()
        reader = os.fdopen(read_fd, "rb")
        writer = os.fdopen(write_fd, "wb")

        def decrypt() -> None:
            try:
                with blob_path.open("rb") as source:
                    decrypt_attachment(source, writer, key, digest, size)
            finally:
                writer.close()

        def store_stream() -> str:
            try:
                return str(worker.store.attachments.write(reader).file_id)
            finally:
                reader.close()

        stored = asyncio.ensure_future(worker.run(store_stream))
        try:
            await asyncio.to_thread(decrypt)
        except BaseException:
            with contextlib.suppress(Exception):
                await worker.run(worker.store.attachments.delete, await stored)
            raise
        return await stored

    async def read(self, key: MessageKey) -> bytes:
        """The decrypted bytes of a stored attachment."""
        worker = self._context.worker
        message = await worker.run(worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or not info.local_file_id:
            raise AttachmentUnavailable("the attachment is not downloaded")
        return await worker.run(_read_local, worker.store, info.local_file_id)


def _encrypt_to_blob(path: Path, data: bytes | None, blob_path: Path) -> Any:
    with blob_path.open("wb") as sink:
        if data is not None:
            return encrypt_attachment(io.BytesIO(data), sink, len(data))
        with path.open("rb") as source:
            return encrypt_attachment(source, sink)


def _store_local_copy(store: Any, path: Path, data: bytes | None) -> str:
    if data is not None:
        return str(store.attachments.write(io.BytesIO(data)).file_id)
    with path.open("rb") as source:
        return str(store.attachments.write(source).file_id)


def _record_download(store: Any, key: MessageKey, file_id: str) -> None:
    with store.transaction():
        store.messages.update_attachment_state(key, local_file_id=file_id, local_status="done")


def _read_local(store: Any, file_id: str) -> bytes:
    with store.attachments.open(file_id) as stream:
        return bytes(stream.read())
