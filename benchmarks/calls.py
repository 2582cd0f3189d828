"""Call setup and audio latency on loopback, measured; prints one JSON line.

Figures (issue 24, acceptance 6):

- ``call_setup_ms``: median over ``--calls`` calls (20) of the time from ``accept`` on
  bob's side until media flows, i.e. both sides decoded their first audio frame from the
  other. Real clients on an in-process relay on 127.0.0.1, the signaling end-to-end
  encrypted through it (docs/protocol.md §14), synthetic media (a tone each way).
- ``bare_aiortc_setup_ms``: the same measure for two aiortc peer connections with the same
  sources exchanging their SDP directly in one process (from the callee taking the offer
  to first audio frames on both sides), median over as many runs, in the same run.
- ``call_setup_vs_bare_ratio``: the first over the second (target <= 1.5).
- ``audio_latency_ms``: median over ``--clicks`` clicks (10) in one connected call: a click
  put in alice's microphone until bob's side decodes it (Opus, RTP on loopback, aiortc's
  jitter buffer).

Run: ``.venv/bin/python benchmarks/calls.py [--calls 20] [--clicks 10]``. Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.call_media import CallMedia
from chat_desktop.services.call_session import CallSession
from chat_desktop.services.call_synthetic import SyntheticMedia
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallEnded, CallIncoming, ClientEvent

PASSWORD = "Quiet-lantern-orbit-42"
WAIT_S = 30.0


class _Shelf:
    """A client's synthetic media, keeping the last one made."""

    def __init__(self, client: ChatClient, frequency: float) -> None:
        self.last: SyntheticMedia | None = None
        self._frequency = frequency
        client.calls.media_factory = self.make

    def make(self, video: bool) -> CallMedia:
        self.last = SyntheticMedia(self._frequency, video)
        return self.last


async def _first_frame(media: SyntheticMedia | None) -> float:
    """When ``media`` decoded its first audio frame from the peer (``perf_counter``)."""
    assert media is not None
    async with asyncio.timeout(WAIT_S):
        await media.audio_arrived.wait()
        assert media.audio is not None
        await media.audio.first_frame.wait()
    assert media.audio.first_frame_at is not None
    return media.audio.first_frame_at


async def _next(
    queue: asyncio.Queue[ClientEvent], kind: type[CallIncoming | CallEnded], call_id: str
) -> None:
    async with asyncio.timeout(WAIT_S):
        while True:
            event = await queue.get()
            if isinstance(event, kind) and event.call_id == call_id:
                return


async def _client(root: Path, url: str, name: str) -> ChatClient:
    client, _ = await ChatClient.create(root / name, url, name, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client


async def _one_call(
    alice: ChatClient,
    bob: ChatClient,
    shelves: tuple[_Shelf, _Shelf],
    alice_events: asyncio.Queue[ClientEvent],
    bob_events: asyncio.Queue[ClientEvent],
) -> float:
    call_id = await alice.calls.start("bob", video=False)
    await _next(bob_events, CallIncoming, call_id)
    started = time.perf_counter()
    await bob.calls.accept(call_id, video=False)
    flowing = max(await _first_frame(shelves[0].last), await _first_frame(shelves[1].last))
    setup_ms = (flowing - started) * 1000
    await alice.calls.hang_up(call_id)
    await _next(alice_events, CallEnded, call_id)
    await _next(bob_events, CallEnded, call_id)
    return setup_ms


async def _bare_setup() -> float:
    """Two aiortc peer connections, SDP handed over directly."""
    caller_media, callee_media = SyntheticMedia(1000.0, False), SyntheticMedia(440.0, False)
    caller = CallSession(caller_media, False, [], lambda _state: None)
    callee = CallSession(callee_media, False, [], lambda _state: None)
    try:
        offer = await caller.offer(receive_video=False)
        started = time.perf_counter()
        answer = await callee.answer(offer)
        await caller.take_answer(answer)
        flowing = max(await _first_frame(caller_media), await _first_frame(callee_media))
        return (flowing - started) * 1000
    finally:
        await caller.close()
        await callee.close()
        await caller_media.close()
        await callee_media.close()


async def _latency(
    alice: ChatClient, bob: ChatClient, shelves: tuple[_Shelf, _Shelf], clicks: int
) -> float:
    bob_events = bob.events.subscribe()
    call_id = await alice.calls.start("bob", video=False)
    await _next(bob_events, CallIncoming, call_id)
    await bob.calls.accept(call_id, video=False)
    await _first_frame(shelves[0].last)
    await _first_frame(shelves[1].last)
    sent, heard = shelves[0].last, shelves[1].last
    assert sent is not None and heard is not None
    assert sent.tone is not None and heard.audio is not None
    await asyncio.sleep(1.0)  # past the start: the jitter buffer settled
    latencies = []
    for _ in range(clicks):
        heard.audio.arm_click()
        sent.tone.click()
        async with asyncio.timeout(WAIT_S):
            await heard.audio.click_heard.wait()
        assert heard.audio.click_heard_at is not None and sent.tone.clicked_at is not None
        latencies.append((heard.audio.click_heard_at - sent.tone.clicked_at) * 1000)
        await asyncio.sleep(0.3)
    await alice.calls.hang_up(call_id)
    bob.events.unsubscribe(bob_events)
    return statistics.median(latencies)


async def run_benchmark(calls: int, clicks: int) -> dict[str, object]:
    """Measures everything on a fresh relay and two fresh accounts; the figures."""
    with tempfile.TemporaryDirectory(prefix="calls-bench-") as folder:
        root = Path(folder)
        relay = RelayServer(RelayConfig(data_dir=root / "relay", port=0))
        await relay.start()
        alice = await _client(root, relay.url, "alice")
        bob = await _client(root, relay.url, "bob")
        try:
            await alice.conversations.start("bob")
            await bob.conversations.start("alice")
            shelves = (_Shelf(alice, 1000.0), _Shelf(bob, 440.0))
            alice_events, bob_events = alice.events.subscribe(), bob.events.subscribe()
            await _one_call(alice, bob, shelves, alice_events, bob_events)  # warm-up
            setups, bares = [], []
            for _ in range(calls):
                setups.append(await _one_call(alice, bob, shelves, alice_events, bob_events))
                bares.append(await _bare_setup())
            latency = await _latency(alice, bob, shelves, clicks)
        finally:
            await alice.close()
            await bob.close()
            await relay.stop()
    setup, bare = statistics.median(setups), statistics.median(bares)
    return {
        "call_setup_ms": round(setup, 1),
        "bare_aiortc_setup_ms": round(bare, 1),
        "call_setup_vs_bare_ratio": round(setup / bare, 2),
        "audio_latency_ms": round(latency, 1),
        "calls": calls,
        "clicks": clicks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=10)
    arguments = parser.parse_args()
    figures = asyncio.run(run_benchmark(arguments.calls, arguments.clicks))
    print(json.dumps(figures), file=sys.stdout)


if __name__ == "__main__":
    main()
