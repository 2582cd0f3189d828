""" "Show when I'm online": kept in the encrypted settings, enforced by the relay."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import PASSWORD, EventLog, new_client

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import PresenceChanged

pytestmark = pytest.mark.integration


async def test_hiding_online_status_makes_the_relay_report_offline(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    bob_log = EventLog(bob)
    try:
        assert await alice.presence.show_online()
        await bob.presence.subscribe(["alice"])
        await bob_log.wait_for(
            lambda events: any(isinstance(e, PresenceChanged) and e.online for e in events)
        )

        await alice.presence.set_show_online(False)
        assert not await alice.presence.show_online()
        bob_log.events.clear()
        await bob.presence.subscribe(["alice"])
        await bob_log.wait_for(lambda events: any(isinstance(e, PresenceChanged) for e in events))
        seen = bob_log.of_type(PresenceChanged)[-1]
        assert seen.peer == "alice" and not seen.online and seen.last_seen is None

        # The choice survives unlocking again (the relay keeps it; the app re-sends it).
        await alice.close()
        alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
        await alice.connect()
        await alice.wait_connected()
        assert not await alice.presence.show_online()
        bob_log.events.clear()
        await bob.presence.subscribe(["alice"])
        await bob_log.wait_for(lambda events: any(isinstance(e, PresenceChanged) for e in events))
        assert not bob_log.of_type(PresenceChanged)[-1].online
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()
