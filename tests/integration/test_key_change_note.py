"""A contact's key change clears "verified" in the store, says so in its event and leaves a
note in the conversation ("bob's safety number changed") that is never unread, never sent
and found by no search."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import EventLog, new_client, wait_until
from test_engine_trust import reinstall

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import IdentityKeyChanged, MessageReceived
from chat_desktop.storage.models import KEY_CHANGE_NOTE_KIND, Direction, Message

pytestmark = pytest.mark.integration


def key_notes(history: list[Message]) -> list[Message]:
    return [message for message in history if message.kind == KEY_CHANGE_NOTE_KIND]


async def _has_messages(client: ChatClient, peer: str, count: int) -> bool:
    return len(await client.messages.history(peer)) >= count


async def test_a_key_change_clears_verified_says_so_and_writes_a_note(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_messages(bob, "alice", 1))
        await alice.trust.mark_verified("bob")
        assert await alice.trust.is_verified("bob")
        assert key_notes(await alice.messages.history("bob")) == []

        bob = await reinstall(bob, tmp_path, relay)
        await bob.messages.send_text("alice", "new laptop")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        (change,) = alice_log.of_type(IdentityKeyChanged)
        assert change.peer == "bob" and change.sending_paused
        assert change.verified_cleared  # the event says the shield is gone
        assert not await alice.trust.is_verified("bob")

        (note,) = key_notes(await alice.messages.history("bob"))
        assert note.id == change.note_id
        assert note.direction is Direction.INCOMING and note.sender == "bob"
        assert note.read_at is not None and note.expire_timer == 0 and not note.body
        # Told like a timer note: a MessageReceived of the note's kind, for the open chat.
        assert any(
            isinstance(e, MessageReceived)
            and e.message_id == note.id
            and e.kind == KEY_CHANGE_NOTE_KIND
            for e in alice_log.events
        )
        await wait_until(lambda: _has_messages(alice, "bob", 3))
        conversation = next(c for c in await alice.conversations.list() if c.id == "bob")
        assert conversation.unread_count == 1  # "new laptop" only, not the note
        assert await alice.messages.search("safety") == []  # the note has no text to find
        assert await alice.messages.get("bob", note.id) == note
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def test_an_unverified_contacts_key_change_also_writes_the_note(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        await alice.messages.send_text("bob", "hi")
        await wait_until(lambda: _has_messages(bob, "alice", 1))
        bob = await reinstall(bob, tmp_path, relay)
        await bob.messages.send_text("alice", "reinstalled")
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        (change,) = alice_log.of_type(IdentityKeyChanged)
        assert not change.sending_paused and not change.verified_cleared
        (note,) = key_notes(await alice.messages.history("bob"))
        assert note.id == change.note_id
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()
