"""Replies, reactions, edits, deletes and message details, on both sides of a conversation.

Sending side (``ChatClient`` delegates here): each action is checked and applied to our own
copy in the same transaction that queues its content (so what we show and what the peer gets
never disagree, and a refused action changes nothing). Receiving side (the receiver calls the
``apply_*`` functions on the store thread): nothing a peer sends is trusted beyond what it may
do:

- a **reaction** needs a message of this conversation (either side's) that is not deleted;
  the peer has at most one per message (a new one replaces it), and an older or replayed one
  changes nothing;
- an **edit** or a **delete** needs a message the peer sent, not deleted, with the change
  sent at most 24 h after it (by the sender's clocks: ``0 ≤ change.sent_at − target.sent_at
  ≤ 24 h``) and arriving within 24 h + 10 min of the target's arrival here (by our clock);
  an edit only of a text message, at most :data:`~chat_desktop.storage.edits.MAX_EDITS`
  times;
- a **quote** is only a pointer: the target is looked up by id in this conversation and, if
  found, shown from our own copy.

Anything else is ignored: the envelope is acked like any other and never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from chat_desktop.protocol.message_content import (
    MAX_TEXT_LENGTH,
    MAX_TIMER_SECONDS,
    Content,
    DeleteContent,
    EditContent,
    ReactionContent,
    is_valid_emoji,
)
from chat_desktop.protocol.message_content import Quote as WireQuote
from chat_desktop.services.client_errors import (
    ClientError,
    DeleteNotAllowed,
    EditNotAllowed,
    UnknownMessage,
)
from chat_desktop.services.context import EngineContext, now_ms
from chat_desktop.services.events import (
    ClientEvent,
    ConversationChanged,
    MessageChanged,
    MessagesRemoved,
)
from chat_desktop.services.sending import decode_payload
from chat_desktop.storage.edits import MAX_EDITS
from chat_desktop.storage.messages import Tombstoned, excerpt_of
from chat_desktop.storage.models import (
    Message,
    MessageDetails,
    MessageKey,
    Quote,
)
from chat_desktop.storage.store import MessageStore

logger = logging.getLogger(__name__)

#: How long after sending a message its sender may still edit or delete it (ms).
CHANGE_WINDOW_MS = 24 * 60 * 60 * 1000
#: Extra time a receiver allows after the target's arrival, for a change sent just in time
#: that took a while to arrive (ms).
ARRIVAL_GRACE_MS = 10 * 60 * 1000
#: The longest disappearing timer a peer accepts (one year, docs/protocol.md §4), for the
#: window's custom timer.
LONGEST_TIMER_SECONDS: Final = MAX_TIMER_SECONDS
#: Kinds that can be replied to and reacted to.
_QUOTABLE = ("text", "attachment")

ContentFactory = Callable[[str, int, int], Content]
#: Runs inside the queueing transaction with (store, content id, sent_at); raising refuses.
ApplyHook = Callable[[MessageStore, str, int], None]


class QueueContent(Protocol):
    """``OutboxQueue.queue_content``: stores a content's outbox entry (and hook) atomically."""

    def __call__(
        self,
        peer: str,
        make: ContentFactory,
        *,
        kind: str | None,
        apply: ApplyHook | None = None,
    ) -> Awaitable[str]:
        """Queues the content built by ``make``; returns its id once committed."""
        ...


# ---- rules shared by both sides -------------------------------------------------------------


def may_change(
    target: Message | None, author: str, change_sent_at: int, now: int, *, received: bool
) -> bool:
    """Whether ``author`` may edit or delete ``target`` with a change sent at ``change_sent_at``.

    Args:
        target: The message, or None if we don't have it.
        author: Who asks (the peer for a received change, ourselves when sending).
        change_sent_at: The change's ``sent_at`` (the author's clock).
        now: Our clock.
        received: The change came from the peer: the target must also have arrived here
            less than 24 h + :data:`ARRIVAL_GRACE_MS` ago (our clock), so a peer with a
            wrong clock can't change old messages.
    """
    if target is None or target.deleted or target.undecryptable or target.sender != author:
        return False
    if target.sent_at is None or not 0 <= change_sent_at - target.sent_at <= CHANGE_WINDOW_MS:
        return False
    if received:
        arrived = target.received_at if target.received_at is not None else target.sent_at
        return now - arrived < CHANGE_WINDOW_MS + ARRIVAL_GRACE_MS
    return now - target.sent_at <= CHANGE_WINDOW_MS


