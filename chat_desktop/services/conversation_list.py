"""The conversation list: its summaries, mute / pin / archive / mark unread, unread totals.

What the list shows is read in one store call (see
:meth:`~chat_desktop.storage.conversations.ConversationRepository.list_summaries`); this module
runs it on the store thread and publishes
:class:`~chat_desktop.services.events.ConversationChanged` when the user changed a
conversation's flags, so every open view (list, tray, another window) can follow. An archived
conversation that a new incoming message brings back is not reported that way: the
:class:`~chat_desktop.services.events.MessageReceived` that comes with it already makes the
list reload.

Each summary carries the conversation's draft (``Conversation.draft``, see
:mod:`chat_desktop.services.drafts`), read in the same store call.
"""

from __future__ import annotations

import msgspec

from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import ConversationChanged
from chat_desktop.storage.models import Conversation
from chat_desktop.storage.store import MessageStore


class ConversationList:
    """Reads the conversation list and changes a conversation's mute, pin and archive flags.

    Args:
        context: The engine's shared state: its store thread runs every call, its event
            stream gets a ``ConversationChanged`` for each flag that actually changed.
    """

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    async def conversations(
        self, limit: int = 500, *, include_archived: bool = False
    ) -> list[Conversation]:
        """The list: pinned first, then newest activity first, each with its preview.

        Args:
            limit: At most this many conversations.
            include_archived: Also list archived conversations (otherwise left out).

        Raises:
            ValueError: ``limit`` is not positive.
        """
        return await self._context.worker.run(
            _summaries, self._context.worker.store, limit, include_archived
        )

    async def set_muted(self, peer: str, muted: bool) -> None:
        """Mute or unmute the conversation with ``peer`` (created if it doesn't exist yet).

        A muted conversation still counts its unread messages; it only stays archived when a
        new message arrives.
        """
        await self._set(peer, "muted", muted)

    async def set_pinned(self, peer: str, pinned: bool) -> None:
        """Pin the conversation with ``peer`` to the top of the list, or unpin it."""
        await self._set(peer, "pinned", pinned)

    async def set_archived(self, peer: str, archived: bool) -> None:
        """Archive the conversation with ``peer`` (out of the main list), or bring it back.

        A new incoming message brings it back by itself unless it is muted.
        """
        await self._set(peer, "archived", archived)

    async def set_marked_unread(self, peer: str, marked: bool) -> None:
        """Mark the conversation with ``peer`` unread, or clear that mark.

        The list shows it unread (and the totals count it as one) until it is opened: the
        window clears the mark then. It stays on this computer (not synced) and survives a
        restart.
        """
        await self._set(peer, "marked_unread", marked)

    async def unread_total(self, *, include_muted: bool = True) -> int:
        """Unread messages over every conversation not archived.

        Muted conversations count unless ``include_muted`` is False (the window's title); a
        conversation marked unread without unread messages counts as one.
        """
        store = self._context.worker.store
        return await self._context.worker.run(
            store.conversations.unread_total, include_muted=include_muted
        )

    async def _set(self, peer: str, flag: str, value: bool) -> None:
        changed = await self._context.worker.run(
            _set_flag, self._context.worker.store, peer, flag, value
        )
        if changed:
            self._context.events.publish(ConversationChanged(peer=peer))


def _set_flag(store: MessageStore, peer: str, flag: str, value: bool) -> bool:
    """On the store thread: ensure the conversation, set one flag; True if it changed."""
    conversations = store.conversations
    setters = {
        "muted": conversations.set_muted,
        "pinned": conversations.set_pinned,
        "archived": conversations.set_archived,
        "marked_unread": conversations.set_marked_unread,
    }
    with store.transaction():
        conversations.ensure(peer, peer_address=peer)
        return setters[flag](peer, value)


def _summaries(store: MessageStore, limit: int, include_archived: bool) -> list[Conversation]:
    """On the store thread: the list's summaries, each with its draft (if it has one)."""
    conversations = store.conversations.list_summaries(limit, include_archived=include_archived)
    drafts = store.drafts.all()
    if not drafts:
        return conversations
    return [
        msgspec.structs.replace(c, draft=drafts[c.id]) if c.id in drafts else c
        for c in conversations
    ]
