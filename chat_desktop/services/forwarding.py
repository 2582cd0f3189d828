"""Forwarding messages to other chats (issue 23, item 4).

A forwarded message is a new message of ours in each chosen chat, with the text (or caption)
and the file of the original; it is not marked as forwarded and carries no quote (the
original's author and chat stay private, as in Signal). Texts are queued as any text. A file
whose blob is still held by the relay (younger than :data:`BLOB_FRESH_MS`: the relay keeps
blobs 30 days) is forwarded by pointing at that same blob with the same key: nothing is
uploaded again, and the receiver checks the blob's digest and MAC against the key as for any
file, so a forward whose key does not match the blob is refused on their side. An older file
of which we hold a copy is sent again from that copy (re-encrypted, uploaded). Our own copy of
a forwarded file is a copy of the original's stored file (deleting one message never takes
the other's file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chat_desktop.protocol.message_content import AttachmentContent, Content, TextContent
from chat_desktop.services.attachment_upload import QueueContent
from chat_desktop.services.attachments import AttachmentTransfers
from chat_desktop.services.client_errors import (
    ClientError,
    UnknownMessage,
    check_conversation,
)
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.outbox_queue import OutboxQueue
from chat_desktop.services.voice_notes import voice_note_of
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.models import AttachmentInfo, Message, MessageKey

#: A blob younger than this is forwarded by reference (the relay keeps blobs 30 days; a day
#: of margin for a forward that waits in the outbox).
BLOB_FRESH_MS = 29 * 24 * 3600 * 1000
#: Most messages forwarded at once (a selection) and most chats they go to.
MAX_FORWARDED_MESSAGES = 100
MAX_FORWARD_TARGETS = 32


class ForwardRefused(ClientError):
    """A message that cannot be forwarded (deleted, a note, undecryptable, or a file we
    neither hold nor can point at any more)."""


class Forwarder:
    """Queues copies of messages into other chats."""

    def __init__(
        self, context: EngineContext, queue: OutboxQueue, transfers: AttachmentTransfers
    ) -> None:
        """Built by the client over its outbox and file transfers."""
        self._context = context
        self._queue = queue
        self._transfers = transfers
        #: Queues a content to a group (``client.groups.queue_content``, set by the client):
        #: a forward into a group goes as the group's own messages do.
        self.group_queue: QueueContent | None = None

    async def forward(
        self, peer: str, message_ids: Sequence[str], targets: Sequence[str]
    ) -> list[str]:
        """Forwards the messages ``message_ids`` of the chat with ``peer`` to every chat of
        ``targets``, oldest first; returns the new messages' ids (target by target).

        Everything is checked before anything is queued: one message that cannot be
        forwarded refuses the whole request.

        A target is a contact's username or a group's conversation id ("g:…"; we must be a
        member of it).

        Raises:
            InvalidPeer: A chat is not a valid username or group id.
            NotAGroupMember: A target group is not held or we are not a member of it.
            ClientError: No message or chat, too many, or one named twice.
            UnknownMessage: A message is not (or no longer) here.
            ForwardRefused: A message cannot be forwarded.
        """
        check_conversation(peer)  # from a contact's chat or a group's
        for target in targets:
            check_conversation(target)
        if not message_ids or not targets:
            raise ClientError("nothing to forward, or nowhere to forward it")
        if len(message_ids) > MAX_FORWARDED_MESSAGES or len(targets) > MAX_FORWARD_TARGETS:
            raise ClientError("too many messages or chats at once")
        if len(set(message_ids)) != len(message_ids) or len(set(targets)) != len(targets):
            raise ClientError("a message or chat is named twice")
        messages = await self._load(peer, message_ids)
        now = now_ms()
        forwarded: list[str] = []
        for target in targets:
            for message in messages:
                forwarded.append(await self._forward_one(message, target, now))
        return forwarded

    async def _load(self, peer: str, message_ids: Sequence[str]) -> list[Message]:
        store = self._context.worker.store
        found: list[Message] = []
        for message_id in message_ids:
            message = await self._context.worker.run(
                store.messages.get, MessageKey(peer, message_id)
            )
            if message is None:
                raise UnknownMessage("that message is not here")
            _check_forwardable(message)
            found.append(message)
        return sorted(found, key=lambda message: (message.sort_key, message.id))

    def _queue_for(self, target: str) -> QueueContent:
        """Where a content for ``target`` is queued: its group's queue, or the 1:1 outbox."""
        if group_id_of(target) is not None:
            if self.group_queue is None:
                raise ClientError("forwarding into a group is not available")
            return self.group_queue
        return self._queue.queue_content

    async def _forward_one(self, message: Message, target: str, now: int) -> str:
        queue = self._queue_for(target)
        info = message.attachment
        if info is None:
            text = message.body or ""

            def make_text(message_id: str, sent_at: int, timer: int) -> Content:
                return TextContent(id=message_id, sent_at=sent_at, expire_timer=timer, text=text)

            return await queue(target, make_text, kind="text", body=text)
        caption = message.body or ""
        sent = message.sent_at or message.sort_key
        if _points_at_blob(info) and now - sent < BLOB_FRESH_MS:
            return await self._forward_by_reference(info, caption, target, queue)
        if info.local_file_id is not None and info.local_status == "done":
            return await self._transfers.queue_stored(target, info, queue, caption=caption)
        raise ForwardRefused("this file is no longer available to forward")

    async def _forward_by_reference(
        self, info: AttachmentInfo, caption: str, target: str, queue: QueueContent
    ) -> str:
        """The same blob and key, no upload; our copy of the file copied if we hold one."""
        assert info.blob_id and info.key and info.digest and info.size is not None
        copy_id = await self._transfers.copy_stored(info)
        row = AttachmentInfo(
            blob_id=info.blob_id,
            key=info.key,
            digest=info.digest,
            size=info.size,
            mime=info.mime,
            file_name=info.file_name,
            width=info.width,
            height=info.height,
            thumbnail=info.thumbnail,
            local_file_id=copy_id,
            local_status="done" if copy_id is not None else "none",
            voice_ms=info.voice_ms,
            waveform=info.waveform,
        )
        fields: dict[str, Any] = {
            "blob_id": info.blob_id,
            "key": info.key,
            "digest": info.digest,
            "size": info.size,
            "mime_type": info.mime or "application/octet-stream",
            "file_name": info.file_name or "file",
            "caption": caption,
            "width": info.width,
            "height": info.height,
            "thumbnail": info.thumbnail,
            "voice": voice_note_of(info),  # a voice note stays one (checked again there)
        }

        def make_file(message_id: str, sent_at: int, timer: int) -> Content:
            return AttachmentContent(id=message_id, sent_at=sent_at, expire_timer=timer, **fields)

        try:
            return await queue(
                target, make_file, kind="attachment", body=caption or None, attachment=row
            )
        except BaseException:
            if copy_id is not None:
                await self._transfers.drop_stored(copy_id)
            raise


def _points_at_blob(info: AttachmentInfo) -> bool:
    return bool(info.blob_id) and info.key is not None and info.digest is not None


def _check_forwardable(message: Message) -> None:
    if message.deleted or message.undecryptable:
        raise ForwardRefused("a deleted or unreadable message cannot be forwarded")
    if message.kind not in ("text", "attachment"):
        raise ForwardRefused("only messages and files can be forwarded")
    if message.kind == "text" and not (message.body or "").strip():
        raise ForwardRefused("an empty message cannot be forwarded")
