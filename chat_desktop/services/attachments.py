"""Attachments: prepare (images through Pillow), encrypt, upload, download, store at rest.

Every stage streams, so a file of up to 100 MiB is never whole in memory: the source is read
once, in 64 KiB chunks, into both the encrypted blob (docs/protocol.md §5) and our own copy
encrypted at rest; the blob is uploaded as a streamed request body and downloaded straight
to a temporary file; it is verified (digest, then MAC) and decrypted chunk by chunk into an
at-rest file; saving and opening decrypt chunk by chunk into the destination.

Sending: images are re-encoded without metadata and measured (width, height, a ≤ 2 KiB
thumbnail) so the receiver lays out the bubble before the download; the blob waits in the
profile until the outbox uploads it. The message itself queues like any other, offline
included. A cancelled upload leaves the message failed (retry uploads it again).
Receiving: the blob is downloaded, its size, digest and MAC checked before any plaintext is
produced, and the file is stored encrypted at rest: a received file is never a plain file,
except the copies the user saves, and the ones opened with another application, which live in
a private folder removed when the client closes. Any failure (a hostile or stalled relay, a
cancel) leaves nothing half-written behind, and the download can be started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import logging
import os
import secrets
import shutil
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

import msgspec

from chat_desktop.crypto.attachment import (
    MAX_BLOB_SIZE,
    AttachmentSecrets,
    blob_size_for,
    decrypt_attachment,
    encrypt_attachment,
    max_plaintext_size,
)
from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.net.errors import (
    STALL_TIMEOUT_S,
    BlobSizeMismatch,
    ConnectionFailure,
    HttpFailure,
)
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import (
    MAX_TEXT_LENGTH,
    AttachmentContent,
    Content,
    ContentError,
    decode_content,
    encode_content,
    strip_file_name_controls,
)
from chat_desktop.protocol.schemas import (
    AttachmentDownload,
    AttachmentDownloadAck,
    AttachmentUpload,
    AttachmentUploadAck,
)
from chat_desktop.services import sync
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import (
    AttachmentStored,
    StatusChanged,
    TransferFinished,
    TransferProgress,
)
from chat_desktop.services.file_types import refuse_if_it_could_run, runs_by_name, safe_file_name
from chat_desktop.services.image_processing import (
    guess_mime_type,
    is_image_candidate,
    prepare_image,
)
from chat_desktop.services.preferences import auto_download_limit
from chat_desktop.services.sending import (
    OutboxPayload,
    OutboxSender,
    decode_payload,
    encode_payload,
)
from chat_desktop.storage.attachment_files import AttachmentWriter, FinishedAttachment
from chat_desktop.storage.models import AttachmentInfo, MessageKey, OutboxEntry

logger = logging.getLogger(__name__)

#: Received images up to this size are fetched without being asked.
AUTO_DOWNLOAD_MAX: Final = 25 * 1024 * 1024
#: :meth:`AttachmentTransfers.read` hands bytes out for images in bubbles only, up to this.
MAX_READ_BYTES: Final = 25 * 1024 * 1024
#: Progress events come at least this often (in bytes), and at least every 1 %.
PROGRESS_STEP: Final = 256 * 1024
_COPY_CHUNK: Final = 256 * 1024
_OPEN_CACHE: Final = "open-cache"
_OUTGOING: Final = "outgoing_blobs"
_INCOMING: Final = "incoming_blobs"
_OUTBOX_SCAN: Final = 1_000_000


class AttachmentTooLarge(Exception):
    """The file is over the protocol's 100 MiB limit; nothing was sent."""


class CaptionTooLong(Exception):
    """The caption is longer than a text message may be; nothing was sent."""


class AttachmentUnavailable(Exception):
    """The message has no attachment, or it is not downloaded (yet)."""


class AttachmentTooLargeToRead(AttachmentUnavailable):
    """The file is too large to be handed over in memory: save or open it instead."""


class TransferCancelled(Exception):
    """The user cancelled the transfer; nothing partial was kept (it can be started again)."""


