"""Sending attachments: encrypt once into the blob and our copy at rest, then upload the blob.

The source is read once, in chunks, into both the encrypted blob (docs/protocol.md §5) and
our own copy encrypted at rest; the blob waits in the profile until the outbox uploads it,
as a streamed request body, and the message itself queues like any other, offline included.
Once uploaded, the message's content names the blob and goes out. A cancelled or refused
upload leaves the message failed (retry uploads it again).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

import msgspec

from chat_desktop.crypto.attachment import AttachmentSecrets, encrypt_attachment
from chat_desktop.net.errors import STALL_TIMEOUT_S, ConnectionFailure, HttpFailure
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import (
    AttachmentContent,
    Content,
    ContentError,
    VoiceNote,
    decode_content,
    encode_content,
)
from chat_desktop.protocol.schemas import AttachmentUpload, AttachmentUploadAck
from chat_desktop.services import sync
from chat_desktop.services.attachment_errors import UploadAborted
from chat_desktop.services.attachment_progress import (
    progress_reporter,
    publish_failed,
    publish_finished,
)
from chat_desktop.services.attachment_streams import TeeReader, run_stoppable
from chat_desktop.services.context import EngineContext
from chat_desktop.services.sending import OutboxPayload, decode_payload, encode_payload
from chat_desktop.storage.attachment_files import AttachmentWriter, FinishedAttachment
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import AttachmentInfo, MessageKey, OutboxEntry

logger = logging.getLogger(__name__)

#: How many pending outbox entries are looked through for a message's (or any) blob.
OUTBOX_SCAN: Final = 1_000_000

#: The engine's ``queue_content``: stores a message and its outbox entry, returns its id.
QueueContent = Callable[..., Awaitable[str]]


@dataclass(frozen=True)
class PreparedFile:
    """A file checked and ready to encrypt, with what the receiver shows before downloading.

    Attributes:
        path: The file, read as it is when ``data`` is None.
        data: The re-encoded file (an image without its metadata), sent instead of ``path``.
        mime: Its MIME type.
        name: Its name as the peer's schema accepts it.
        width: Image width in pixels (images only).
        height: Image height in pixels (images only).
        thumbnail: A small JPEG preview (images only).
        voice: What makes it a voice note (voice notes only).
    """

    path: Path
    data: bytes | None
    mime: str
    name: str
    width: int | None
    height: int | None
    thumbnail: bytes | None
    voice: VoiceNote | None = None


class AttachmentUploads:
    """Encrypts attachments into the outbox and uploads their blobs when the outbox sends.

    Attributes:
        stall_timeout: Seconds without the relay taking a byte before an upload fails.
    """

    def __init__(self, context: EngineContext, blob_dir: Path) -> None:
        """Blobs will wait in ``blob_dir`` (0700) until uploaded."""
        self._context = context
        self._blob_dir = blob_dir
        #: Uploads in progress: the transfer task, and a future done once its outcome is stored.
        self._uploads: dict[MessageKey, tuple[asyncio.Task[OutboxPayload], asyncio.Future[None]]]
        self._uploads = {}
        self._cancel_requested: set[MessageKey] = set()
        self.stall_timeout = STALL_TIMEOUT_S

    async def queue(
        self,
        peer: str,
        prepared: PreparedFile,
        queue_content: QueueContent,
        *,
        caption: str,
        quote: Any,
    ) -> str:
        """Encrypts ``prepared`` into its blob and our copy at rest, and queues its message.

        Args:
            peer: The recipient.
            prepared: The checked file.
            queue_content: The engine's ``queue_content`` (stores the message and its entry).
            caption: Text shown with the file.
            quote: The content's ``quote`` value when this is a reply (passed on as it is).

        Returns:
            The message id. On any failure nothing is kept (neither blob nor copy).
        """
        self._blob_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._blob_dir / f"{uuid.uuid4().hex}.blob"
        worker = self._context.worker
        files = worker.store.attachments
        file_id: str | None = None
        try:
            secrets_, finished = await run_stoppable(
                self._context, _encrypt_and_keep, files, prepared.path, prepared.data, blob_path
            )
            file_id = finished.file_id
            await worker.run(files.commit, finished)
            info = AttachmentInfo(
                key=secrets_.key,
                digest=secrets_.digest,
                size=secrets_.plaintext_size,
                mime=prepared.mime,
                file_name=prepared.name,
                width=prepared.width,
                height=prepared.height,
                thumbnail=prepared.thumbnail,
                local_file_id=file_id,
                local_status="done",
                voice_ms=None if prepared.voice is None else prepared.voice.duration_ms,
                waveform=None if prepared.voice is None else prepared.voice.waveform,
            )
            extra = {} if quote is None else {"quote": quote}

            def make(message_id: str, sent_at: int, timer: int) -> Content:
                return AttachmentContent(
                    id=message_id,
                    sent_at=sent_at,
                    expire_timer=timer,
                    blob_id="",
                    key=secrets_.key,
                    digest=secrets_.digest,
                    size=secrets_.plaintext_size,
                    mime_type=prepared.mime,
                    file_name=prepared.name,
                    caption=caption,
                    width=prepared.width,
                    height=prepared.height,
                    thumbnail=prepared.thumbnail,
                    voice=prepared.voice,
                    **extra,
                )

            return await queue_content(
                peer,
                make,
                kind="attachment",
                body=caption or None,
                attachment=info,
                blob_path=str(blob_path),
            )
        except BaseException:
            blob_path.unlink(missing_ok=True)
            if file_id is not None:
                with contextlib.suppress(Exception):
                    await worker.run(files.delete, file_id)
                files.discard(file_id)
            raise

    async def upload(self, entry: OutboxEntry, payload: OutboxPayload) -> OutboxPayload:
        """Uploads an entry's blob and completes its content with the blob id.

        The outbox sender's ``uploader``. A user's cancel (:meth:`cancel`) or a refused or
        broken upload marks the entry and its message failed and raises
        :class:`UploadAborted`; asking the relay for the upload ticket fails like any request
        (the outbox tries again).
        """
        key = MessageKey(entry.conversation_id, entry.message_id)
        worker = self._context.worker
        if not await worker.run(_is_pending, worker.store, entry.seq):
            raise UploadAborted("the upload was cancelled")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._upload_blob(key, entry, payload))
        self._uploads[key] = (task, done)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if key not in self._cancel_requested or (current is not None and current.cancelling()):
                raise
            await worker.run(_mark_failed, worker.store, entry.seq)
            publish_failed(self._context, key)
            publish_finished(self._context, key, "up", ok=False, cancelled=True)
            raise UploadAborted("the upload was cancelled") from None
        except (HttpFailure, ProtocolError, ContentError) as error:
            # ContentError: queued by an older version, its content no longer fits the schema.
            logger.info("attachment upload failed: %s", type(error).__name__)
            await worker.run(_mark_failed, worker.store, entry.seq)
            publish_failed(self._context, key)
            publish_finished(self._context, key, "up", ok=False, cancelled=False)
            raise UploadAborted("the upload failed") from error
        finally:
            self._uploads.pop(key, None)
            self._cancel_requested.discard(key)
            if not done.done():
                done.set_result(None)

    async def _upload_blob(
        self, key: MessageKey, entry: OutboxEntry, payload: OutboxPayload
    ) -> OutboxPayload:
        connection = self._context.connection
        assert connection is not None and payload.blob_path is not None
        assert payload.content is not None
        blob_path = Path(payload.blob_path)
        blob_size = await asyncio.to_thread(lambda: blob_path.stat().st_size)
        try:
            ticket = await connection.request(
                wire_events.ATTACHMENT_UPLOAD,
                AttachmentUpload(size=blob_size, expires_at=payload.expires_at),
                AttachmentUploadAck,
            )
        except ProtocolError as error:
            # Refusals of the ticket (rate limits, a link hiccup) are the outbox's to retry.
            raise _TicketRefused from error
        progress = progress_reporter(self._context, key, "up")
        progress(0, blob_size)
        from chat_desktop.net.http import upload_blob  # the network stack loads when used

        await upload_blob(
            self._context.relay_url,
            ticket.blob_id,
            ticket.token,
            blob_path,
            progress,
            stall_timeout=self.stall_timeout,
        )
        content = decode_content(payload.content)
        assert isinstance(content, AttachmentContent)
        completed = msgspec.structs.replace(
            payload,
            content=encode_content(msgspec.structs.replace(content, blob_id=ticket.blob_id)),
            blob_path=None,
        )
        worker = self._context.worker
        final = msgspec.structs.replace(content, blob_id=ticket.blob_id)

        def complete() -> None:
            store = worker.store
            with store.transaction():
                store.outbox.update_payload(entry.seq, encode_payload(completed))
                store.messages.set_attachment_blob(
                    MessageKey(entry.conversation_id, entry.message_id), ticket.blob_id
                )
                # Our other devices get the transcript now that it names the blob; a group
                # message goes to them itself (docs/protocol.md §11.6), never as a transcript.
                if group_id_of(entry.recipient) is None:
                    sync.queue_transcript(
                        self._context, store, entry.recipient, final, completed.expires_at
                    )

        await worker.run(complete)
        blob_path.unlink(missing_ok=True)
        publish_finished(self._context, key, "up", ok=True, cancelled=False)
        return completed

    async def cancel(self, key: MessageKey) -> bool:
        """Stops the upload of ``key``'s attachment, running or queued; returns whether it did.

        The relay keeps nothing and the message becomes failed: retry uploads it again. Once
        the blob is uploaded the message is on its way and can no longer be cancelled.
        """
        upload = self._uploads.get(key)
        if upload is not None:
            task, done = upload
            self._cancel_requested.add(key)
            if not task.cancel():
                self._cancel_requested.discard(key)
                return False  # already uploaded: the message is being sent
            await asyncio.shield(done)
            return True
        worker = self._context.worker
        failed = await worker.run(_fail_queued_uploads, worker.store, key)
        if failed:
            publish_failed(self._context, key)
            publish_finished(self._context, key, "up", ok=False, cancelled=True)
        return failed


class _TicketRefused(ConnectionFailure):
    """Internal: the relay refused the upload ticket; the outbox asks again later."""


def referenced_blob_names(store: Any) -> set[str]:
    """The file names of the blobs still in the outbox (pending or failed: retry sends them).

    Store thread only. The leftover sweep keeps these and removes every other blob.
    """
    outbox = store.outbox
    paths = set()
    for entry in [*outbox.pending(OUTBOX_SCAN), *outbox.failed()]:
        blob_path = decode_payload(entry.payload).blob_path
        if blob_path is not None:
            paths.add(Path(blob_path).name)
    return paths


def _encrypt_and_keep(
    files: Any, path: Path, data: bytes | None, blob_path: Path, stop: threading.Event
) -> tuple[AttachmentSecrets, FinishedAttachment]:
    """One pass over the file: it becomes the blob and, at once, our copy at rest."""
    writer: AttachmentWriter = files.begin()
    try:
        descriptor = os.open(blob_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as sink:
            if data is not None:
                source: BinaryIO = io.BytesIO(data)
                secrets_ = encrypt_attachment(
                    cast(BinaryIO, TeeReader(source, writer, stop)), sink, len(data)
                )
            else:
                with path.open("rb") as source:
                    size = os.fstat(source.fileno()).st_size
                    tee = TeeReader(source, writer, stop)
                    secrets_ = encrypt_attachment(cast(BinaryIO, tee), sink, size)
        return secrets_, writer.finish()
    except BaseException:
        writer.discard()
        blob_path.unlink(missing_ok=True)
        raise


def _is_pending(store: Any, seq: int) -> bool:
    return any(entry.seq == seq for entry in store.outbox.pending(OUTBOX_SCAN))


def _mark_failed(store: Any, seq: int) -> None:
    store.outbox.mark_failed(seq)


def _fail_queued_uploads(store: Any, key: MessageKey) -> bool:
    """Fails the message's entries whose blob is not uploaded yet; whether there were any."""
    failed = False
    with store.transaction():
        for entry in store.outbox.pending(OUTBOX_SCAN):
            if (entry.conversation_id, entry.message_id) != (key.conversation_id, key.message_id):
                continue
            if decode_payload(entry.payload).blob_path is not None:
                store.outbox.mark_failed(entry.seq)
                failed = True
    return failed
