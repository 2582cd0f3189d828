"""Restoring a snapshot never reuses ratchet state, and the conversation heals afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, new_client, wait_until
from profile_damage import damage_database

from chat_desktop.crypto.wire import NORMAL_MESSAGE_TYPE, PREKEY_MESSAGE_TYPE
from chat_desktop.protocol import events as wire_events
from chat_desktop.protocol.schemas import MessageSend, MessageSendAck
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.context import RelayContext
from chat_desktop.relay.dispatch import register_event
from chat_desktop.relay.handlers import message
from chat_desktop.relay.sessions import ConnectedDevice
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageRecovered
from chat_desktop.storage.errors import DatabaseCorrupt

pytestmark = pytest.mark.integration


class SendLog:
    """Records the first byte (message type) of every body a user sends through the relay."""

    def __init__(self, relay: RelayServer) -> None:
        self.types: list[tuple[str, str, int]] = []
        register_event(relay.context, wire_events.MESSAGE_SEND, MessageSend, self._send)

    async def _send(
        self, context: RelayContext, device: ConnectedDevice, request: MessageSend
    ) -> MessageSendAck:
        for payload in request.payloads:
            self.types.append((device.user, request.to, payload.body[0]))
        return await message.send(context, device, request)


async def texts(client: ChatClient, peer: str) -> list[str]:
    return [
        m.body or "" for m in await client.messages.history(peer, limit=100) if m.sender == peer
    ]


async def test_after_a_restore_new_sessions_start_and_lost_messages_come_back(
    tmp_path: Path, relay: RelayServer
) -> None:
    sends = SendLog(relay)
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    try:
        await alice.messages.send_text("bob", "one")
        await wait_until(lambda: _has(bob, "alice", "one"))
        await bob.messages.send_text("alice", "two")
        await wait_until(lambda: _has(alice, "bob", "two"))
        # Alice's snapshot remembers the sessions as they are now...
        report = await alice.run_in_store(
            lambda: alice.store.run_housekeeping(snapshot_interval_ms=0)
        )
        assert report.snapshot is not None
        # ...and the conversation moves on past it.
        for text in ("three", "four"):
            await alice.messages.send_text("bob", text)
        await wait_until(lambda: _has(bob, "alice", "four"))

        await alice.close()
        damage_database(tmp_path / "alice" / "store.db")
        reopened = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        with pytest.raises(DatabaseCorrupt) as corrupt:
            await reopened.housekeeping()
        assert corrupt.value.snapshots
        alice = await reopened.restore_snapshot(corrupt.value.snapshots[0])
        alice_log = EventLog(alice)
        await alice.connect()
        await alice.wait_connected()
        before = len(sends.types)

        # Bob still writes on the session Alice no longer has: she asks, he resends.
        lost = await bob.messages.send_text("alice", "five")
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, MessageRecovered) and e.message_id == lost for e in events
            )
        )
        recovered = await alice.messages.get("bob", lost)
        assert recovered is not None and recovered.body == "five"
        # What Alice sent after the restore went on a fresh session (a PreKey message),
        # never on the snapshot's old chain.
        alice_sent = [t for user, to, t in sends.types[before:] if user == "alice" and to == "bob"]
        assert alice_sent and alice_sent[0] == PREKEY_MESSAGE_TYPE

        await alice.messages.send_text("bob", "after the restore")
        await bob.messages.send_text("alice", "six")
        await wait_until(lambda: _has(bob, "alice", "after the restore"))
        await wait_until(lambda: _has(alice, "bob", "six"))
        assert NORMAL_MESSAGE_TYPE in [t for user, _to, t in sends.types[before:] if user == "bob"]
        alice_log.close()
    finally:
        await alice.close()
        await bob.close()


async def _has(client: ChatClient, peer: str, text: str) -> bool:
    return text in await texts(client, peer)
