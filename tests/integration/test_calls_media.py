"""1:1 calls carry sound and pictures both ways, peer to peer, and free everything at the end.

Real relay, real clients, synthetic media (docs/protocol.md §14): a 1 kHz tone from alice
is measured at bob's, 440 Hz the other way, and numbered frames arrive in order.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from call_helpers import MediaShelf, end_of, ended, in_state, ringing
from engine_helpers import EventLog, acquaint, new_client

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.call_synthetic import SyntheticMedia
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallStateChanged
from chat_desktop.storage.models import CALL_NOTE_KIND

pytestmark = pytest.mark.integration


async def _enough(media: SyntheticMedia, frames: int, video: bool) -> None:
    async with asyncio.timeout(30):
        while (
            media.audio is None
            or media.audio.frames < frames
            or (video and (media.video is None or len(media.video.counters) < 10))
        ):
            await asyncio.sleep(0.05)


async def _call_notes(client: ChatClient, peer: str) -> list[dict[str, object]]:
    messages = await client.messages.history(peer)
    return [json.loads(m.body or "") for m in messages if m.kind == CALL_NOTE_KIND]


async def test_a_video_call_carries_tones_and_frames_both_ways_and_hangs_up(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    alice_media, bob_media = MediaShelf(alice, 1000.0), MediaShelf(bob, 440.0)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        call_id = await alice.calls.start("bob", video=True)
        info = alice.calls.current()
        assert info is not None and info.state == "ringing" and info.outgoing
        await bob_log.wait_for(ringing(call_id))
        await bob.calls.accept(call_id, video=True)
        await alice_log.wait_for(in_state(call_id, "connected"))
        await bob_log.wait_for(in_state(call_id, "connected"))

        # 1 kHz measured at bob's within 2 %, 440 Hz at alice's; frames in order.
        await _enough(bob_media.last, 60, video=True)
        await _enough(alice_media.last, 60, video=True)
        bob_heard = bob_media.last.audio
        alice_heard = alice_media.last.audio
        assert bob_heard is not None and alice_heard is not None
        assert abs(bob_heard.frequency() - 1000.0) <= 20.0
        assert abs(alice_heard.frequency() - 440.0) <= 8.8
        for media in (alice_media.last, bob_media.last):
            assert media.video is not None
            counters = media.video.counters
            assert counters == sorted(counters) and len(set(counters)) == len(counters)

        # Mute: the state says so.
        await alice.calls.set_muted(call_id, True)
        await alice_log.wait_for(
            lambda events: any(isinstance(e, CallStateChanged) and e.info.muted for e in events)
        )

        await alice.calls.hang_up(call_id)
        await bob_log.wait_for(ended(call_id))
        assert end_of(alice_log, call_id).reason == "hung_up"
        assert end_of(bob_log, call_id).reason == "remote_hung_up"
        assert alice.calls.current() is None and bob.calls.current() is None
        assert alice_media.last.closed and bob_media.last.closed
        (alice_note,) = await _call_notes(alice, "bob")
        (bob_note,) = await _call_notes(bob, "alice")
        assert alice_note["outcome"] == "completed" and alice_note["outgoing"] is True
        assert bob_note["outcome"] == "completed" and bob_note["outgoing"] is False
        assert alice_note["video"] is True
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()