class UploadAborted(ConnectionFailure):
    """An attachment's upload ended (cancelled or refused); its message is now failed.

    A :class:`ConnectionFailure` so that the outbox sender treats it as "this round is over":
    it looks at the outbox again, where the entry is failed and no longer pending.
    """


QueueContent = Callable[..., Awaitable[str]]
Progress = Callable[[int, int], None]


class _Stopped(Exception):
    """Internal: a copy or decryption running in a thread was told to stop."""


class _StoppableWriter(io.RawIOBase):
    """Passes writes on to ``target`` until ``stop`` is set, then raises :class:`_Stopped`."""

    def __init__(self, target: BinaryIO | AttachmentWriter, stop: threading.Event) -> None:
        super().__init__()
        self._target = target
        self._stop = stop

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self._stop.is_set():
            raise _Stopped
        self._target.write(data)
        return len(data)


class _TeeReader(io.RawIOBase):
    """Reads ``source`` and copies every byte read into ``copy`` (one pass, two outputs)."""

    def __init__(self, source: BinaryIO, copy: AttachmentWriter, stop: threading.Event) -> None:
        super().__init__()
        self._source = source
        self._copy = copy
        self._stop = stop

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._stop.is_set():
            raise _Stopped
        data = self._source.read(-1 if size is None else size)
        self._copy.write(data)
        return data


