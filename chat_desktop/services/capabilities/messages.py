"""``client.messages``: send, reply, react, edit, delete, retry, history, search, details.

Sending never fails for being offline: a message is durably queued (row and outbox entry in
one transaction, :class:`~chat_desktop.services.outbox_queue.OutboxQueue`) and goes when the
relay is reachable. Actions on existing messages (reactions, edits, deletes) are checked and
applied to our copy in the same transaction that queues them
(:class:`~chat_desktop.services.conversation_actions.ConversationActions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from chat_desktop.protocol.link_preview import (
    LinkPreview,
    LinkPreviewError,
    decode_preview,
    encode_preview,
)
from chat_desktop.protocol.message_content import (
    MAX_TEXT_LENGTH,
    MAX_TRANSCRIPT_SIZE,
    Content,
    TextContent,
)
from chat_desktop.services.client_errors import ClientError, check_conversation, check_peer
from chat_desktop.services.context import EngineContext
from chat_desktop.services.conversation_actions import (
    ApplyHook,
    ConversationActions,
    wire_quote,
)
from chat_desktop.services.forwarding import Forwarder
from chat_desktop.services.outbox_queue import ContentFactory, OutboxQueue
from chat_desktop.services.sending import OutboxSender
from chat_desktop.storage.models import Message, MessageDetails, MessageKey, Quote

#: What a text content holds besides its text and preview, at most (kind, ids, quote…).
_CONTENT_OVERHEAD = 1024


def checked_preview(preview: LinkPreview, text: str) -> tuple[msgspec.Raw, LinkPreview] | None:
    """``preview`` as the wire field (and as kept), after the very checks its receiver makes.

    The content must still fit our other devices' transcript bound
    (:data:`~chat_desktop.protocol.message_content.MAX_TRANSCRIPT_SIZE`): for a long text the
    image is left out, and with no room even then, the whole preview (None).

    Raises:
        ClientError: The receiver would drop it (a field out of its bound, the address not
            in ``text``, an image that is not a JPEG).
    """
    raw = encode_preview(preview)
    try:
        decode_preview(raw, text)
    except LinkPreviewError as error:
        raise ClientError(str(error)) from None
    room = MAX_TRANSCRIPT_SIZE - _CONTENT_OVERHEAD - len(text.encode("utf-8", "surrogatepass"))
    if len(raw) > room and preview.image is not None:
        preview = msgspec.structs.replace(preview, image=None)
        raw = encode_preview(preview)
    return (raw, preview) if len(raw) <= room else None


class MessageService:
    """The messages of every conversation."""

    def __init__(
        self,
        context: EngineContext,
        queue: OutboxQueue,
        actions: ConversationActions,
        sender: OutboxSender,
        forwarder: Forwarder,
    ) -> None:
        """Built by the client; queues through ``queue``, acts through ``actions``, forwards
        through ``forwarder``."""
        self._context = context
        self._queue = queue
        self._actions = actions
        self._sender = sender
        self._forwarder = forwarder

    # ---- sending ---------------------------------------------------------------------

    async def send_text(
        self,
        peer: str,
        text: str,
        *,
        reply_to: str | None = None,
        link_preview: LinkPreview | None = None,
    ) -> str:
        """Queues a text message; returns its id. Never fails for being offline.

        Args:
            peer: The recipient.
            text: The message.
            reply_to: The id of a message of this conversation it answers: the quote
                (author, excerpt, kind) is built from our stored copy of it.
            link_preview: The preview of a link of ``text`` (``client.link_previews``),
                sent inside the encrypted message and kept with our copy.

        Raises:
            InvalidPeer: ``peer`` is not a valid username.
            ClientError: Empty or too long text, or a preview its peer would drop (out of
                its bounds, or of a link not in the text).
            UnknownMessage: The message replied to is not (or no longer) here.
        """
        check_peer(peer)
        if not text.strip():
            raise ClientError("nothing to send")
        if len(text) > MAX_TEXT_LENGTH:
            raise ClientError("the message is too long")
        fitted = None if link_preview is None else checked_preview(link_preview, text)
        preview = msgspec.UNSET if fitted is None else fitted[0]
        kept = None if fitted is None else fitted[1]
        quote = None if reply_to is None else await self._actions.reply_quote(peer, reply_to)

        def make(message_id: str, sent_at: int, timer: int) -> Content:
            return TextContent(
                id=message_id,
                sent_at=sent_at,
                expire_timer=timer,
                text=text,
                quote=wire_quote(quote),
                preview=preview,
            )

        return await self._queue.queue_content(
            peer, make, kind="text", body=text, quote=quote, link_preview=kept
        )

    async def queue_content(
        self,
        peer: str,
        make: ContentFactory,
        *,
        kind: str | None,
        body: str | None = None,
        attachment: Any = None,
        blob_path: str | None = None,
        quote: Quote | None = None,
        apply: ApplyHook | None = None,
    ) -> str:
        """Queues any content (tools and tests; see :meth:`OutboxQueue.queue_content`)."""
        return await self._queue.queue_content(
            peer,
            make,
            kind=kind,
            body=body,
            attachment=attachment,
            blob_path=blob_path,
            quote=quote,
            apply=apply,
        )

    async def forward(
        self, peer: str, message_ids: Sequence[str], targets: Sequence[str]
    ) -> list[str]:
        """Forwards messages of the chat with ``peer`` (texts and files, oldest first) to
        each chat of ``targets``; returns the new messages' ids. Files still at the relay are
        pointed at, not uploaded again (:mod:`chat_desktop.services.forwarding`).

        Raises:
            ClientError: Nothing to forward, too much, or a name twice.
            UnknownMessage: A message is not (or no longer) here.
            ForwardRefused: A deleted, unreadable or no longer available message.
        """
        return await self._forwarder.forward(peer, message_ids, targets)

    async def react(self, peer: str, message_id: str, emoji: str | None) -> None:
        """Sets our reaction to a message (ours or the peer's); None removes ours.

        One reaction per person per message: a new one replaces ours.

        Raises:
            ClientError: Not a single emoji.
            UnknownMessage: The message is not (or no longer) here.
        """
        check_peer(peer)
        await self._actions.react(peer, message_id, emoji)

    async def edit(self, peer: str, message_id: str, text: str) -> None:
        """Replaces the text of one of our text messages; the peer's copy follows.

        Raises:
            EditNotAllowed: Not our own text message, sent more than 24 h ago, deleted, or
                edited too often.
            ClientError: Empty or too long text.
        """
        check_peer(peer)
        await self._actions.edit_message(peer, message_id, text)

    async def delete_for_everyone(self, peer: str, message_id: str) -> None:
        """Deletes one of our messages here and at the peer (both keep a "deleted" mark).

        Raises:
            DeleteNotAllowed: Not our own message, sent more than 24 h ago, or deleted.
        """
        check_peer(peer)
        await self._actions.delete_for_everyone(peer, message_id)

    async def delete_for_me(self, peer: str, message_ids: Sequence[str]) -> None:
        """Removes messages from this device only (with their files and search entries); of a
        contact's chat or a group's (``peer`` may be a ``g:`` id)."""
        check_conversation(peer)
        await self._actions.delete_for_me(peer, message_ids)

    async def retry(self, peer: str, message_id: str) -> bool:
        """Sends a failed message again. Returns False if it was not failed."""
        requeued = await self._context.worker.run(
            self._context.worker.store.outbox.retry, peer, message_id
        )
        self._sender.wake()
        return bool(requeued)

    # ---- reading -----------------------------------------------------------------------

    async def get(self, peer: str, message_id: str) -> Message | None:
        """One message, or None (unknown or expired)."""
        return await self._context.worker.run(
            self._context.worker.store.messages.get, MessageKey(peer, message_id)
        )

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        """Up to ``limit`` messages with ``peer`` (a contact, or a group's "g:…" id), oldest
        first (never expired ones)."""
        check_conversation(peer)
        messages = self._context.worker.store.messages

        def page() -> list[Message]:
            if before_id is None:
                return messages.newest(peer, limit)
            cursor = messages.cursor_of(MessageKey(peer, before_id))
            return [] if cursor is None else messages.before(peer, cursor, limit)

        return await self._context.worker.run(page)

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newer than ``after_id``, oldest first (a group's too)."""
        check_conversation(peer)
        messages = self._context.worker.store.messages

        def page() -> list[Message]:
            cursor = messages.cursor_of(MessageKey(peer, after_id))
            return [] if cursor is None else messages.after(peer, cursor, limit)

        return await self._context.worker.run(page)

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        """About ``limit`` messages centred on ``message_id`` (a search hit), oldest first (a
        group's too)."""
        check_conversation(peer)
        return await self._context.worker.run(
            self._context.worker.store.messages.around, MessageKey(peer, message_id), limit
        )

    async def count(self, peer: str) -> int:
        """How many (unexpired) messages the conversation with ``peer`` holds."""
        return await self._context.worker.run(self._context.worker.store.messages.count, peer)

    async def search(
        self, text: str, limit: int = 50, *, conversation: str | None = None
    ) -> list[Message]:
        """Messages containing every word of ``text`` (never deleted or expired ones), most
        recent first; only those of the chat ``conversation`` when it is given."""
        store = self._context.worker.store
        return await self._context.worker.run(
            store.search, text, conversation_id=conversation, limit=limit
        )

    async def edit_history(self, peer: str, message_id: str) -> list[tuple[int, str]]:
        """``(edited_at ms, earlier text)`` of each edit of a message, oldest first."""
        check_peer(peer)
        return await self._actions.edit_history(peer, message_id)

    async def details(self, peer: str, message_id: str) -> MessageDetails:
        """Sent, received, delivered and read times of one message.

        Raises:
            UnknownMessage: The message is not (or no longer) here.
        """
        check_peer(peer)
        return await self._actions.message_details(peer, message_id)
