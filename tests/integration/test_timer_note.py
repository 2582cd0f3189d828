"""Changing the disappearing timer leaves a note in the chat on both sides, which stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.storage.models import TIMER_NOTE_KIND, Message

pytestmark = pytest.mark.integration


def notes(history: list[Message]) -> list[Message]:
    return [message for message in history if message.kind == TIMER_NOTE_KIND]


async def test_a_timer_change_is_a_note_on_both_sides_never_unread_never_expiring(
    relay: RelayServer, tmp_path: Path
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await alice.send_text("bob", "hello")
        await alice.set_disappearing_timer("bob", 2)

        async def bob_has_the_note() -> bool:
            return bool(notes(await bob.history("alice", 10)))

        await wait_until(bob_has_the_note)
        (ours,) = notes(await alice.history("bob", 10))
        (theirs,) = notes(await bob.history("alice", 10))
        assert ours.id == theirs.id and ours.body == theirs.body == "2"
        assert ours.expire_timer == theirs.expire_timer == 0  # the note itself stays
        assert theirs.read_at is not None
        conversation = next(c for c in await bob.conversations() if c.id == "alice")
        assert conversation.unread_count == 1  # "hello" only, not the note
        assert conversation.expire_timer == 2
    finally:
        await alice.close()
        await bob.close()
