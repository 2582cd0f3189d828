"""``ConversationSource``: the pages the message model reads, for 1:1 chats and groups.

``client.messages`` pages a one-to-one conversation by keyset, but refuses a group's
conversation id (``"g:…"``); ``client.groups.history`` gives a group's newest messages only.
This source sends a 1:1 chat's reads to ``client.messages`` unchanged and answers a group's
older, newer and surrounding pages from a window of the group's newest messages that grows
(doubling) until it holds the message asked about, so the model pages a group as any other
chat. The window is bounded (:data:`MAX_GROUP_SCAN`): a page further back than that is empty.
"""

from __future__ import annotations

from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Message

#: The most newest messages of a group read to find one page (beyond it: no older page).
MAX_GROUP_SCAN = 20_000


def is_group(conversation_id: str | None) -> bool:
    """Whether ``conversation_id`` is a group's conversation (``"g:"`` + its id in hex)."""
    return conversation_id is not None and conversation_id.startswith("g:")


class ConversationSource:
    """The keyset reads of :class:`MessageWindowModel`, for 1:1 chats and groups alike."""

    def __init__(self, client: ChatClient) -> None:
        """Reads through ``client`` (its ``messages`` for 1:1 chats, ``groups`` for groups)."""
        self._client = client

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        """Up to ``limit`` messages older than ``before_id`` (or the newest), oldest first."""
        if not is_group(peer):
            return await self._client.messages.history(peer, limit, before_id)
        if before_id is None:
            return await self._client.groups.history(peer, limit)
        rows, index = await self._find(peer, before_id, limit)
        return [] if index is None else rows[max(0, index - limit) : index]

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newer than ``after_id``, oldest first."""
        if not is_group(peer):
            return await self._client.messages.history_after(peer, after_id, limit)
        rows, index = await self._find(peer, after_id, 0)
        return [] if index is None else rows[index + 1 : index + 1 + limit]

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        """About ``limit`` messages centred on ``message_id``, oldest first."""
        if not is_group(peer):
            return await self._client.messages.history_around(peer, message_id, limit)
        rows, index = await self._find(peer, message_id, limit // 2)
        if index is None:
            return []
        start = max(0, index - limit // 2)
        return rows[start : start + limit]

    async def get(self, peer: str, message_id: str) -> Message | None:
        """One message, or None (unknown or expired)."""
        return await self._client.messages.get(peer, message_id)

    async def _find(
        self, peer: str, message_id: str, older_wanted: int
    ) -> tuple[list[Message], int | None]:
        """The group's newest messages holding ``message_id`` and ``older_wanted`` older
        ones (or all there are), and its index among them (None: not within the bound)."""
        wanted = max(64, 2 * (older_wanted + 1))
        while True:
            rows = await self._client.groups.history(peer, min(wanted, MAX_GROUP_SCAN))
            index = next((i for i, row in enumerate(rows) if row.id == message_id), None)
            complete = len(rows) < min(wanted, MAX_GROUP_SCAN) or wanted >= MAX_GROUP_SCAN
            if (index is not None and index >= older_wanted) or complete:
                return rows, index
            wanted *= 2
