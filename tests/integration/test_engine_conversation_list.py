"""The conversation list end to end: archiving, and a new message through the relay."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import EventLog, acquaint, new_client

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import ConversationChanged, MessageReceived

pytestmark = pytest.mark.integration


async def _receive(log: EventLog, sender: ChatClient, peer: str, text: str) -> None:
    message_id = await sender.messages.send_text(peer, text)
    await log.wait_for(
        lambda events: any(
            isinstance(e, MessageReceived) and e.message_id == message_id for e in events
        )
    )


async def test_a_new_message_brings_an_archived_conversation_back_unless_muted(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    await acquaint(alice, bob, carol)
    alice_log = EventLog(alice)
    conversations = alice.conversations  # the conversation-list capability
    try:
        await _receive(alice_log, bob, "alice", "first from bob")
        await _receive(alice_log, carol, "alice", "first from carol")
        await conversations.set_archived("bob", True)
        await conversations.set_archived("carol", True)
        await conversations.set_muted("carol", True)
        await alice_log.wait_for(
            lambda events: len([e for e in events if isinstance(e, ConversationChanged)]) == 3
        )
        assert [e.peer for e in alice_log.of_type(ConversationChanged)] == ["bob", "carol", "carol"]
        assert [c.id for c in await conversations.list()] == []
        assert await conversations.unread_total() == 0

        # Alice writing into the archived conversation leaves it archived.
        await alice.messages.send_text("bob", "from the archive")
        assert [c.id for c in await conversations.list()] == []

        await _receive(alice_log, bob, "alice", "are you there?")
        await _receive(alice_log, carol, "alice", "muted, so quietly")

        (listed,) = await conversations.list()
        assert (listed.id, listed.archived, listed.unread_count) == ("bob", False, 2)
        assert listed.last_message is not None
        assert listed.last_message.body == "are you there?"
        archived = {c.id: c for c in await conversations.list(include_archived=True)}
        assert archived["carol"].archived and archived["carol"].muted
        assert archived["carol"].last_message is not None
        assert archived["carol"].last_message.body == "muted, so quietly"
        assert await conversations.unread_total() == 2  # carol's stay archived, not counted
    finally:
        alice_log.close()
        for client in (alice, bob, carol):
            await client.close()
