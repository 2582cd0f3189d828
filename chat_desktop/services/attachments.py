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

This module prepares the files to send and holds :class:`AttachmentTransfers`, the one
object the engine builds; the stages live apart: sending in
:mod:`~chat_desktop.services.attachment_upload`, receiving in
:mod:`~chat_desktop.services.attachment_download`, using a stored file in
:mod:`~chat_desktop.services.attachment_at_rest`. Their errors and limits are importable
from here too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

from chat_desktop.crypto.attachment import max_plaintext_size
from chat_desktop.protocol.message_content import MAX_TEXT_LENGTH, strip_file_name_controls
from chat_desktop.services.attachment_at_rest import MAX_READ_BYTES, StoredAttachments
from chat_desktop.services.attachment_download import AUTO_DOWNLOAD_MAX, AttachmentDownloads
from chat_desktop.services.attachment_errors import (
    AttachmentTooLarge,
    AttachmentTooLargeToRead,
    AttachmentUnavailable,
    CaptionTooLong,
    TransferCancelled,
    UploadAborted,
)
from chat_desktop.services.attachment_progress import PROGRESS_STEP, Progress
from chat_desktop.services.attachment_upload import (
    AttachmentUploads,
    PreparedFile,
    QueueContent,
    referenced_blob_names,
)
from chat_desktop.services.context import EngineContext
from chat_desktop.services.image_processing import (
    guess_mime_type,
    is_image_candidate,
    prepare_image,
)
from chat_desktop.services.sending import OutboxSender
from chat_desktop.services.voice_codec import encode_voice
from chat_desktop.services.voice_notes import prepared_voice, voice_note_of
from chat_desktop.storage.models import AttachmentInfo, MessageKey

__all__ = [
    "AUTO_DOWNLOAD_MAX",
    "MAX_READ_BYTES",
    "PROGRESS_STEP",
    "AttachmentTooLarge",
    "AttachmentTooLargeToRead",
    "AttachmentTransfers",
    "AttachmentUnavailable",
    "CaptionTooLong",
    "Progress",
    "QueueContent",
    "TransferCancelled",
    "UploadAborted",
]

#: The profile's folders (under its root) for copies opened by other applications, blobs
#: waiting to be uploaded, and blobs being downloaded.
_OPEN_CACHE: Final = "open-cache"
_OUTGOING: Final = "outgoing_blobs"
_INCOMING: Final = "incoming_blobs"


