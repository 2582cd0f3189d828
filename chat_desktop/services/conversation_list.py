"""The conversation list: its summaries, mute / pin / archive, and the unread total.

What the list shows is read in one store call (see
:meth:`~chat_desktop.storage.conversations.ConversationRepository.list_summaries`); this module
runs it on the store thread and publishes
:class:`~chat_desktop.services.events.ConversationChanged` when the user changed a
conversation's flags, so every open view (list, tray, another window) can follow. An archived
conversation that a new incoming message brings back is not reported that way: the
:class:`~chat_desktop.services.events.MessageReceived` that comes with it already makes the
list reload.
"""

from __future__ import annotations

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
        store = self._context.worker.store
        return await self._context.worker.run(
            store.conversations.list_summaries, limit, include_archived=include_archived
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

    async def unread_total(self) -> int:
        """Unread messages over every conversation not archived (muted ones included)."""
        store = self._context.worker.store
        return await self._context.worker.run(store.conversations.unread_total)

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
    }
    with store.transaction():
        conversations.ensure(peer, peer_address=peer)
        return setters[flag](peer, value)
