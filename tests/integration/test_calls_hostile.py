"""Calls against a hostile relay, network or contact (docs/protocol.md §14).

The relay sees no SDP, candidate or fingerprint; a fingerprint changed on the way makes the
call fail instead of connecting; an answer from elsewhere is ignored; a paused contact's
call is refused and recorded, a stranger's is not even noticed; no device: a clear error.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from aiortc.mediastreams import MediaStreamTrack
from call_helpers import MediaShelf, end_of, ended, in_state, ringing
from engine_helpers import EventLog, acquaint, new_client, wait_until
from relay_harness import RelayProcess
from test_engine_trust import reinstall

from chat_desktop.protocol.message_content import (
    CallAnswerContent,
    CallCandidate,
    CallHangupContent,
    CallIceContent,
    Content,
)
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.call_errors import CallNotAllowed
from chat_desktop.services.call_media import CallDeviceError, CallMedia
from chat_desktop.services.call_synthetic import SyntheticMedia
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallIncoming, CallStateChanged, IdentityKeyChanged
from chat_desktop.storage.models import CALL_NOTE_KIND

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

_FINGERPRINT = re.compile(r"^(a=fingerprint:\S+ )([0-9A-F:]+)(\r?)$", re.MULTILINE)


def _tamper(sdp: str) -> str:
    """A hostile network's change: every fingerprint's last byte flipped."""

    def flip(match: re.Match[str]) -> str:
        digest = match.group(2)
        last = f"{int(digest[-2:], 16) ^ 0xFF:02X}"
        return match.group(1) + digest[:-2] + last + match.group(3)

    changed = _FINGERPRINT.sub(flip, sdp)
    assert changed != sdp
    return changed


def _ever_connected(log: EventLog, call_id: str) -> bool:
    return any(
        isinstance(e, CallStateChanged)
        and e.info.call_id == call_id
        and e.info.state == "connected"
        for e in log.events
    )


async def _notes(client: ChatClient, peer: str) -> list[dict[str, object]]:
    messages = await client.messages.history(peer)
    return [json.loads(m.body or "") for m in messages if m.kind == CALL_NOTE_KIND]


async def test_the_relay_sees_no_sdp_and_a_changed_fingerprint_fails_the_call(
    tmp_path: Path, relay_process: RelayProcess
) -> None:
    alice = await new_client(tmp_path, relay_process.url, "alice")
    bob = await new_client(tmp_path, relay_process.url, "bob")
    await acquaint(alice, bob)
    alice_media, bob_media = MediaShelf(alice, 1000.0), MediaShelf(bob, 440.0)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        # A good call, all the way to media.
        call_id = await alice.calls.start("bob", video=True)
        await bob_log.wait_for(ringing(call_id))
        await bob.calls.accept(call_id, video=True)
        await alice_log.wait_for(in_state(call_id, "connected"))
        await bob_media.last.audio_arrived.wait()
        await alice.calls.hang_up(call_id)
        await bob_log.wait_for(ended(call_id))

        # The network changes the fingerprints on their way (a man in the middle would
        # change both): DTLS fails on both sides, the call never connects.
        bob.calls.remote_sdp_hook = _tamper
        alice.calls.remote_sdp_hook = _tamper
        tampered = await alice.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(tampered))
        await bob.calls.accept(tampered, video=False)
        await bob_log.wait_for(ended(tampered), timeout=60)
        await alice_log.wait_for(ended(tampered), timeout=60)
        assert end_of(bob_log, tampered).reason == "failed"
        assert end_of(alice_log, tampered).reason == "failed"
        assert not _ever_connected(bob_log, tampered)
        assert not _ever_connected(alice_log, tampered)
        assert all(media.closed for media in alice_media.made + bob_media.made)
    finally:
        alice_log.close()
        bob_log.close()
        await alice.close()
        await bob.close()
    relay_process.stop()

    # Nothing of the SDP reached the relay's log or its database.
    stored = relay_process.log_path.read_bytes()
    for path in relay_process.data_dir.rglob("*"):
        if path.is_file():
            stored += path.read_bytes()
    for marker in (b"a=fingerprint", b"candidate", b"v=0\r\n", b"a=ice-ufrag"):
        assert marker not in stored


async def test_an_answer_from_another_contact_or_call_is_ignored(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    carol = await new_client(tmp_path, relay.url, "carol")
    await acquaint(alice, bob, carol)
    MediaShelf(alice, 1000.0)
    MediaShelf(bob, 440.0)
    alice_log, bob_log = EventLog(alice), EventLog(bob)
    try:
        call_id = await alice.calls.start("bob", video=False)
        await bob_log.wait_for(ringing(call_id))

        # Carol (who somehow learned the call id) answers instead of bob; then an answer
        # for another call: both ignored, the call still rings bob.
        fake_sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

        def answer(for_call: str) -> object:
            def make(message_id: str, sent_at: int, _timer: int) -> Content:
                return CallAnswerContent(
                    id=message_id, sent_at=sent_at, call_id=for_call, sdp=fake_sdp
                )

            return make

        await carol.messages.queue_content("alice", answer(call_id), kind=None)  # type: ignore[arg-type]
        await bob.messages.queue_content("alice", answer("ab" * 16), kind=None)  # type: ignore[arg-type]
        # A text after them from each: once it is here, so are the answers (order kept).
        await carol.messages.send_text("alice", "after carol's answer")
        await bob.messages.send_text("alice", "after bob's fake answer")
        await wait_until(lambda: _has_text(alice, "carol", "after carol's answer"))
        await wait_until(lambda: _has_text(alice, "bob", "after bob's fake answer"))
        current = alice.calls.current()
        assert current is not None and current.call_id == call_id
        assert current.state == "ringing"

        await bob.calls.accept(call_id, video=False)
        await alice_log.wait_for(in_state(call_id, "connected"))

        # In the call: carol hangs it up, bob's device sends junk candidates. Ignored.
        def hangup(message_id: str, sent_at: int, _timer: int) -> Content:
            return CallHangupContent(
                id=message_id, sent_at=sent_at, call_id=call_id, reason="hung_up"
            )

        def junk_ice(message_id: str, sent_at: int, _timer: int) -> Content:
            junk = [
                CallCandidate(mid="0", candidate="candidate:x"),
                CallCandidate(mid="9", candidate="candidate:1 1 udp 1 300.1.1.1 9 typ host"),
            ]
            return CallIceContent(id=message_id, sent_at=sent_at, call_id=call_id, candidates=junk)

        await carol.messages.queue_content("alice", hangup, kind=None)
        await bob.messages.queue_content("alice", junk_ice, kind=None)
        await carol.messages.send_text("alice", "after carol's hangup")
        await bob.messages.send_text("alice", "after bob's junk")
        await wait_until(lambda: _has_text(alice, "carol", "after carol's hangup"))
        await wait_until(lambda: _has_text(alice, "bob", "after bob's junk"))
        current = alice.calls.current()
        assert current is not None and current.state == "connected"

        await bob.calls.hang_up(call_id)
        await alice_log.wait_for(ended(call_id))
    finally:
        alice_log.close()
        bob_log.close()
        for client in (alice, bob, carol):
            await client.close()


async def test_a_paused_contact_is_refused_and_a_stranger_is_not_heard(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    mallory = await new_client(tmp_path, relay.url, "mallory")
    await acquaint(alice, bob)
    await mallory.conversations.start("alice")  # alice never accepted mallory
    alice_log = EventLog(alice)
    try:
        MediaShelf(alice, 1000.0)
        with pytest.raises(CallNotAllowed):
            await alice.calls.start("mallory", video=False)  # a stranger to alice
        with pytest.raises(CallNotAllowed):
            await alice.calls.start("alice", video=False)  # Note to Self

        # A stranger's call: not a ring, not a note.
        MediaShelf(mallory, 700.0)
        mallory.calls.ring_timeout_s = 2.0
        mallory_log = EventLog(mallory)
        stranger_call = await mallory.calls.start("alice", video=False)
        await mallory_log.wait_for(ended(stranger_call))
        assert end_of(mallory_log, stranger_call).reason == "timeout"
        mallory_log.close()
        assert not alice_log.of_type(CallIncoming)
        assert await _notes_of(alice, "mallory") == []

        # Alice verified bob; bob reinstalls (new key): his calls are refused and noted.
        await alice.trust.mark_verified("bob")
        bob = await reinstall(bob, tmp_path, relay)
        await bob.conversations.start("alice")
        MediaShelf(bob, 440.0)
        bob.calls.ring_timeout_s = 2.0
        bob_log = EventLog(bob)
        paused_call = await bob.calls.start("alice", video=True)
        await alice_log.wait_for(
            lambda events: any(isinstance(e, IdentityKeyChanged) for e in events)
        )
        await bob_log.wait_for(ended(paused_call))
        bob_log.close()
        await wait_until(lambda: _has_refused(alice))
        assert not alice_log.of_type(CallIncoming)
        assert alice.calls.current() is None
        (note,) = await _notes(alice, "bob")
        assert note == {"outgoing": False, "video": True, "outcome": "refused", "duration_s": 0}
        with pytest.raises(CallNotAllowed):
            await alice.calls.start("bob", video=False)  # paused: no call out either
    finally:
        alice_log.close()
        for client in (alice, bob, mallory):
            await client.close()


async def test_no_device_says_so_and_leaves_nothing_behind(
    tmp_path: Path, relay: RelayServer
) -> None:
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    try:
        with pytest.raises(CallDeviceError) as missing:
            await alice.calls.start("bob", video=False)  # no media factory: no devices
        assert missing.value.kind == "microphone" and missing.value.reason == "missing"
        assert str(missing.value) == "No microphone found"
        assert alice.calls.current() is None

        made: list[SyntheticMedia] = []

        class NoCamera(SyntheticMedia):
            def video_source(self) -> MediaStreamTrack:
                raise CallDeviceError("camera", "missing")

        def factory(video: bool) -> CallMedia:
            media = NoCamera(1000.0, video)
            made.append(media)
            return media

        alice.calls.media_factory = factory
        with pytest.raises(CallDeviceError) as no_camera:
            await alice.calls.start("bob", video=True)
        assert str(no_camera.value) == "No camera found"
        assert alice.calls.current() is None and made[0].closed
        # A voice call still works without a camera.
        call_id = await alice.calls.start("bob", video=False)
        await alice.calls.hang_up(call_id)
        assert made[-1].closed
        await asyncio.sleep(0)
    finally:
        await alice.close()
        await bob.close()


async def _has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer))


async def _notes_of(client: ChatClient, peer: str) -> list[dict[str, object]]:
    conversations = await client.conversations.list()
    if not any(c.id == peer for c in conversations):
        return []
    return await _notes(client, peer)


async def _has_refused(client: ChatClient) -> bool:
    return any(n["outcome"] == "refused" for n in await _notes(client, "bob"))
