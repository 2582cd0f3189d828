"""Who rings and how a call ends: every device of the callee, decline, busy, time out.

Real relay, real clients (bob with two devices), synthetic media (docs/protocol.md §14).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from call_helpers import MediaShelf, end_of, ended, in_state, ringing
from engine_helpers import EventLog, acquaint, new_client, wait_until
from test_linked_devices import link_device

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.call_errors import CallBusy, UnknownCall
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallIncoming
from chat_desktop.storage.models import CALL_NOTE_KIND

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def _notes(client: ChatClient, peer: str) -> list[dict[str, object]]:
    messages = await client.messages.history(peer)
    return [json.loads(m.body or "") for m in messages if m.kind == CALL_NOTE_KIND]


async def _has_notes(client: ChatClient, peer: str, count: int) -> bool:
    return len(await _notes(client, peer)) == count


async def test_every_device_rings_and_the_first_to_answer_takes_the_call(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    b1 = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, b1)
    b2 = await link_device(b1, tmp_path, relay.url, "bob2", "Bob's laptop")
    await wait_until(lambda: _accepted(b2, "alice"))
    shelves = [MediaShelf(alice, 1000.0), MediaShelf(b1, 440.0), MediaShelf(b2, 440.0)]
    alice_log, b1_log, b2_log = EventLog(alice), EventLog(b1), EventLog(b2)
    try:
        call_id = await alice.calls.start("bob", video=False)
        await b1_log.wait_for(ringing(call_id))
        await b2_log.wait_for(ringing(call_id))

        await b1.calls.accept(call_id, video=False)
        await b2_log.wait_for(ended(call_id))
        assert end_of(b2_log, call_id).reason == "answered_elsewhere"
        assert b2.calls.current() is None
        await alice_log.wait_for(in_state(call_id, "connected"))
        await b1_log.wait_for(in_state(call_id, "connected"))
        # B2 can no longer take it.
        with pytest.raises(UnknownCall):
            await b2.calls.accept(call_id, video=False)

        await b1.calls.hang_up(call_id)
        await alice_log.wait_for(ended(call_id))
        assert end_of(alice_log, call_id).reason == "remote_hung_up"
        assert shelves[0].last.closed and shelves[1].last.closed
        assert not shelves[2].made  # B2 never opened a device
        # The device that answered keeps the entry; the other writes none.
        assert [n["outcome"] for n in await _notes(b1, "alice")] == ["completed"]
        assert await _notes(b2, "alice") == []
        assert [n["outcome"] for n in await _notes(alice, "bob")] == ["completed"]

        # B2 declines while both ring: the call ends everywhere, B1 keeps no entry.
        declined = await alice.calls.start("bob", video=True)
        await b1_log.wait_for(ringing(declined))
        await b2_log.wait_for(ringing(declined))
        await b2.calls.decline(declined)
        await alice_log.wait_for(ended(declined))
        await b1_log.wait_for(ended(declined))
        assert end_of(alice_log, declined).reason == "declined"
        assert end_of(b1_log, declined).reason == "answered_elsewhere"
        assert [n["outcome"] for n in await _notes(b2, "alice")] == ["declined"]
        assert [n["outcome"] for n in await _notes(b1, "alice")] == ["completed"]
        assert [n["outcome"] for n in await _notes(alice, "bob")] == ["completed", "declined"]
        assert all(media.closed for shelf in shelves for media in shelf.made)
    finally:
        for log in (alice_log, b1_log, b2_log):
            log.close()
        for client in (alice, b1, b2):
            await client.close()


async def test_decline_busy_and_timeout_end_cleanly_on_both_sides(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    await acquaint(alice, bob, carol)
    alice_media, bob_media, _carol_media = (
        MediaShelf(alice, 1000.0),
        MediaShelf(bob, 440.0),
        MediaShelf(carol, 700.0),
    )
    alice_log, bob_log, carol_log = EventLog(alice), EventLog(bob), EventLog(carol)
    try:
        # Declined.
        call_id = await alice.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(call_id))
        await bob.calls.decline(call_id)
        await alice_log.wait_for(ended(call_id))
        assert end_of(alice_log, call_id).reason == "declined"
        assert end_of(bob_log, call_id).reason == "declined"
        assert alice_media.last.closed
        await wait_until(lambda: _has_notes(alice, "bob", 1))
        assert (await _notes(alice, "bob"))[-1]["outcome"] == "declined"
        assert (await _notes(bob, "alice"))[-1]["outcome"] == "declined"

        # Busy: bob is in a call with carol; alice's call is refused busy.
        with_carol = await carol.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(with_carol))
        await bob.calls.accept(with_carol, video=False)
        await carol_log.wait_for(in_state(with_carol, "connected"))
        busy_call = await alice.calls.start("bob", video=False)
        await alice_log.wait_for(ended(busy_call))
        assert end_of(alice_log, busy_call).reason == "busy"
        assert not [e for e in bob_log.of_type(CallIncoming) if e.call_id == busy_call]
        current = bob.calls.current()
        assert current is not None and current.call_id == with_carol
        assert current.state == "connected"  # the call going on is untouched
        with pytest.raises(CallBusy):
            await bob.calls.start("alice", video=False)
        assert (await _notes(alice, "bob"))[-1]["outcome"] == "busy"
        await carol.calls.hang_up(with_carol)
        await bob_log.wait_for(ended(with_carol))

        # Nobody answers: both sides time out (shortened ring time).
        alice.calls.ring_timeout_s = 1.5
        bob.calls.ring_timeout_s = 30.0  # bob's side ends on the caller's "timeout"
        unanswered = await alice.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(unanswered))
        await alice_log.wait_for(ended(unanswered))
        await bob_log.wait_for(ended(unanswered))
        assert end_of(alice_log, unanswered).reason == "timeout"
        assert end_of(bob_log, unanswered).reason == "timeout"
        assert (await _notes(alice, "bob"))[-1] == {
            "outgoing": True,
            "video": False,
            "outcome": "missed",
            "duration_s": 0,
        }
        await wait_until(lambda: _last_outcome_is(bob, "alice", "missed"))
        assert bob.calls.current() is None and alice.calls.current() is None
        assert all(media.closed for media in alice_media.made)
        assert all(media.closed for media in bob_media.made)
    finally:
        for log in (alice_log, bob_log, carol_log):
            log.close()
        for client in (alice, bob, carol):
            await client.close()


async def _accepted(client: ChatClient, peer: str) -> bool:
    conversations = await client.conversations.list()
    return any(c.id == peer for c in conversations) and not await client.conversations.is_request(
        peer
    )


async def _last_outcome_is(client: ChatClient, peer: str, outcome: str) -> bool:
    notes = await _notes(client, peer)
    return bool(notes) and notes[-1]["outcome"] == outcome
