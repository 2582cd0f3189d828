"""Helpers for group tests: real ChatClients on a real relay, real stores (issue 21)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from engine_helpers import wait_until

from chat_desktop.protocol.schemas import MessageDelivery
from chat_desktop.services.client import ChatClient
from chat_desktop.services.group_state import GroupState
from chat_desktop.services.receiving import MessageReceiver


async def group_texts(client: ChatClient, conversation_id: str, limit: int = 2000) -> list[str]:
    """The texts of the group's conversation on ``client``, oldest first."""
    return [
        message.body or ""
        for message in await client.groups.history(conversation_id, limit=limit)
        if message.kind == "text"
    ]


async def group_messages(
    client: ChatClient, conversation_id: str, limit: int = 2000
) -> list[tuple[str, str]]:
    """(sender, text) of the group's text messages on ``client``, oldest first."""
    return [
        (message.sender, message.body or "")
        for message in await client.groups.history(conversation_id, limit=limit)
        if message.kind == "text"
    ]


async def wait_for_state(
    clients: Sequence[ChatClient],
    conversation_id: str,
    *,
    revision: int,
    timeout: float = 60.0,
) -> list[GroupState]:
    """Waits until every client holds the group at ``revision``; returns their states."""

    async def all_there() -> bool:
        for client in clients:
            state = await client.groups.get(conversation_id)
            if state is None or state.revision != revision:
                return False
        return True

    await wait_until(all_there, timeout=timeout)
    states = []
    for client in clients:
        state = await client.groups.get(conversation_id)
        assert state is not None
        states.append(state)
    return states


async def wait_for_texts(
    client: ChatClient, conversation_id: str, count: int, timeout: float = 120.0
) -> None:
    """Waits until ``client`` holds at least ``count`` texts in the group."""

    async def enough() -> bool:
        return len(await group_texts(client, conversation_id)) >= count

    await wait_until(enough, timeout=timeout, interval=0.1)


class RelayOrder:
    """Plays a relay that reorders or withholds what it delivers to chosen devices.

    Patched over :meth:`MessageReceiver.enqueue` (the real receiver then handles what is
    let through): envelopes from a held sender to a receiver wait until released (a
    different delivery order), dropped ones never arrive (an update withheld). Every
    envelope let through is recorded.
    """

    def __init__(self) -> None:
        self.delivered: dict[int, list[MessageDelivery]] = {}
        self._held: dict[tuple[int, str], list[MessageDelivery] | None] = {}
        self._dropping: set[tuple[int, str]] = set()
        self._original: Callable[[MessageReceiver, MessageDelivery], None] | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Patches the receivers of every client made from now on."""
        original = MessageReceiver.enqueue
        self._original = original
        receivers: dict[int, MessageReceiver] = {}
        self._receivers = receivers

        def enqueue(receiver: MessageReceiver, delivery: MessageDelivery) -> None:
            receivers[id(receiver)] = receiver
            key = (id(receiver), delivery.from_)
            if key in self._dropping:
                self._dropping.discard(key)
                return
            buffer = self._held.get(key)
            if buffer is not None:
                buffer.append(delivery)
                return
            self.delivered.setdefault(id(receiver), []).append(delivery)
            original(receiver, delivery)

        monkeypatch.setattr(MessageReceiver, "enqueue", enqueue)

    def hold(self, receiver: ChatClient, sender: str) -> None:
        """Holds back what ``sender`` sends to ``receiver`` until :meth:`release`."""
        self._held[(id(receiver._engine.receiver), sender)] = []

    def release(self, receiver: ChatClient, sender: str) -> None:
        """Delivers what was held back, in the relay's order, and stops holding."""
        key = (id(receiver._engine.receiver), sender)
        held = self._held.pop(key, None) or []
        assert self._original is not None
        for delivery in held:
            self.delivered.setdefault(key[0], []).append(delivery)
            self._original(receiver._engine.receiver, delivery)

    def drop_next(self, receiver: ChatClient, sender: str) -> None:
        """The next envelope from ``sender`` to ``receiver`` is withheld for good."""
        self._dropping.add((id(receiver._engine.receiver), sender))

    def dropping(self, receiver: ChatClient, sender: str) -> bool:
        """Whether the withheld envelope has not come by yet."""
        return (id(receiver._engine.receiver), sender) in self._dropping

    def of(self, client: ChatClient) -> list[MessageDelivery]:
        """What was delivered to ``client``."""
        return self.delivered.get(id(client._engine.receiver), [])