class AttachmentTransfers:
    """Sends and fetches attachment blobs for one client, and hands out the stored files."""

    def __init__(self, context: EngineContext, sender: OutboxSender) -> None:
        """Hooks the uploader into the outbox sender."""
        self._context = context
        root = context.worker.store.paths.root
        self._blob_dir = root / _OUTGOING
        self._download_dir = root / _INCOMING
        self._uploads = AttachmentUploads(context, self._blob_dir)
        self._downloads = AttachmentDownloads(context, self._download_dir)
        self._stored = StoredAttachments(context, root / _OPEN_CACHE)
        sender.uploader = self._uploads.upload

    @property
    def stall_timeout(self) -> float:
        """Seconds without a byte from the relay before a transfer (up or down) fails."""
        return self._downloads.stall_timeout

    @stall_timeout.setter
    def stall_timeout(self, seconds: float) -> None:
        self._uploads.stall_timeout = seconds
        self._downloads.stall_timeout = seconds

    async def close(self) -> None:
        """Stops downloads in progress (they restart on request) and removes opened copies."""
        await self._downloads.close()
        await self._stored.close()

    async def sweep_leftovers(self) -> int:
        """Removes blob files no transfer needs any more; returns how many.

        Left by a crash during a download, or by an upload whose message was deleted. Blobs
        of messages still in the outbox (pending or failed: retry sends them) are kept.
        """
        worker = self._context.worker
        keep = await worker.run(referenced_blob_names, worker.store)
        busy = self._downloads.busy

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
        ready = PreparedFile(path, data, mime, name, width, height, thumbnail)
        return await self._uploads.queue(peer, ready, queue_content, caption=caption, quote=quote)

    async def queue_voice(
        self,
        peer: str,
        pcm: bytes,
        sample_rate: int,
        queue_content: QueueContent,
        *,
        quote: Any = None,
    ) -> str:
        """Encodes recorded sound (in a thread) and queues it as a voice note; returns its id.

        Raises:
            VoiceRejected: Empty, longer than 15 minutes, or a rate Opus does not take.
            VoiceUnavailable: PyAV is missing.
        """
        encoded = await asyncio.to_thread(encode_voice, pcm, sample_rate)
        ready = prepared_voice(encoded)
        return await self._uploads.queue(peer, ready, queue_content, caption="", quote=quote)

    async def queue_stored(
        self, peer: str, info: AttachmentInfo, queue_content: QueueContent, *, caption: str = ""
    ) -> str:
        """Sends our stored copy of a file again, as a new upload (a forward of a file whose
        blob the relay no longer holds); returns the message id.

        The copy is decrypted into memory (at most 100 MiB, never to a plaintext file) and
        encrypted again under a new key, like any file sent.
        """
        file_id = info.local_file_id
        if file_id is None:
            raise AttachmentUnavailable("the file is not stored here")
        files = self._context.worker.store.attachments

        def read_all() -> bytes:
            with files.open(file_id) as source:
                return source.read(max_plaintext_size() + 1)

        data = await self._context.worker.run(read_all)
        if len(data) > max_plaintext_size():
            raise AttachmentTooLarge("files over 100 MiB cannot be sent")
        name = strip_file_name_controls(info.file_name or "file") or "file"
        ready = PreparedFile(
            Path(name),
            data,
            info.mime or "application/octet-stream",
            name,
            info.width,
            info.height,
            info.thumbnail,
            voice_note_of(info),
        )
        return await self._uploads.queue(peer, ready, queue_content, caption=caption, quote=None)

    async def copy_stored(self, info: AttachmentInfo) -> str | None:
        """A new stored copy (its own file id) of ``info``'s file, or None if it has none."""
        file_id = info.local_file_id
        if file_id is None or info.local_status != "done":
            return None
        files = self._context.worker.store.attachments

        def copy() -> str:
            with files.open(file_id) as source:
                return str(files.write(source).file_id)

        return await self._context.worker.run(copy)

    async def drop_stored(self, file_id: str) -> None:
        """Deletes a stored copy no message came to own (a forward refused after copying)."""
        await self._context.worker.run(self._context.worker.store.attachments.delete, file_id)

    async def cancel_transfer(self, key: MessageKey) -> bool:
        """Stops an upload or download of ``key``'s attachment; returns whether one stopped.

        A download stops, its partial data is removed and it can be started again with
        :meth:`download`. An upload (running, or queued and not started yet) stops, the
        relay keeps nothing, and the message becomes failed: retry uploads it again. Once
        the blob is uploaded the message is on its way and can no longer be cancelled.
        """
        if await self._downloads.cancel(key):
            return True
        return await self._uploads.cancel(key)

    # ---- receiving ---------------------------------------------------------------------

    def on_attachment_received(self, key: MessageKey) -> None:
        """Starts downloading a received attachment in the background, if it may come alone.

        Images up to :data:`AUTO_DOWNLOAD_MAX` always do; other files when the user's
        "download files up to" limit allows and their name is not a program's
        (:meth:`AttachmentDownloads.on_attachment_received` says how it is judged).
        """
        self._downloads.on_attachment_received(key)

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
        await self._downloads.download(key)

    # ---- using a stored file -------------------------------------------------------------

    async def save(self, key: MessageKey, destination: Path) -> None:
        """Writes the decrypted file to ``destination`` (replacing it), chunk by chunk.

        The copy goes to a temporary file beside ``destination`` that is renamed over it once
        complete, so ``destination`` is never half-written; cancelling removes the copy.

        Raises:
            AttachmentUnavailable: The attachment is not downloaded.
            AttachmentCorrupt: The stored file was altered (nothing is written).
            OSError: ``destination`` cannot be written.
        """
        await self._stored.save(key, destination)

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
        return await self._stored.path_for_opening(key)

    async def read(self, key: MessageKey) -> bytes:
        """The decrypted bytes of a stored attachment of at most :data:`MAX_READ_BYTES`.

        For images shown in the conversation; files are saved or opened instead (streamed).

        Raises:
            AttachmentUnavailable: The attachment is not downloaded.
            AttachmentTooLargeToRead: The file is larger than :data:`MAX_READ_BYTES`.
        """
        return await self._stored.read(key)
