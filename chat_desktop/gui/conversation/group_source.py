"""``ConversationSource``: the pages the message model reads, for 1:1 chats and groups.

``client.messages`` pages any conversation by keyset (a contact's chat, or a group's by its
``"g:…"`` id), so a group's history pages as deep as a chat's, each page one indexed read.
This source is the model's seam to those reads; :func:`is_group` tells the two kinds apart.
"""

from __future__ import annotations

from chat_desktop.services.client import ChatClient
from chat_desktop.services.types import Message


def is_group(conversation_id: str | None) -> bool:
    """Whether ``conversation_id`` is a group's conversation (``"g:"`` + its id in hex)."""
    return conversation_id is not None and conversation_id.startswith("g:")


class ConversationSource:
    """The keyset reads of :class:`MessageWindowModel`, for 1:1 chats and groups alike."""

    def __init__(self, client: ChatClient) -> None:
        """Reads through ``client.messages``."""
        self._client = client

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        """Up to ``limit`` messages older than ``before_id`` (or the newest), oldest first."""
        return await self._client.messages.history(peer, limit, before_id)

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        """Up to ``limit`` messages newer than ``after_id``, oldest first."""
        return await self._client.messages.history_after(peer, after_id, limit)

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        """About ``limit`` messages centred on ``message_id``, oldest first."""
        return await self._client.messages.history_around(peer, message_id, limit)

    async def get(self, peer: str, message_id: str) -> Message | None:
        """One message, or None (unknown or expired)."""
        return await self._client.messages.get(peer, message_id)