def _throttled(report: Progress) -> Progress:
    """Passes on progress at least every 1 % or :data:`PROGRESS_STEP` bytes, and the end.

    Bytes arrive in chunks of at most half a step (``net.http.CHUNK_SIZE``); passing on
    every half step keeps two events at most one step apart, without an event per chunk.
    """
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        half_step = max(1, min(PROGRESS_STEP, total // 100) // 2)
        if done >= total or last < 0 or done - last >= half_step:
            last = done
            report(done, total)

    return progress


class AttachmentTransfers:
    """Sends and fetches attachment blobs for one client.

    Attributes:
        stall_timeout: Seconds without a byte from the relay before a transfer fails.
    """

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        """Hooks the uploader into the outbox sender."""
        self._context = context
        sender.uploader = self._upload
        root = context.worker.store.paths.root
        self._blob_dir = root / _OUTGOING
        self._download_dir = root / _INCOMING
        self._open_cache = root / _OPEN_CACHE
        self._tasks: set[asyncio.Task[Any]] = set()
        self._downloads: dict[MessageKey, asyncio.Task[None]] = {}
        #: Uploads in progress: the transfer task, and a future done once its outcome is stored.
        self._uploads: dict[MessageKey, tuple[asyncio.Task[OutboxPayload], asyncio.Future[None]]]
        self._uploads = {}
        self._cancel_requested: set[MessageKey] = set()
        self.stall_timeout = STALL_TIMEOUT_S
        # Decrypted copies left by a crash: they were for one session only.
        shutil.rmtree(self._open_cache, ignore_errors=True)

    async def close(self) -> None:
        """Stops downloads in progress (they restart on request) and removes opened copies."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await asyncio.to_thread(shutil.rmtree, self._open_cache, True)

    async def sweep_leftovers(self) -> int:
        """Removes blob files no transfer needs any more; returns how many.

        Left by a crash during a download, or by an upload whose message was deleted. Blobs
        of messages still in the outbox (pending or failed: retry sends them) are kept.
        """
        worker = self._context.worker

        def referenced() -> set[str]:
            outbox = worker.store.outbox
            paths = set()
            for entry in [*outbox.pending(_OUTBOX_SCAN), *outbox.failed()]:
                blob_path = decode_payload(entry.payload).blob_path
                if blob_path is not None:
                    paths.add(Path(blob_path).name)
            return paths

        keep = await worker.run(referenced)
        busy = bool(self._downloads)

        def sweep() -> int:
            removed = 0
            folders = [self._blob_dir] if busy else [self._blob_dir, self._download_dir]
            for folder in folders:
                if not folder.is_dir():
                    continue
                for path in folder.iterdir():
                    if path.is_file() and (folder == self._download_dir or path.name not in keep):
                        path.unlink(missing_ok=True)
                        removed += 1
            return removed

        return await asyncio.to_thread(sweep)

    # ---- sending -----------------------------------------------------------------------

    async def queue_file(
        self,
        peer: str,
        path: Path,
        queue_content: QueueContent,
        *,
        caption: str = "",
        quote: Any = None,
    ) -> str:
        """Prepares, encrypts and queues ``path`` for ``peer``; returns the message id.

        Args:
            peer: The recipient.
            path: The file, of any type; images are re-encoded without their metadata.
            queue_content: The engine's ``queue_content`` (stores the message and its entry).
            caption: Text shown with the file.
            quote: The content's ``quote`` value when this is a reply (passed on as it is).

        Raises:
            AttachmentTooLarge: Over 100 MiB.
            CaptionTooLong: The caption is longer than a text message may be.
            ImageRejected: An image that is not allowed (bomb, not an image, format).
            OSError: The file cannot be read.
        """
        if len(caption) > MAX_TEXT_LENGTH:
            raise CaptionTooLong("the caption is too long")
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        if size > max_plaintext_size():
            raise AttachmentTooLarge("files over 100 MiB cannot be sent")
        mime = guess_mime_type(path)
        name = strip_file_name_controls(path.name)  # what the peer's schema accepts (§4)
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
        worker = self._context.worker
        files = worker.store.attachments
        file_id: str | None = None
        try:
            secrets_, finished = await self._in_thread(
                _encrypt_and_keep, files, path, data, blob_path
            )
            file_id = finished.file_id
            await worker.run(files.commit, finished)
            info = AttachmentInfo(
                key=secrets_.key,
                digest=secrets_.digest,
                size=secrets_.plaintext_size,
                mime=mime,
                file_name=name,
                width=width,
                height=height,
                thumbnail=thumbnail,
                local_file_id=file_id,
                local_status="done",
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
                    mime_type=mime,
                    file_name=name,
                    caption=caption,
                    width=width,
                    height=height,
                    thumbnail=thumbnail,
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

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Runs ``function(*args, stop)`` in a thread; if cancelled, stops it and waits.

        ``function`` must check ``stop`` between chunks and clean up after itself when it
        raises, so a cancelled transfer leaves nothing behind.
        """
        stop = threading.Event()
        call = functools.partial(function, *args, stop)
        future = asyncio.get_running_loop().run_in_executor(None, call)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            stop.set()
            with contextlib.suppress(BaseException):
                result = await future
                _forget_result(self._context, result)
            raise

    async def _upload(self, entry: OutboxEntry, payload: OutboxPayload) -> OutboxPayload:
        """Uploads an entry's blob and completes its content with the blob id.

        A user's cancel (:meth:`cancel_transfer`) or a refused or broken upload marks the
        entry and its message failed and raises :class:`UploadAborted`; asking the relay for
        the upload ticket fails like any request (the outbox tries again).
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
            self._publish_failed(key)
            self._finished(key, "up", ok=False, cancelled=True)
            raise UploadAborted("the upload was cancelled") from None
        except (HttpFailure, ProtocolError, ContentError) as error:
            # ContentError: queued by an older version, its content no longer fits the schema.
            logger.info("attachment upload failed: %s", type(error).__name__)
            await worker.run(_mark_failed, worker.store, entry.seq)
            self._publish_failed(key)
            self._finished(key, "up", ok=False, cancelled=False)
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
        progress = self._progress(key, "up")
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
                # Our other devices get the transcript now that it names the blob.
                sync.queue_transcript(
                    self._context, store, entry.recipient, final, completed.expires_at
                )

        await worker.run(complete)
        blob_path.unlink(missing_ok=True)
        self._finished(key, "up", ok=True, cancelled=False)
        return completed

    def _progress(self, key: MessageKey, direction: str) -> Progress:
        """A callback publishing :class:`TransferProgress` events for one transfer."""

        def report(done: int, total: int) -> None:
            self._context.events.publish(
                TransferProgress(
                    peer=key.conversation_id,
                    message_id=key.message_id,
                    direction=direction,
                    done=done,
                    total=total,
                )
            )

        return _throttled(report)

    def _finished(self, key: MessageKey, direction: str, *, ok: bool, cancelled: bool) -> None:
        self._context.events.publish(
            TransferFinished(
                peer=key.conversation_id,
                message_id=key.message_id,
                direction=direction,
                ok=ok,
                cancelled=cancelled,
            )
        )

    def _publish_failed(self, key: MessageKey) -> None:
        self._context.events.publish(
            StatusChanged(peer=key.conversation_id, message_id=key.message_id, status="failed")
        )

    async def cancel_transfer(self, key: MessageKey) -> bool:
        """Stops an upload or download of ``key``'s attachment; returns whether one stopped.

        A download stops, its partial data is removed and it can be started again with
        :meth:`download`. An upload (running, or queued and not started yet) stops, the
        relay keeps nothing, and the message becomes failed: retry uploads it again. Once
        the blob is uploaded the message is on its way and can no longer be cancelled.
        """
        download = self._downloads.get(key)
        if download is not None:
            self._cancel_requested.add(key)
            download.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.shield(download)
            return True
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
            self._publish_failed(key)
            self._finished(key, "up", ok=False, cancelled=True)
        return failed

    # ---- receiving ---------------------------------------------------------------------

    def on_attachment_received(self, key: MessageKey) -> None:
        """Starts downloading a received attachment in the background, if it may come alone.

        Images up to :data:`AUTO_DOWNLOAD_MAX` always do (the bubble shows them); other
        files when their declared size is within the user's "download files up to" limit
        (``Preferences.auto_download_mib``, 0 = never) and their name is not a program's.
        The declared size is the sender's claim: the download itself accepts exactly the
        blob that size makes and nothing more (:meth:`_download`), so a lie only fails it.
        Downloading only stores the file encrypted at rest; opening it is judged apart.
        """
        task = asyncio.create_task(self._auto_download(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _auto_download(self, key: MessageKey) -> None:
        message = await self._context.worker.run(self._context.worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or info.size is None or info.local_file_id:
            return
        if (info.mime or "").startswith("image/"):
            limit = AUTO_DOWNLOAD_MAX
        elif runs_by_name(info.file_name):
            return  # a program waits until the user asks for it
        else:
            worker = self._context.worker
            limit = await worker.run(auto_download_limit, worker.store)
        if limit <= 0 or info.size > limit:
            return
        try:
            await self.download(key)
        except Exception as error:
            logger.info("automatic download failed: %s", type(error).__name__)

    async def download(self, key: MessageKey) -> None:
        """Fetches, verifies and stores one attachment (joins a download already running).

        Raises:
            AttachmentUnavailable: The message has no attachment, or we are offline.
            AttachmentRejected: The blob failed its digest or MAC check (nothing stored).
            BlobSizeMismatch: The relay sent more or fewer bytes than announced.
            HttpFailure: The relay could not be reached or stopped sending.
            ProtocolError: ``not_found`` once the blob expired on the relay.
            TransferCancelled: :meth:`cancel_transfer` stopped it.
        """
        task = self._downloads.get(key)
        if task is None:
            task = asyncio.create_task(self._download(key))
            self._downloads[key] = task
            self._tasks.add(task)

            def forget(done: asyncio.Task[None]) -> None:
                self._tasks.discard(done)
                if self._downloads.get(key) is done:
                    del self._downloads[key]
                self._cancel_requested.discard(key)

            task.add_done_callback(forget)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                raise TransferCancelled("the download was cancelled") from None
            raise

    async def _download(self, key: MessageKey) -> None:
        worker = self._context.worker
        message = await worker.run(worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or not info.blob_id or info.key is None or info.digest is None:
            raise AttachmentUnavailable("this message has no attachment to download")
        if info.local_status == "done" and info.local_file_id:
            return
        if info.size is None or blob_size_for(info.size) > MAX_BLOB_SIZE:
            raise AttachmentUnavailable("this attachment has no valid size")
        connection = self._context.connection
        if connection is None:
            raise AttachmentUnavailable("not connected")
        self._download_dir.mkdir(mode=0o700, exist_ok=True)
        blob_path = self._download_dir / f"{uuid.uuid4().hex}.blob"
        expected = blob_size_for(info.size)
        progress = self._progress(key, "down")
        try:
            ticket = await connection.request(
                wire_events.ATTACHMENT_DOWNLOAD,
                AttachmentDownload(blob_id=info.blob_id),
                AttachmentDownloadAck,
            )
            progress(0, expected)
            from chat_desktop.net.http import download_blob  # loads when first used

            await download_blob(
                self._context.relay_url,
                info.blob_id,
                ticket.token,
                blob_path,
                expected,
                progress,
                stall_timeout=self.stall_timeout,
            )
            finished = await self._in_thread(
                _decrypt_to_store,
                worker.store.attachments,
                blob_path,
                info.key,
                info.digest,
                info.size,
            )
            try:
                await worker.run(_record_download, worker.store, key, finished)
            except BaseException:
                worker.store.attachments.discard(finished.file_id)
                raise
        except asyncio.CancelledError:
            if key in self._cancel_requested:
                await asyncio.shield(worker.run(_set_state, worker.store, key, "none"))
                self._finished(key, "down", ok=False, cancelled=True)
            raise
        except (
            AttachmentRejected,
            BlobSizeMismatch,
            HttpFailure,
            ProtocolError,
            ConnectionFailure,
            OSError,
        ) as error:
            logger.info("attachment download failed: %s", type(error).__name__)
            await worker.run(_set_state, worker.store, key, "failed")
            self._context.events.publish(
                AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=False)
            )
            self._finished(key, "down", ok=False, cancelled=False)
            raise
        finally:
            blob_path.unlink(missing_ok=True)
        self._context.events.publish(
            AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=True)
        )
        self._finished(key, "down", ok=True, cancelled=False)

    # ---- using a stored file -------------------------------------------------------------

    async def _stored(self, key: MessageKey) -> AttachmentInfo:
        worker = self._context.worker
        message = await worker.run(worker.store.messages.get, key)
        info = None if message is None else message.attachment
        if info is None or not info.local_file_id:
            raise AttachmentUnavailable("the attachment is not downloaded")
        return info

    async def _copy_out(self, file_id: str, destination: Path, mode: int) -> None:
        worker = self._context.worker
        stream = await worker.run(worker.store.attachments.open, file_id)
        try:
            await self._in_thread(_copy_atomically, stream, destination, mode)
        finally:
            stream.close()

    async def save(self, key: MessageKey, destination: Path) -> None:
        """Writes the decrypted file to ``destination`` (replacing it), chunk by chunk.

        The copy goes to a temporary file beside ``destination`` that is renamed over it once
        complete, so ``destination`` is never half-written; cancelling removes the copy.

        Raises:
            AttachmentUnavailable: The attachment is not downloaded.
            AttachmentCorrupt: The stored file was altered (nothing is written).
            OSError: ``destination`` cannot be written.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        await self._copy_out(info.local_file_id, destination, 0o666)

    async def path_for_opening(self, key: MessageKey) -> Path:
        """A decrypted copy, for another application, in a private folder of the profile.

        The folder (0700) and its copies (0600, never executable) are removed when the client
        closes or locks. The copy keeps the file's name (made safe) so the application that
        opens it can tell its type. A file that could run a program, by its name or its
        content (:mod:`~chat_desktop.services.file_types`), gets no copy.

        Raises:
            AttachmentUnavailable: The attachment is not downloaded.
            AttachmentCorrupt: The stored file was altered.
            UnsafeToOpen: The file could run a program; it can be saved instead.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        refuse_if_it_could_run(info.file_name)
        label = f"{key.conversation_id}\x00{key.message_id}".encode()
        folder = self._open_cache / hashlib.sha256(label).hexdigest()[:32]
        target = folder / safe_file_name(info.file_name)

        def prepare() -> bool:
            for directory in (self._open_cache, folder):
                directory.mkdir(mode=0o700, exist_ok=True)
                os.chmod(directory, 0o700)
            return target.is_file() and target.stat().st_size == info.size

        if not await asyncio.to_thread(prepare):
            await self._copy_out(info.local_file_id, target, 0o600)
        await asyncio.to_thread(refuse_if_it_could_run, info.file_name, target)
        return target

    async def read(self, key: MessageKey) -> bytes:
        """The decrypted bytes of a stored attachment of at most :data:`MAX_READ_BYTES`.

        For images shown in the conversation; files are saved or opened instead (streamed).

        Raises:
            AttachmentUnavailable: The attachment is not downloaded.
            AttachmentTooLargeToRead: The file is larger than :data:`MAX_READ_BYTES`.
        """
        info = await self._stored(key)
        assert info.local_file_id is not None
        if info.size is not None and info.size > MAX_READ_BYTES:
            raise AttachmentTooLargeToRead("this file is too large to show; save or open it")
        worker = self._context.worker
        return await worker.run(_read_local, worker.store, info.local_file_id)


class _TicketRefused(ConnectionFailure):
    """Internal: the relay refused the upload ticket; the outbox asks again later."""


def _forget_result(context: EngineContext, result: object) -> None:
    """A thread's result that came after its task was cancelled: drop what it made."""
    files = context.worker.store.attachments
    if isinstance(result, FinishedAttachment):
        files.discard(result.file_id)
    elif isinstance(result, tuple):
        for item in result:
            _forget_result(context, item)


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
                    cast(BinaryIO, _TeeReader(source, writer, stop)), sink, len(data)
                )
            else:
                with path.open("rb") as source:
                    size = os.fstat(source.fileno()).st_size
                    tee = _TeeReader(source, writer, stop)
                    secrets_ = encrypt_attachment(cast(BinaryIO, tee), sink, size)
        return secrets_, writer.finish()
    except BaseException:
        writer.discard()
        blob_path.unlink(missing_ok=True)
        raise


def _decrypt_to_store(
    files: Any, blob_path: Path, key: bytes, digest: bytes, size: int, stop: threading.Event
) -> FinishedAttachment:
    """Verifies then decrypts the blob into a new at-rest file (not yet recorded)."""
    writer: AttachmentWriter = files.begin()
    try:
        with blob_path.open("rb") as source:
            sink = cast(BinaryIO, _StoppableWriter(writer, stop))
            decrypt_attachment(source, sink, key, digest, size)
        return writer.finish()
    except BaseException:
        writer.discard()
        raise


def _copy_atomically(stream: BinaryIO, destination: Path, mode: int, stop: threading.Event) -> None:
    """Copies ``stream`` to a temporary file beside ``destination``, then renames it."""
    temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as sink:
            while chunk := stream.read(_COPY_CHUNK):
                if stop.is_set():
                    raise _Stopped
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _is_pending(store: Any, seq: int) -> bool:
    return any(entry.seq == seq for entry in store.outbox.pending(_OUTBOX_SCAN))


def _mark_failed(store: Any, seq: int) -> None:
    store.outbox.mark_failed(seq)


def _fail_queued_uploads(store: Any, key: MessageKey) -> bool:
    """Fails the message's entries whose blob is not uploaded yet; whether there were any."""
    failed = False
    with store.transaction():
        for entry in store.outbox.pending(_OUTBOX_SCAN):
            if (entry.conversation_id, entry.message_id) != (key.conversation_id, key.message_id):
                continue
            if decode_payload(entry.payload).blob_path is not None:
                store.outbox.mark_failed(entry.seq)
                failed = True
    return failed


def _record_download(store: Any, key: MessageKey, finished: FinishedAttachment) -> None:
    with store.transaction():
        stored = store.attachments.commit(finished)
        store.messages.update_attachment_state(
            key, local_file_id=stored.file_id, local_status="done"
        )


def _set_state(store: Any, key: MessageKey, state: str) -> None:
    with store.transaction():
        store.messages.update_attachment_state(key, local_file_id=None, local_status=state)


def _read_local(store: Any, file_id: str) -> bytes:
    with store.attachments.open(file_id) as stream:
        data = stream.read(MAX_READ_BYTES + 1)
    if len(data) > MAX_READ_BYTES:
        raise AttachmentTooLargeToRead("this file is too large to show; save or open it")
    return bytes(data)
