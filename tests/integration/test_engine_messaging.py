"""The messaging engine end to end: two ChatClients, the real relay, real SQLCipher stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import (
    PASSWORD,
    EventLog,
    acquaint,
    all_outgoing_have_status,
    new_client,
    wait_until,
)

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageReceived, StatusChanged, TypingChanged
from chat_desktop.storage.models import MessageStatus

pytestmark = pytest.mark.integration


async def test_text_both_ways_with_receipts_and_typing(tmp_path: Path, relay: RelayServer) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        first = await alice.messages.send_text("bob", "hello bob")
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == first for e in events
            )
        )
        received = bob_log.of_type(MessageReceived)[0]
        assert (received.peer, received.text) == ("alice", "hello bob")

        # Bob's device stored it and sent a delivery receipt: Alice sees ✓✓.
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == first and e.status == "delivered"
                for e in events
            )
        )

        reply = await bob.messages.send_text("alice", "hi alice")
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, MessageReceived) and e.message_id == reply for e in events
            )
        )

        assert await bob.conversations.mark_read("alice", first) == 1
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == first and e.status == "read"
                for e in events
            )
        )
        mine = await alice.messages.get("bob", first)
        assert mine is not None and mine.status is MessageStatus.READ

        await alice.presence.set_typing("bob", True)
        await bob_log.wait_for(
            lambda events: any(
                isinstance(e, TypingChanged) and e.peer == "alice" and e.typing for e in events
            )
        )

        alice_history = [m.body for m in await alice.messages.history("bob")]
        bob_history = [m.body for m in await bob.messages.history("alice")]
        assert alice_history == bob_history == ["hello bob", "hi alice"]
        assert [m.id for m in await bob.messages.search("hello")] == [first]
        assert [c.id for c in await alice.conversations.list()] == ["bob"]
        assert await alice.messages.count("bob") == 2
        assert [m.id for m in await alice.messages.history_after("bob", first)] == [reply]
        assert [m.id for m in await alice.messages.history("bob", before_id=reply)] == [first]
        assert [m.id for m in await alice.messages.history_around("bob", first, 3)] == [
            first,
            reply,
        ]
        assert await alice.trust.safety_number("bob") == await bob.trust.safety_number("alice")
        assert await alice.preferences.crash_reports() is False  # off until the user opts in
        await alice.preferences.set_crash_reports(True)
        assert await alice.preferences.crash_reports() is True
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()


async def test_offline_recipient_gets_100_messages_in_order_once(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await bob.close()  # Bob goes offline (his profile stays)
    ids = [await alice.messages.send_text("bob", f"message {n}") for n in range(100)]
    await wait_until(lambda: all_outgoing_have_status(alice, "bob", MessageStatus.SENT, 100))

    bob = await ChatClient.unlock(tmp_path / "bob", PASSWORD)
    bob_log = EventLog(bob)
    await bob.connect()
    try:
        await bob_log.wait_for(
            lambda events: len([e for e in events if isinstance(e, MessageReceived)]) >= 100
        )
        received = bob_log.of_type(MessageReceived)
        assert sorted(e.message_id for e in received) == sorted(ids)  # each exactly once
        history = await bob.messages.history("alice", limit=200)
        assert [m.body for m in history] == [f"message {n}" for n in range(100)]
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()
