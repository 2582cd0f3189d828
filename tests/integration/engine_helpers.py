"""Helpers for messaging-engine tests: real ChatClients on a real relay, real stores."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import ClientEvent
from chat_desktop.storage.models import MessageStatus

PASSWORD = "correct horse battery staple"
E = TypeVar("E")


async def new_client(root: Path, relay_url: str, name: str) -> ChatClient:
    """Creates a profile under ``root/name``, registers it, connects and waits for the link."""
    client, _recovery = await ChatClient.create(
        root / name, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.connect()
    await client.wait_connected()
    return client


async def acquaint(*clients: ChatClient) -> None:
    """Makes ``clients`` each other's contacts: each starts its chat with every other one, so
    none of their chats is a message request (which sends nothing back: services/requests.py).
    """
    for client in clients:
        for other in clients:
            if other is not client:
                await client.conversations.start(other.username)


class EventLog:
    """Collects a client's events so a test can wait for the ones it expects."""

    def __init__(self, client: ChatClient) -> None:
        self.events: list[ClientEvent] = []
        self._queue = client.events.subscribe()
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while True:
            self.events.append(await self._queue.get())
            self._changed.set()

    def of_type(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    async def wait_for(
        self, predicate: Callable[[list[ClientEvent]], bool], timeout: float = 30.0
    ) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.events):
                self._changed.clear()
                await self._changed.wait()

    def close(self) -> None:
        self._task.cancel()


async def wait_until(
    condition: Callable[[], Awaitable[bool]], timeout: float = 30.0, interval: float = 0.05
) -> None:
    """Polls an async condition until it holds (raises TimeoutError otherwise)."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(interval)


async def all_outgoing_have_status(
    client: ChatClient, peer: str, status: MessageStatus, count: int
) -> bool:
    """Whether ``client`` has exactly ``count`` messages to ``peer``, all with ``status``."""
    history = await client.messages.history(peer, limit=count + 10)
    outgoing = [m for m in history if m.sender == client.username]
    return len(outgoing) == count and all(m.status is status for m in outgoing)
