"""A connected call survives its network path dying: the caller restarts ICE (§14.5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from call_helpers import MediaShelf, end_of, ended, in_state, ringing
from engine_helpers import EventLog, acquaint, new_client, wait_until

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.events import CallStateChanged, ClientEvent

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def _connected_count(events: list[ClientEvent], call_id: str) -> int:
    return sum(
        1
        for e in events
        if isinstance(e, CallStateChanged)
        and e.info.call_id == call_id
        and e.info.state == "connected"
    )


async def test_a_dead_path_is_restarted_and_media_flows_again(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    alice_media, bob_media = MediaShelf(alice, 1000.0), MediaShelf(bob, 440.0)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        call_id = await alice.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(call_id))
        await bob.calls.accept(call_id, video=False)
        await alice_log.wait_for(in_state(call_id, "connected"))
        await bob_log.wait_for(in_state(call_id, "connected"))
        first = bob_media.last.audio
        assert first is not None

        # The network path dies under alice (her ICE transport stops, as when the
        # interface goes away). Test-only reach into the engine's peer connection.
        session = alice.calls._call.session  # type: ignore[union-attr]
        ice = session._pc.getTransceivers()[0].sender.transport.transport  # type: ignore[union-attr]
        await ice.stop()

        await alice_log.wait_for(lambda events: _connected_count(events, call_id) == 2, 60)
        await bob_log.wait_for(lambda events: _connected_count(events, call_id) == 2, 60)
        info = alice.calls.current()
        assert info is not None and info.state == "connected" and info.call_id == call_id

        # Sound flows again, on a new track, at the right pitch.
        async def fresh_audio() -> bool:
            audio = bob_media.last.audio
            return audio is not None and audio is not first and audio.frames >= 30

        await wait_until(fresh_audio)
        heard = bob_media.last.audio
        assert heard is not None and abs(heard.frequency() - 1000.0) <= 20.0

        await alice.calls.hang_up(call_id)
        await bob_log.wait_for(ended(call_id))
        assert end_of(bob_log, call_id).reason == "remote_hung_up"
        assert alice_media.last.closed and bob_media.last.closed
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()
