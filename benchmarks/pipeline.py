"""End-to-end messaging throughput: Alice's ChatClient → real relay → Bob's ChatClient.

Both clients run their real durable stores (SQLCipher, synchronous=FULL); the relay is the real
relay in its own process with the per-account message rate lifted (the benchmark measures the
machinery, not the policy). Measured in the same run, as the stages the pipeline is built from:

- ratchet only: encode + encrypt + decrypt + decode of the same text content, in memory;
- relay only: one raw Socket.IO sender → relay → receiver pair, send/ack windows of 64.

Prints JSON lines: ``pipeline_msgs_per_s`` with ``pipeline_vs_slowest_stage_ratio`` (target
≥ 0.4), and ``drain_vs_steady_ratio``: the rate at which 10,000 messages queued while offline
are sent after connecting, relative to sending 10,000 while connected (target ≥ 0.8).

Usage: ``python benchmarks/pipeline.py [--messages 2000] [--drain 10000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from relay import run_pairs, start_relay

from chat_desktop.crypto.identity import IdentityKeyPair
from chat_desktop.crypto.prekeys import OneTimePreKey, PqPreKey, SignedPreKey
from chat_desktop.crypto.session import Session
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.crypto.x3dh import PreKeyBundle
from chat_desktop.protocol.message_content import TextContent, decode_content, encode_content
from chat_desktop.services.client import ChatClient
from chat_desktop.services.context import new_message_id
from chat_desktop.services.events import MessageReceived, StatusChanged

PASSWORD = "Quiet-lantern-orbit-42"
TEXT = "a typical chat message of about sixty characters, give or take"


def ratchet_only(count: int) -> float:
    """Messages per second through content encoding and the Double Ratchet alone."""
    alice, bob = IdentityKeyPair.generate(), IdentityKeyPair.generate()
    signed = SignedPreKey.generate(bob, 1)
    one_time = OneTimePreKey.generate(2)
    pq = PqPreKey.generate(bob, 3)
    bundle = PreKeyBundle(
        identity_key=bob.public_key,
        signed_prekey_id=1,
        signed_prekey=signed.public_key,
        signed_prekey_signature=signed.signature,
        pq_prekey_id=3,
        pq_prekey=pq.public_key,
        pq_prekey_signature=pq.signature,
        one_time_prekey_id=2,
        one_time_prekey=one_time.public_key,
    )
    sending = Session.initiate(alice, bundle)
    first = encode_content(TextContent(id=new_message_id(), sent_at=0, text=TEXT))
    receiving, _ = Session.respond(bob, sending.encrypt(first), signed, one_time, pq)
    started = time.perf_counter()
    for _ in range(count):
        content = TextContent(id=new_message_id(), sent_at=0, text=TEXT)
        decode_content(receiving.decrypt(sending.encrypt(encode_content(content))))
    return count / (time.perf_counter() - started)


async def count_events(client: ChatClient, kind: type, status: str | None, target: int) -> None:
    """Waits until ``client`` published ``target`` events of ``kind`` (and ``status``)."""
    seen = 0
    async for event in client.events:
        if isinstance(event, kind) and (status is None or getattr(event, "status", None) == status):
            seen += 1
            if seen >= target:
                return


async def pipeline(relay_url: str, work: Path, count: int, drain: int) -> dict[str, float]:
    alice, _ = await ChatClient.create(
        work / "alice", relay_url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    bob, _ = await ChatClient.create(
        work / "bob", relay_url, "bob", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    for client in (alice, bob):
        await client.connect()
        await client.wait_connected()
    await alice.messages.send_text("bob", "warm-up")  # session set-up is not part of the figure
    await count_events(bob, MessageReceived, None, 1)

    received = asyncio.create_task(count_events(bob, MessageReceived, None, count))
    await asyncio.sleep(0)
    started = time.perf_counter()
    # Sends issued together are committed together (group commit), like a busy user or bot.
    await asyncio.gather(*(alice.messages.send_text("bob", TEXT) for _ in range(count)))
    await received
    pipeline_rate = count / (time.perf_counter() - started)

    sent = asyncio.create_task(count_events(alice, StatusChanged, "sent", drain))
    await asyncio.sleep(0)
    started = time.perf_counter()
    await asyncio.gather(*(alice.messages.send_text("bob", TEXT) for _ in range(drain)))
    await sent
    steady_rate = drain / (time.perf_counter() - started)

    await alice.close()
    alice = await ChatClient.unlock(work / "alice", PASSWORD)
    # Offline: these only queue.
    await asyncio.gather(*(alice.messages.send_text("bob", TEXT) for _ in range(drain)))
    sent = asyncio.create_task(count_events(alice, StatusChanged, "sent", drain))
    await asyncio.sleep(0)
    started = time.perf_counter()
    await alice.connect()
    await sent
    drain_rate = drain / (time.perf_counter() - started)
    await alice.close()
    await bob.close()
    return {"pipeline": pipeline_rate, "steady": steady_rate, "drain": drain_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--drain", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as folder:
        work = Path(folder)
        relay, relay_url = start_relay(work / "relay", work / "relay.log")
        try:
            ratchet_rate = ratchet_only(args.messages)
            relay_rate, _ = asyncio.run(
                run_pairs(relay_url, 1, args.messages, 64, authed=True, tag="stage")
            )
            rates = asyncio.run(pipeline(relay_url, work, args.messages, args.drain))
        finally:
            relay.terminate()
            relay.wait(timeout=15)
    slowest = min(ratchet_rate, relay_rate)
    print(
        json.dumps(
            {
                "pipeline_msgs_per_s": round(rates["pipeline"], 1),
                "ratchet_only_msgs_per_s": round(ratchet_rate, 1),
                "relay_only_msgs_per_s": round(relay_rate, 1),
                "pipeline_vs_slowest_stage_ratio": round(rates["pipeline"] / slowest, 3),
                "steady_send_msgs_per_s": round(rates["steady"], 1),
                "drain_msgs_per_s": round(rates["drain"], 1),
                "drain_vs_steady_ratio": round(rates["drain"] / rates["steady"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