def _reactable(target: Message | None) -> bool:
    return (
        target is not None
        and not target.deleted
        and not target.undecryptable
        and target.kind in _QUOTABLE
    )


def quote_for_reply(store: MessageStore, peer: str, reply_to: str) -> Quote:
    """The quote of a reply we send, built from our stored copy of the target.

    Raises:
        UnknownMessage: The target is not in this conversation (or deleted, or unreadable).
    """
    target = store.messages.get(MessageKey(peer, reply_to), reactions=False)
    if not _reactable(target):
        raise UnknownMessage("the message you are replying to is no longer here")
    assert target is not None
    return Quote(
        target_id=target.id,
        author=target.sender,
        excerpt=excerpt_of(target),
        kind=target.kind,
        found=True,
    )


def wire_quote(quote: Quote | None) -> WireQuote | None:
    """The content field of a quote (what the peer gets), or None."""
    if quote is None:
        return None
    return WireQuote(
        target_id=quote.target_id,
        author=quote.author,
        excerpt=quote.excerpt,
        kind="attachment" if quote.kind == "attachment" else "text",
    )


def incoming_quote(store: MessageStore, peer: str, quote: WireQuote | None) -> Quote | None:
    """The quote of a received reply as we show it (our own copy of the target if we have it)."""
    if quote is None:
        return None
    return store.messages.resolve_quote(
        peer, quote.target_id, author=quote.author, excerpt=quote.excerpt, kind=quote.kind
    )


def _tombstone_events(peer: str, message_id: str, result: Tombstoned) -> list[ClientEvent]:
    events: list[ClientEvent] = [MessageChanged(peer, message_id, "deleted")]
    events.extend(MessageChanged(peer, reply, "edited") for reply in result.replies)
    return events


def _unsent_blobs(result: Tombstoned) -> list[Path]:
    """The encrypted blobs (still to upload) of the outbox entries a deletion dropped."""
    paths: list[Path] = []
    for payload in result.outbox_payloads:
        try:
            blob_path = decode_payload(payload).blob_path
        except Exception as error:  # an entry of another shape: nothing to remove
            logger.debug("an outbox entry had no readable payload: %s", type(error).__name__)
            continue
        if blob_path is not None:
            paths.append(Path(blob_path))
    return paths


# ---- receiving (store thread, inside the receiver's transaction) ---------------------------


def apply_reaction(
    store: MessageStore, peer: str, content: ReactionContent, *, author: str | None = None
) -> list[ClientEvent]:
    """Applies a reaction in ``peer``'s conversation; returns the events (none if ignored).

    ``author`` is who reacted: the peer (default), or ourselves for a transcript from one of
    our other devices (docs/protocol.md §6.11).
    """
    key = MessageKey(peer, content.target_id)
    if not _reactable(store.messages.get(key, reactions=False)):
        return []
    changed = store.messages.reactions.set(
        peer,
        content.target_id,
        author or peer,
        None if content.remove else content.emoji,
        sent_at=content.sent_at,
        content_id=content.id,
    )
    return [MessageChanged(peer, content.target_id, "reactions")] if changed else []


def apply_edit(
    store: MessageStore, peer: str, content: EditContent, *, author: str | None = None
) -> list[ClientEvent]:
    """Applies an edit of the author's own text message, if allowed; returns the events.

    ``author`` is the peer (default), or ourselves for a transcript from our other device.
    """
    key = MessageKey(peer, content.target_id)
    target = store.messages.get(key, reactions=False)
    if not may_change(target, author or peer, content.sent_at, now_ms(), received=True):
        return []
    assert target is not None
    if target.kind != "text" or not content.text.strip():
        return []
    if not store.messages.apply_edit(
        key, content.text, edited_at=content.sent_at, content_id=content.id
    ):
        return []
    events: list[ClientEvent] = [MessageChanged(peer, content.target_id, "edited")]
    return events


