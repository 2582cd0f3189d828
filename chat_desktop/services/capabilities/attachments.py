"""``client.attachments``: send a file, download, cancel, save, open and read one.

Every stage streams (:class:`~chat_desktop.services.attachments.AttachmentTransfers`): a file
of up to 100 MiB is never whole in memory, and what is kept on disk is encrypted at rest.
"""

from __future__ import annotations

import functools
from pathlib import Path

from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.client_errors import check_peer
from chat_desktop.services.conversation_actions import ConversationActions, wire_quote
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.voice_codec import SAMPLE_RATE
from chat_desktop.storage.models import MessageKey


class AttachmentService:
    """The files of every conversation."""

    def __init__(
        self, transfers: AttachmentTransfers, queue: OutboxQueue, actions: ConversationActions
    ) -> None:
        """Built by the client; transfers through ``transfers``, queues through ``queue``."""
        self._transfers = transfers
        self._queue = queue
        self._actions = actions

    async def send_file(
        self, peer: str, path: Path, *, caption: str = "", reply_to: str | None = None
    ) -> str:
        """Queues a file; images are stripped of metadata and get a thumbnail first.

        Args:
            peer: The recipient.
            path: The file.
            caption: Text shown with it.
            reply_to: The id of a message of this conversation it answers.

        Raises:
            ImageRejected: An image that is not allowed (bomb, not an image, format).
            AttachmentTooLarge: Over 100 MiB.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        check_peer(peer)
        quote = None if reply_to is None else await self._actions.reply_quote(peer, reply_to)
        return await self._transfers.queue_file(
            peer,
            path,
            functools.partial(self._queue.queue_content, quote=quote),
            caption=caption,
            quote=wire_quote(quote),
        )

    async def send_voice_note(
        self,
        peer: str,
        pcm: bytes,
        *,
        sample_rate: int = SAMPLE_RATE,
        reply_to: str | None = None,
    ) -> str:
        """Queues recorded sound as a voice note (Opus in Ogg, encoded in a thread).

        Args:
            peer: The recipient.
            pcm: 16-bit little-endian mono samples.
            sample_rate: Their rate (one Opus takes: 8, 12, 16, 24 or 48 kHz).
            reply_to: The id of a message of this conversation it answers.

        Raises:
            VoiceRejected: Empty, longer than 15 minutes, or a rate Opus does not take.
            VoiceUnavailable: PyAV is missing.
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        check_peer(peer)
        quote = None if reply_to is None else await self._actions.reply_quote(peer, reply_to)
        return await self._transfers.queue_voice(
            peer,
            pcm,
            sample_rate,
            functools.partial(self._queue.queue_content, quote=quote),
            quote=wire_quote(quote),
        )

    async def download(self, peer: str, message_id: str) -> None:
        """Downloads, verifies and stores (encrypted at rest) a received attachment.

        Raises:
            AttachmentRejected, BlobSizeMismatch, HttpFailure, ProtocolError (not_found),
            TransferCancelled (:meth:`cancel` stopped it). After any failure the status is
            "failed" and nothing partial is kept: calling again retries.
        """
        check_peer(peer)
        await self._transfers.download(MessageKey(peer, message_id))

    async def cancel(self, peer: str, message_id: str) -> None:
        """Stops an attachment's upload (the message becomes failed; retry uploads it again)
        or download (partial data removed; :meth:`download` starts it again)."""
        check_peer(peer)
        await self._transfers.cancel_transfer(MessageKey(peer, message_id))

    async def save(self, peer: str, message_id: str, destination: Path) -> None:
        """Writes the decrypted attachment to ``destination`` atomically, chunk by chunk."""
        check_peer(peer)
        await self._transfers.save(MessageKey(peer, message_id), destination)

    async def path_for_opening(self, peer: str, message_id: str) -> Path:
        """A decrypted copy for "Open", in a private 0700 folder removed at lock and close."""
        check_peer(peer)
        return await self._transfers.path_for_opening(MessageKey(peer, message_id))

    async def read(self, peer: str, message_id: str) -> bytes:
        """The decrypted bytes of a stored image, for display (at most 25 MiB: larger ones
        raise ``AttachmentTooLargeToRead``; files are saved or opened instead)."""
        check_peer(peer)
        return await self._transfers.read(MessageKey(peer, message_id))
