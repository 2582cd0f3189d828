"""The conversation-list service over a real store on its worker thread: flags and notices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.context import EngineContext
from chat_desktop.services.conversation_list import ConversationList
from chat_desktop.services.events import ClientEvent, ConversationChanged
from chat_desktop.services.store_worker import StoreWorker
from chat_desktop.storage.models import Direction, MessageStatus, NewMessage
from chat_desktop.storage.vault_file import Vault

pytestmark = pytest.mark.unit


@pytest.fixture
async def context(tmp_path: Path) -> AsyncIterator[EngineContext]:
    vault, _recovery = Vault.create(
        tmp_path / "profile", "correct horse battery staple", kdf_params=FLOOR_PARAMS
    )
    worker = StoreWorker(vault.open_store())
    yield EngineContext("me", 1, "http://127.0.0.1:1", IdentityKeyPair.generate(), worker)
    await worker.close()
    vault.lock()


def _changed_peers(queue: asyncio.Queue[ClientEvent]) -> list[str]:
    """The peers of the ``ConversationChanged`` events published so far (drains the queue)."""
    peers = []
    while not queue.empty():
        event = queue.get_nowait()
        assert isinstance(event, ConversationChanged)
        peers.append(event.peer)
    return peers


def _incoming(peer: str, message_id: str, sort_key: int) -> NewMessage:
    return NewMessage(
        id=message_id,
        conversation_id=peer,
        sender=peer,
        direction=Direction.INCOMING,
        sort_key=sort_key,
        kind="text",
        body="hello",
        status=MessageStatus.DELIVERED,
    )


async def test_flags_change_the_list_and_each_real_change_is_reported(
    context: EngineContext,
) -> None:
    events = context.events.subscribe()
    service = ConversationList(context)
    store = context.worker.store
    for index, peer in enumerate(("bob", "carol", "dave")):
        await context.worker.run(store.messages.insert, _incoming(peer, "m1", 1_000 + index))

    await service.set_pinned("bob", True)
    await service.set_pinned("bob", True)  # no change, no notice
    await service.set_muted("carol", True)
    await service.set_archived("dave", True)
    assert _changed_peers(events) == ["bob", "carol", "dave"]

    listed = await service.conversations()
    assert [(c.id, c.pinned, c.muted) for c in listed] == [
        ("bob", True, False),
        ("carol", False, True),
    ]
    assert all(c.last_message is not None for c in listed)
    every = await service.conversations(include_archived=True)
    assert [c.id for c in every] == ["bob", "dave", "carol"]
    assert [c.id for c in await service.conversations(1)] == ["bob"]
    assert await service.unread_total() == 2  # dave's is archived; carol's muted one counts

    await service.set_archived("dave", False)
    assert await service.unread_total() == 3
    assert _changed_peers(events) == ["dave"]
    with pytest.raises(ValueError, match="positive limit"):
        await service.conversations(0)


async def test_a_flag_on_a_conversation_not_yet_started_creates_it(
    context: EngineContext,
) -> None:
    events = context.events.subscribe()
    service = ConversationList(context)
    await service.set_pinned("erin", True)
    (erin,) = await service.conversations()
    assert (erin.id, erin.peer_address, erin.pinned, erin.last_message) == (
        "erin",
        "erin",
        True,
        None,
    )
    assert _changed_peers(events) == ["erin"]
