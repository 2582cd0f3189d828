"""Changing the disappearing timer leaves a note in the chat on both sides, which stays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from engine_helpers import EventLog, acquaint, new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.events import ClientEvent, MessageChanged
from chat_desktop.storage.models import TIMER_NOTE_KIND, Message

pytestmark = pytest.mark.integration


def notes(history: list[Message]) -> list[Message]:
    return [message for message in history if message.kind == TIMER_NOTE_KIND]


async def test_a_timer_change_is_a_note_on_both_sides_never_unread_never_expiring(
    relay: RelayServer, tmp_path: Path
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    try:
        await alice.messages.send_text("bob", "hello")
        await alice.conversations.set_disappearing_timer("bob", 2)

        async def bob_has_the_note() -> bool:
            return bool(notes(await bob.messages.history("alice", 10)))

        await wait_until(bob_has_the_note)
        (ours,) = notes(await alice.messages.history("bob", 10))
        (theirs,) = notes(await bob.messages.history("alice", 10))
        assert ours.id == theirs.id and ours.body == theirs.body == "2"
        assert ours.expire_timer == theirs.expire_timer == 0  # the note itself stays
        assert theirs.read_at is not None
        conversation = next(c for c in await bob.conversations.list() if c.id == "alice")
        assert conversation.unread_count == 1  # "hello" only, not the note
        assert conversation.expire_timer == 2
    finally:
        await alice.close()
        await bob.close()


async def test_the_same_timer_again_changes_nothing_and_sends_nothing(
    relay: RelayServer, tmp_path: Path
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await alice.messages.send_text("bob", "hello")
        note_id = await alice.conversations.set_disappearing_timer("bob", 300)
        assert note_id is not None  # the note of a real change, for the window to show

        async def bob_has_the_note() -> bool:
            return len(notes(await bob.messages.history("alice", 10))) == 1

        await wait_until(bob_has_the_note)
        assert await alice.conversations.set_disappearing_timer("bob", 300) is None
        # Nothing went to Bob: what Alice sends next arrives after it would have, alone.
        after = await alice.messages.send_text("bob", "after")

        async def bob_has_after() -> bool:
            return await bob.messages.get("alice", after) is not None

        await wait_until(bob_has_after)
        assert len(notes(await bob.messages.history("alice", 10))) == 1
        (ours,) = notes(await alice.messages.history("bob", 10))
        assert ours.id == note_id
        assert (
            await alice.conversations.set_disappearing_timer("bob", 0) is not None
        )  # a change again
        assert len(notes(await alice.messages.history("bob", 10))) == 2
    finally:
        await alice.close()
        await bob.close()


async def test_a_disappearing_messages_countdown_start_is_told_on_both_sides(
    relay: RelayServer, tmp_path: Path
) -> None:
    """The sender's copy starts at the relay's ack, the receiver's when read: each start is a
    ``MessageChanged(…, "expiry")``, so a window showing the message shows its time left."""
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        await alice.conversations.set_disappearing_timer("bob", 300)
        sent = await alice.messages.send_text("bob", "this goes in 5 minutes")

        def expiry_of(message_id: str) -> Callable[[list[ClientEvent]], bool]:
            return lambda events: any(
                isinstance(e, MessageChanged)
                and e.message_id == message_id
                and e.change == "expiry"
                for e in events
            )

        await alice_log.wait_for(expiry_of(sent))
        ours = await alice.messages.get("bob", sent)
        assert ours is not None and ours.expires_at is not None

        async def bob_has_it() -> bool:
            return await bob.messages.get("alice", sent) is not None

        await wait_until(bob_has_it)
        theirs = await bob.messages.get("alice", sent)
        assert theirs is not None and theirs.expires_at is None  # not read yet
        assert not expiry_of(sent)(bob_log.events)
        await bob.conversations.mark_read("alice", sent)
        await bob_log.wait_for(expiry_of(sent))
        theirs = await bob.messages.get("alice", sent)
        assert theirs is not None and theirs.expires_at is not None
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()
