"""Drafts: one unsent text per conversation, kept in the encrypted store across restarts.

The window saves the box's text when the user leaves a conversation, when the window closes
or locks, and at most a second after a keystroke (so a crash loses at most that second); a
send clears it. The conversation list shows a draft as "Draft: …" in place of the last
message. A draft never leaves this computer (not synced, not sent).

Changing a draft publishes :class:`~chat_desktop.services.events.ConversationChanged`, so the
list follows.
"""

from __future__ import annotations

from chat_desktop.services.client_errors import ClientError, is_username
from chat_desktop.services.context import EngineContext
from chat_desktop.services.events import ConversationChanged
from chat_desktop.storage.drafts import MAX_DRAFT_LENGTH
from chat_desktop.storage.group_ids import group_id_of
from chat_desktop.storage.store import MessageStore


class InvalidDraft(ClientError):
    """A draft for something that is not a username, or longer than a message may be."""


class Drafts:
    """Reads and keeps the draft of each conversation.

    Args:
        context: The engine's shared state: its store thread runs every call, its event
            stream gets a ``ConversationChanged`` when a draft actually changed.
    """

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    async def draft(self, peer: str) -> str:
        """The draft of the conversation with ``peer`` ("" when there is none).

        Raises:
            InvalidDraft: ``peer`` is not a username.
        """
        _check(peer, "")
        store = self._context.worker.store
        return await self._context.worker.run(store.drafts.get, peer)

    async def set_draft(self, peer: str, text: str) -> None:
        """Keeps ``text`` as the draft for ``peer`` (blank text clears it).

        Text that is only white space is no draft. A conversation that does not exist yet
        (a new chat nothing was sent in) is created to hold it.

        Raises:
            InvalidDraft: ``peer`` is not a username, or ``text`` is longer than a message
                may be; nothing was changed.
        """
        _check(peer, text)
        body = text if text.strip() else ""
        changed = await self._context.worker.run(_keep, self._context.worker.store, peer, body)
        if changed:
            self._context.events.publish(ConversationChanged(peer=peer))


def _check(peer: str, text: str) -> None:
    if not is_username(peer) and group_id_of(peer) is None:  # a contact's chat, or a group's
        raise InvalidDraft("usernames are 3–32 of a-z, 0-9, '_' and '.'")
    if len(text) > MAX_DRAFT_LENGTH:
        raise InvalidDraft(f"a draft holds at most {MAX_DRAFT_LENGTH} characters")


def _keep(store: MessageStore, peer: str, body: str) -> bool:
    """On the store thread: the draft saved (its conversation ensured); True if it changed."""
    with store.transaction():
        if not body:
            return store.drafts.set(peer, "") if store.conversations.get(peer) else False
        group = group_id_of(peer) is not None  # (a group's conversation exists already)
        store.conversations.ensure(peer, peer_address=None if group else peer)
        return store.drafts.set(peer, body)
