"""What linked devices cost a sender: 1,000 messages to a peer with 3 devices, plus a sync copy
to one own other device, against 1,000 to a peer with 1 device and no own other device.

Real ChatClients with their durable stores, the real relay in its own process (message and
sign-up rates lifted: the machinery is measured, not the policy). Devices are linked through
real link codes. Sessions are set up before the clock starts (a warm-up message each way).
Each figure is the time from the first send until the sender's outbox is empty (every
destination acked: the peer's devices and, in the multi-device run, the sync copy), measured
in the same run, so the ratio holds on a noisy machine. The receiving devices are offline
while the clock runs (the relay stores for them): they would otherwise decrypt in this same
process, and sending, not receiving, is what is measured.

Prints one JSON line: ``send_3_devices_vs_1_ratio`` (target ≤ 2.5) with both times.

Usage: ``python benchmarks/devices.py [--messages 1000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from relay import start_relay

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageReceived

PASSWORD = "Quiet-lantern-orbit-42"
TEXT = "a typical chat message of about sixty characters, give or take"


async def _client(work: Path, relay_url: str, name: str) -> ChatClient:
    client, _ = await ChatClient.create(
        work / name, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.connect()
    await client.wait_connected()
    return client


async def _link(existing: ChatClient, work: Path, relay_url: str, folder: str) -> ChatClient:
    pending = await ChatClient.begin_link(relay_url, folder)
    offer = asyncio.create_task(pending.wait_for_offer())
    await existing.devices.link(pending.code, transfer_history=False)
    await offer
    client, _ = await pending.accept(work / folder, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client


async def _outbox_empty(client: ChatClient) -> None:
    # Polling the store is the measurement: no event says "every destination acked".
    while await client.run_in_store(lambda: client.store.outbox.pending(1)):  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def _received(client: ChatClient, count: int) -> None:
    seen = 0
    async for event in client.events:
        if isinstance(event, MessageReceived):
            seen += 1
            if seen >= count:
                return


async def _timed_send(sender: ChatClient, peer: str, count: int) -> float:
    started = time.perf_counter()
    # Sends issued together are committed together (group commit), like a busy user or bot.
    await asyncio.gather(*(sender.messages.send_text(peer, TEXT) for _ in range(count)))
    await _outbox_empty(sender)
    return time.perf_counter() - started


async def _warm_up(sender: ChatClient, receivers: list[ChatClient], peer: str) -> None:
    """Sessions with every device, both ways, before the clock starts."""
    waits = [asyncio.create_task(_received(receiver, 1)) for receiver in receivers]
    await asyncio.sleep(0)
    await sender.messages.send_text(peer, "warm-up")
    await asyncio.gather(*waits)
    await _outbox_empty(sender)


async def run(relay_url: str, work: Path, count: int) -> dict[str, float]:
    alice = await _client(work, relay_url, "alice")
    bob = await _client(work, relay_url, "bob")
    carol = await _client(work, relay_url, "carol")
    carol2 = await _link(carol, work, relay_url, "carol2")
    dave = await _client(work, relay_url, "dave")
    dave2 = await _link(dave, work, relay_url, "dave2")
    dave3 = await _link(dave, work, relay_url, "dave3")
    clients = [alice, bob, carol, carol2, dave, dave2, dave3]
    try:
        await carol.devices.list()  # carol knows her other device before the clock starts
        await _warm_up(alice, [bob], "bob")
        await _warm_up(carol, [dave, dave2, dave3, carol2], "dave")
        # The receivers go offline: their decrypting would share this process and its CPU
        # with the sender; the relay stores for them as for any offline device.
        for receiver in (bob, carol2, dave, dave2, dave3):
            await receiver.close()
        one = await _timed_send(alice, "bob", count)
        many = await _timed_send(carol, "dave", count)
    finally:
        for client in clients:
            await client.close()
    return {"one": one, "many": many}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="devices-bench-") as folder:
        work = Path(folder)
        relay, relay_url = start_relay(work / "relay", work / "relay.log")
        try:
            times = asyncio.run(run(relay_url, work, args.messages))
        finally:
            relay.terminate()
            relay.wait(timeout=15)
    print(
        json.dumps(
            {
                "send_3_devices_vs_1_ratio": round(times["many"] / times["one"], 3),
                "send_3_devices_plus_sync_s": round(times["many"], 3),
                "send_1_device_s": round(times["one"], 3),
                "messages": args.messages,
            }
        )
    )


if __name__ == "__main__":
    main()
