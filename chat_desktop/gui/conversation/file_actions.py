"""Which engine capability handles the files of the open conversation.

A one-to-one chat's files go through ``client.attachments``; a group's (``"g:…"``) through
``client.groups``, whose file methods take the group's id (one upload, one group message).
Both are offered to the pane under one shape, :class:`FileActions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from chat_desktop.gui.conversation.group_source import is_group
from chat_desktop.services.client import ChatClient


class FileActions(Protocol):
    """What the conversation pane does with files (``client.attachments``' shape)."""

    async def send_file(
        self, peer: str, path: Path, *, caption: str = "", reply_to: str | None = None
    ) -> str:
        """Queues a file; returns its message id."""
        ...

    async def download(self, peer: str, message_id: str) -> None:
        """Fetches and stores a received file."""
        ...

    async def cancel(self, peer: str, message_id: str) -> None:
        """Stops an upload or download."""
        ...

    async def save(self, peer: str, message_id: str, destination: Path) -> None:
        """Writes a stored file to ``destination``."""
        ...

    async def path_for_opening(self, peer: str, message_id: str) -> Path:
        """A copy to hand to another program."""
        ...

    async def read(self, peer: str, message_id: str) -> bytes:
        """A small stored file's bytes (an image to show)."""
        ...


class _GroupFiles:
    """``client.groups``' file methods in :class:`FileActions`' shape."""

    def __init__(self, client: ChatClient) -> None:
        self._groups = client.groups

    async def send_file(
        self, peer: str, path: Path, *, caption: str = "", reply_to: str | None = None
    ) -> str:
        return await self._groups.send_file(peer, path, caption=caption, reply_to=reply_to)

    async def download(self, peer: str, message_id: str) -> None:
        await self._groups.download(peer, message_id)

    async def cancel(self, peer: str, message_id: str) -> None:
        await self._groups.cancel_transfer(peer, message_id)

    async def save(self, peer: str, message_id: str, destination: Path) -> None:
        await self._groups.save(peer, message_id, destination)

    async def path_for_opening(self, peer: str, message_id: str) -> Path:
        return await self._groups.path_for_opening(peer, message_id)

    async def read(self, peer: str, message_id: str) -> bytes:
        return await self._groups.read(peer, message_id)


def file_actions(client: ChatClient, conversation_id: str) -> FileActions:
    """The capability handling ``conversation_id``'s files."""
    return _GroupFiles(client) if is_group(conversation_id) else client.attachments
