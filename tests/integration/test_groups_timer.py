"""A group's disappearing timer on a real relay with real stores (issue 21, crit. 5).

The timer is part of the group's state: an admin sets it, every member's conversation takes
it, and each message sent then disappears on the sender's device (from the relay's ack), on
each member's device (from its reading) and on the relay (an offline member never gets it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, new_client
from groups_helpers import group_texts, wait_for_state, wait_for_texts

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessagesExpired

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def expired(log: EventLog, group: str, message_id: str) -> bool:
    return any(
        event.peer == group and message_id in event.message_ids
        for event in log.of_type(MessagesExpired)
    )


async def test_a_group_timer_deletes_messages_on_every_device_and_on_the_relay(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice, bob, dave = [await new_client(tmp_path, relay.url, n) for n in ("alice", "bob", "dave")]
    clients = [alice, bob, dave]
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        group = await alice.groups.create("Secrets", ["bob", "dave"])
        await wait_for_state(clients, group, revision=1)
        await dave.close()  # offline: the relay keeps what comes for him

        await alice.groups.set_timer(group, 2)
        await wait_for_state([alice, bob], group, revision=2)
        vanishing = await alice.groups.send_text(group, "this one disappears")
        await wait_for_texts(bob, group, 1)
        (received,) = [m for m in await bob.groups.history(group) if m.kind == "text"]
        assert received.expire_timer == 2
        assert await bob.groups.mark_read(group, vanishing) == 1
        await bob_log.wait_for(lambda _: expired(bob_log, group, vanishing))
        await alice_log.wait_for(lambda _: expired(alice_log, group, vanishing))
        assert await group_texts(alice, group) == []
        assert await group_texts(bob, group) == []

        # Dave comes back after the message's end: he gets the timer, never the message.
        dave = await ChatClient.unlock(tmp_path / "dave", PASSWORD)
        clients[2] = dave
        await dave.connect()
        await dave.wait_connected()
        (state,) = await wait_for_state([dave], group, revision=2)
        assert state.timer_seconds == 2
        await alice.groups.send_text(group, "after dave is back")
        await wait_for_texts(dave, group, 1)
        assert await group_texts(dave, group) == ["after dave is back"]
    finally:
        alice_log.close()
        bob_log.close()
        for client in clients:
            await client.close()
