"""Fetching received attachments: download, verify, decrypt into the store at rest.

The blob is downloaded straight to a temporary file, exactly the size the sender declared
and not a byte more; its digest and MAC are checked before any plaintext is produced, then
it is decrypted chunk by chunk into a new at-rest file. Any failure (a hostile or stalled
relay, a cancel) leaves nothing half-written behind, and the download can be started again.
Small images, and files the user allowed, come without being asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

from chat_desktop.crypto.attachment import MAX_BLOB_SIZE, blob_size_for, decrypt_attachment
from chat_desktop.crypto.errors import AttachmentRejected
from chat_desktop.net.errors import (
    STALL_TIMEOUT_S,
    BlobSizeMismatch,
    ConnectionFailure,
    HttpFailure,
)
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.errors import ProtocolError
from chat_desktop.protocol.message_content import MAX_VOICE_NOTE_SIZE
from chat_desktop.protocol.schemas import AttachmentDownload, AttachmentDownloadAck
from chat_desktop.services.attachment_errors import AttachmentUnavailable, TransferCancelled
from chat_desktop.services.attachment_progress import progress_reporter, publish_finished
from chat_desktop.services.attachment_streams import StoppableWriter, run_stoppable
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import AttachmentStored
from chat_desktop.services.file_types import runs_by_name
from chat_desktop.services.preferences import auto_download_limit
from chat_desktop.services.voice_codec import VoiceRejected, VoiceUnavailable
from chat_desktop.services.voice_notes import VoiceCheckingSink
from chat_desktop.storage.attachment_files import AttachmentWriter, FinishedAttachment
from chat_desktop.storage.models import MessageKey

logger = logging.getLogger(__name__)

#: Received images up to this size are fetched without being asked.
AUTO_DOWNLOAD_MAX: Final = 25 * 1024 * 1024


class AttachmentDownloads:
    """Downloads received attachments, one task per message, each joinable and cancellable.

    Attributes:
        stall_timeout: Seconds without a byte from the relay before a download fails.
    """

    def __init__(self, context: EngineContext, download_dir: Path) -> None:
        """Downloads will wait in ``download_dir`` (0700) until verified and decrypted."""
        self._context = context
        self._download_dir = download_dir
        self._tasks: set[asyncio.Task[Any]] = set()
        self._downloads: dict[MessageKey, asyncio.Task[None]] = {}
        self._cancel_requested: set[MessageKey] = set()
        self.stall_timeout = STALL_TIMEOUT_S

    @property
    def busy(self) -> bool:
        """Whether a download is running (its blob in the download folder is in use)."""
        return bool(self._downloads)

    async def close(self) -> None:
        """Stops the downloads in progress, and waits for them; they restart on request."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

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
        elif info.voice_ms is not None:
            limit = MAX_VOICE_NOTE_SIZE  # a voice note is shown as sound, so it comes alone
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
            TransferCancelled: :meth:`cancel` stopped it; and whatever the download raised.
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

    async def cancel(self, key: MessageKey) -> bool:
        """Stops the download of ``key``'s attachment, if one runs; returns whether one did.

        Its partial data is removed once it has stopped; :meth:`download` starts it again.
        """
        download = self._downloads.get(key)
        if download is None:
            return False
        self._cancel_requested.add(key)
        download.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.shield(download)
        return True

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
        progress = progress_reporter(self._context, key, "down")
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
            finished = await run_stoppable(
                self._context,
                _decrypt_to_store,
                worker.store.attachments,
                blob_path,
                info.key,
                info.digest,
                info.size,
                info.voice_ms,
            )
            try:
                await worker.run(_record_download, worker.store, key, finished)
            except BaseException:
                worker.store.attachments.discard(finished.file_id)
                raise
        except asyncio.CancelledError:
            if key in self._cancel_requested:
                await asyncio.shield(worker.run(_set_state, worker.store, key, "none"))
                publish_finished(self._context, key, "down", ok=False, cancelled=True)
            raise
        except (
            AttachmentRejected,
            BlobSizeMismatch,
            HttpFailure,
            ProtocolError,
            ConnectionFailure,
            OSError,
            VoiceRejected,
            VoiceUnavailable,
        ) as error:
            logger.info("attachment download failed: %s", type(error).__name__)
            await worker.run(_set_state, worker.store, key, "failed")
            self._context.events.publish(
                AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=False)
            )
            publish_finished(self._context, key, "down", ok=False, cancelled=False)
            raise
        finally:
            blob_path.unlink(missing_ok=True)
        self._context.events.publish(
            AttachmentStored(peer=key.conversation_id, message_id=key.message_id, ok=True)
        )
        publish_finished(self._context, key, "down", ok=True, cancelled=False)


def _decrypt_to_store(
    files: Any,
    blob_path: Path,
    key: bytes,
    digest: bytes,
    size: int,
    voice_ms: int | None,
    stop: threading.Event,
) -> FinishedAttachment:
    """Verifies then decrypts the blob into a new at-rest file (not yet recorded).

    A voice note (``voice_ms`` set) is decoded too, and refused (nothing kept) unless it is
    Opus in Ogg/WebM as long as its sender said (:mod:`~chat_desktop.services.voice_notes`).
    """
    writer: AttachmentWriter = files.begin()
    try:
        with blob_path.open("rb") as source:
            sink = cast(BinaryIO, StoppableWriter(writer, stop))
            checking = None if voice_ms is None else VoiceCheckingSink(sink, voice_ms)
            decrypt_attachment(source, cast(BinaryIO, checking or sink), key, digest, size)
        if checking is not None:
            checking.check()
        return writer.finish()
    except BaseException:
        writer.discard()
        raise


def _record_download(store: Any, key: MessageKey, finished: FinishedAttachment) -> None:
    with store.transaction():
        stored = store.attachments.commit(finished)
        store.messages.update_attachment_state(
            key, local_file_id=stored.file_id, local_status="done"
        )


def _set_state(store: Any, key: MessageKey, state: str) -> None:
    with store.transaction():
        store.messages.update_attachment_state(key, local_file_id=None, local_status=state)
