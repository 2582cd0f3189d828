"""Files in groups: sent once, fetched like any attachment (issue 21).

A file sent to a group is encrypted and uploaded once, as in a 1:1 chat
(``services/attachment_upload.py``); its ``attachment`` content, naming the blob, then goes
in one group message body to every member device (``services/groups_sending.py`` uploads
before it encrypts). Received group files are stored, downloaded (images on their own),
saved and opened exactly as 1:1 ones, through the same machinery keyed by the group's
conversation id; ``client.attachments`` takes usernames only, so these live here and
``client.groups`` hands them on (:class:`~chat_desktop.services.capabilities.groups.GroupService`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from chat_desktop.services.attachment_upload import QueueContent
from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.client_errors import ClientError
from chat_desktop.services.conversation_actions import ConversationActions, wire_quote
from chat_desktop.storage.models import MessageKey


class GroupFiles:
    """Sending and fetching the files of groups; the conversation id is checked by the caller.

    Attributes:
        transfers: The client's attachment transfers (set by the client; until then, files
            in groups raise :class:`ClientError`).
    """

    def __init__(self, actions: ConversationActions, queue_content: QueueContent) -> None:
        """Quotes through ``actions``; queues through ``queue_content`` (the group's, which
        checks membership in the queuing transaction)."""
        self._actions = actions
        self._queue_content = queue_content
        self.transfers: AttachmentTransfers | None = None

    def _transfers(self) -> AttachmentTransfers:
        if self.transfers is None:
            raise ClientError("files are not available in groups on this client")
        return self.transfers

    async def send_file(
        self, conversation_id: str, path: Path, *, caption: str, reply_to: str | None
    ) -> str:
        """Prepares, encrypts and queues ``path`` to the group; returns the message id."""
        transfers = self._transfers()
        quote = (
            None if reply_to is None else await self._actions.reply_quote(conversation_id, reply_to)
        )
        return await transfers.queue_file(
            conversation_id,
            path,
            functools.partial(self._queue_content, quote=quote),
            caption=caption,
            quote=wire_quote(quote),
        )

    async def send_voice_note(
        self, conversation_id: str, pcm: bytes, *, sample_rate: int, reply_to: str | None
    ) -> str:
        """Encodes recorded sound (in a thread) and queues it to the group as a voice note."""
        transfers = self._transfers()
        quote = (
            None if reply_to is None else await self._actions.reply_quote(conversation_id, reply_to)
        )
        return await transfers.queue_voice(
            conversation_id,
            pcm,
            sample_rate,
            functools.partial(self._queue_content, quote=quote),
            quote=wire_quote(quote),
        )

    async def download(self, conversation_id: str, message_id: str) -> None:
        """Downloads, verifies and stores a received file of the group."""
        await self._transfers().download(MessageKey(conversation_id, message_id))

    async def cancel(self, conversation_id: str, message_id: str) -> None:
        """Stops the upload or download of a file of the group."""
        await self._transfers().cancel_transfer(MessageKey(conversation_id, message_id))

    async def save(self, conversation_id: str, message_id: str, destination: Path) -> None:
        """Writes a stored file of the group to ``destination`` (atomically)."""
        await self._transfers().save(MessageKey(conversation_id, message_id), destination)

    async def path_for_opening(self, conversation_id: str, message_id: str) -> Path:
        """A decrypted copy of a file of the group, for "Open"."""
        return await self._transfers().path_for_opening(MessageKey(conversation_id, message_id))

    async def read(self, conversation_id: str, message_id: str) -> bytes:
        """The decrypted bytes of a stored image of the group, for display."""
        return await self._transfers().read(MessageKey(conversation_id, message_id))