def apply_delete(
    store: MessageStore, peer: str, content: DeleteContent, *, author: str | None = None
) -> list[ClientEvent]:
    """Deletes for everyone the author's messages it may still delete; returns the events.

    ``author`` is the peer (default), or ourselves for a transcript from our other device.
    """
    events: list[ClientEvent] = []
    now = now_ms()
    for message_id in dict.fromkeys(content.message_ids):
        key = MessageKey(peer, message_id)
        target = store.messages.get(key, reactions=False)
        if not may_change(target, author or peer, content.sent_at, now, received=True):
            continue
        result = store.messages.tombstone(key)
        if result is not None:
            events.extend(_tombstone_events(peer, message_id, result))
    return events


# ---- sending ---------------------------------------------------------------------------------


class ConversationActions:
    """The engine side of replies, reactions, edits, deletes and details.

    Args:
        context: The engine's shared state.
        queue_content: ``OutboxQueue.queue_content`` (stores and queues a content, running an
            apply hook in the same transaction).
    """

    def __init__(self, context: EngineContext, queue_content: QueueContent) -> None:
        self._context = context
        self._queue_content = queue_content

    @property
    def _store(self) -> MessageStore:
        return self._context.worker.store

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await self._context.worker.run(function, *args)

    def _publish(self, events: Sequence[ClientEvent]) -> None:
        for event in events:
            self._context.events.publish(event)

    async def reply_quote(self, peer: str, reply_to: str) -> Quote:
        """The quote for a reply to ``reply_to`` (raises :class:`UnknownMessage`)."""
        quote: Quote = await self._run(quote_for_reply, self._store, peer, reply_to)
        return quote

    async def react(self, peer: str, message_id: str, emoji: str | None) -> None:
        """Sets our reaction to a message (either side's), or removes it (``emoji`` None).

        Raises:
            ClientError: Not a valid emoji (1–8 symbols, at most 32 bytes).
            UnknownMessage: No such message here, or it was deleted.
        """
        if emoji is not None and not is_valid_emoji(emoji):
            raise ClientError("a reaction is a single emoji")
        me = self._context.username
        store = self._store

        def check() -> str | None:
            target = store.messages.get(MessageKey(peer, message_id), reactions=False)
            if not _reactable(target):
                raise UnknownMessage("that message is no longer here")
            return store.messages.reactions.of(peer, message_id, me)

        current = await self._run(check)
        if emoji == current:
            return  # nothing to change (also: removing a reaction we don't have)
        # A removal names the emoji it takes back (the field is required on the wire).
        wire_emoji = emoji if emoji is not None else current
        assert wire_emoji is not None
        changed: list[ClientEvent] = []

        def apply(store: MessageStore, content_id: str, sent_at: int) -> None:
            target = store.messages.get(MessageKey(peer, message_id), reactions=False)
            if not _reactable(target):
                raise UnknownMessage("that message is no longer here")
            if store.messages.reactions.set(
                peer, message_id, me, emoji, sent_at=sent_at, content_id=content_id
            ):
                changed.append(MessageChanged(peer, message_id, "reactions"))

        def make(content_id: str, sent_at: int, timer: int) -> Content:
            return ReactionContent(
                id=content_id,
                sent_at=sent_at,
                target_id=message_id,
                emoji=wire_emoji,
                remove=emoji is None,
            )

        await self._queue_content(peer, make, kind=None, apply=apply)
        self._publish(changed)

    async def edit_message(self, peer: str, message_id: str, text: str) -> None:
        """Replaces the text of one of our text messages (sent less than 24 h ago).

        Raises:
            EditNotAllowed: Not our own text message, older than 24 h, deleted, or edited
                too many times already.
            ClientError: The new text is empty or too long.
        """
        if not text.strip():
            raise ClientError("the new text is empty; delete the message instead")
        if len(text) > MAX_TEXT_LENGTH:
            raise ClientError("the message is too long")
        me = self._context.username
        key = MessageKey(peer, message_id)
        current: Message | None = await self._run(self._store.messages.get, key)
        if current is not None and current.body == text and not current.deleted:
            return  # unchanged

        def apply(store: MessageStore, content_id: str, sent_at: int) -> None:
            target = store.messages.get(key, reactions=False)
            if not may_change(target, me, sent_at, now_ms(), received=False):
                raise EditNotAllowed("only your own messages of the last 24 hours can be edited")
            assert target is not None
            if target.kind != "text":
                raise EditNotAllowed("only text messages can be edited")
            if store.messages.edits.count(peer, message_id) >= MAX_EDITS:
                raise EditNotAllowed("this message can't be edited any more")
            if not store.messages.apply_edit(key, text, edited_at=sent_at, content_id=content_id):
                raise EditNotAllowed("this message can't be edited")

        def make(content_id: str, sent_at: int, timer: int) -> Content:
            return EditContent(id=content_id, sent_at=sent_at, target_id=message_id, text=text)

        await self._queue_content(peer, make, kind=None, apply=apply)
        self._publish([MessageChanged(peer, message_id, "edited")])

    async def delete_for_everyone(self, peer: str, message_id: str) -> None:
        """Deletes one of our messages (sent less than 24 h ago) here and at the peer.

        Our copy becomes a tombstone at once; its attachment file, search entry, reactions
        and edit history are gone, and if it was not sent yet it never will be.

        Raises:
            DeleteNotAllowed: Not our own message, older than 24 h, or already deleted.
        """
        me = self._context.username
        key = MessageKey(peer, message_id)
        events: list[ClientEvent] = []
        blobs: list[Path] = []

        def apply(store: MessageStore, content_id: str, sent_at: int) -> None:
            target = store.messages.get(key, reactions=False)
            if not may_change(target, me, sent_at, now_ms(), received=False):
                raise DeleteNotAllowed(
                    "only your own messages of the last 24 hours can be deleted for everyone"
                )
            result = store.messages.tombstone(key)
            if result is None:
                raise DeleteNotAllowed("this message is already deleted")
            blobs.extend(_unsent_blobs(result))
            events.extend(_tombstone_events(peer, message_id, result))

        def make(content_id: str, sent_at: int, timer: int) -> Content:
            return DeleteContent(id=content_id, sent_at=sent_at, message_ids=[message_id])

        await self._queue_content(peer, make, kind=None, apply=apply)
        for path in blobs:  # committed: the blob will never be uploaded
            path.unlink(missing_ok=True)
        self._publish(events)

    async def delete_for_me(self, peer: str, message_ids: Sequence[str]) -> None:
        """Removes messages from this device only (files and search entries too)."""
        ids = tuple(dict.fromkeys(message_ids))
        if not ids:
            return
        store = self._store

        def delete() -> None:
            with store.transaction():
                store.messages.delete([MessageKey(peer, message_id) for message_id in ids])

        await self._run(delete)
        self._publish([MessagesRemoved(peer, ids)])

    async def delete_conversation(self, peer: str) -> None:
        """Removes the whole conversation from this device: messages, files, search entries,
        what is still queued for the peer, and the conversation itself."""
        store = self._store

        def delete() -> None:
            with store.transaction():
                store.messages.drop_outbox(peer)
                store.conversations.delete(peer)

        await self._run(delete)
        self._publish([MessagesRemoved(peer, ()), ConversationChanged(peer)])

    async def edit_history(self, peer: str, message_id: str) -> list[tuple[int, str]]:
        """``(edited_at, earlier text)`` of each edit of a message, oldest first."""
        history: list[tuple[int, str]] = await self._run(
            self._store.messages.edits.history, peer, message_id
        )
        return history

    async def message_details(self, peer: str, message_id: str) -> MessageDetails:
        """Sent, received, delivered and read times of one message.

        Raises:
            UnknownMessage: No such message here.
        """
        details: MessageDetails | None = await self._run(
            self._store.messages.details, MessageKey(peer, message_id)
        )
        if details is None:
            raise UnknownMessage("that message is no longer here")
        return details
