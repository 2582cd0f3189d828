"""Note to Self (issue 23, item 8): a conversation with one's own account. What is written
there is kept on this device as sent (nothing waits for anyone) and reaches our other devices
as the transcript of a sent message, edits, reactions and deletes included; nothing goes to
a contact, and no typing or receipt is sent for it. Real relay, real stores, linked devices.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import new_client, wait_until
from test_linked_devices import link_device

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Direction, Message, MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def notes(client: ChatClient) -> list[Message]:
    return await client.messages.history(client.username, limit=50)


async def test_notes_stay_sent_here_and_follow_on_our_other_device(
    tmp_path: Path, relay: RelayServer
) -> None:
    a1 = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    a2: ChatClient | None = None
    try:
        # With no other device: kept here, sent at once, nothing queued for anyone.
        assert await a1.conversations.note_to_self() == "alice"
        alone = await a1.messages.send_text("alice", "buy milk")
        (note,) = await notes(a1)
        assert (note.id, note.direction, note.status) == (
            alone,
            Direction.OUTGOING,
            MessageStatus.SENT,
        )
        await a1.presence.set_typing("alice", True)  # nothing to send, no error

        a2 = await link_device(a1, tmp_path, relay.url, "alice2")
        second = await a1.messages.send_text("alice", "call the bank")

        async def on_a2(texts: list[str]) -> bool:
            assert a2 is not None
            return [m.body for m in await notes(a2)] == texts

        # The note from before the link came with the history; the next as a transcript.
        await wait_until(lambda: on_a2(["buy milk", "call the bank"]))
        assert a2 is not None
        shown = [m for m in await notes(a2) if m.id == second]
        assert shown and shown[0].direction is Direction.OUTGOING
        assert shown[0].sender == "alice"

        # An edit and a reaction follow; a note written on A2 reaches A1.
        await a1.messages.edit("alice", second, "call the bank at 9")
        await a1.messages.react("alice", second, "👍")

        async def followed() -> bool:
            assert a2 is not None
            message = await a2.messages.get("alice", second)
            return bool(message and message.body == "call the bank at 9" and message.reactions)

        await wait_until(followed)
        from_a2 = await a2.messages.send_text("alice", "written on the laptop")

        async def on_a1() -> bool:
            return from_a2 in [m.id for m in await notes(a1)]

        await wait_until(on_a1)
        # Bob never got any of it.
        assert await bob.messages.history("alice", limit=10) == []
        assert await a1.messages.history("bob", limit=10) == []
    finally:
        for client in (a1, bob, a2):
            if client is not None:
                await client.close()
