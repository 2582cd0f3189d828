"""What a group message costs its sender: one message to a 100-member group against one 1:1
message, in the same run (issue 21, crit. 7).

A real ChatClient with its durable store sends; the real relay runs in its own process
(message and sign-up rates lifted: the machinery is measured, not the policy). The other 99
members and the 1:1 peer are accounts registered with real keys that stay offline (the relay
stores for them): what is measured is sending, not receiving. Each send is timed from the
call until the relay's ack is committed (the message's "sent" status event), one message at
a time, averaged over ``--messages`` (200) sends of each kind. Sender keys are distributed
before the group sends are timed (a first message); that first message, distribution to the
99 members included, is timed on its own.

Prints one JSON line: ``group_send_100_vs_1to1_ratio`` (target ≤ 3; pairwise fan-out would
be about 100) and ``group_distribute_100_s``, with both averages.

Usage: ``python benchmarks/groups.py [--messages 200] [--members 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from relay import register, start_server

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import StatusChanged

PASSWORD = "Quiet-lantern-orbit-42"
TEXT = "a typical chat message of about sixty characters, give or take"


async def _outbox_empty(client: ChatClient) -> None:
    # Polling the store: no event says "every queued entry was acked".
    while await client.run_in_store(lambda: client.store.outbox.pending(1)):  # noqa: ASYNC110
        await asyncio.sleep(0.01)


async def _timed(client: ChatClient, send: Awaitable[str]) -> float:
    """Seconds from the send call until the message's "sent" status is published."""
    queue = client.events.subscribe()
    try:
        started = time.perf_counter()
        message_id = await send
        while True:
            event = await queue.get()
            if (
                isinstance(event, StatusChanged)
                and event.message_id == message_id
                and event.status == "sent"
            ):
                return time.perf_counter() - started
    finally:
        client.events.unsubscribe(queue)


async def run(relay_url: str, work: Path, messages: int, members: int) -> dict[str, float]:
    alice, _ = await ChatClient.create(
        work / "alice", relay_url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await alice.connect()
    await alice.wait_connected()
    try:
        names = [f"member{index:03d}" for index in range(members - 1)]
        for name in [*names, "peer"]:
            await register(relay_url, name)
        # 1:1: the session is set up before the clock starts.
        await alice.messages.send_text("peer", "warm-up")
        await _outbox_empty(alice)
        group = await alice.groups.create("Benchmark", names)
        await _outbox_empty(alice)  # every member has its update (sessions set up)
        distribute = await _timed(alice, alice.groups.send_text(group, "first"))
        one_to_one = 0.0
        in_group = 0.0
        for _ in range(messages):
            one_to_one += await _timed(alice, alice.messages.send_text("peer", TEXT))
            in_group += await _timed(alice, alice.groups.send_text(group, TEXT))
    finally:
        await alice.close()
    return {
        "one_to_one": one_to_one / messages,
        "group": in_group / messages,
        "distribute": distribute,
    }


def _relay_command(data_dir: Path) -> list[str]:
    """The real relay with message, sign-up and bundle rates lifted (the group's 99 bundles
    are fetched in one go; the machinery is measured, not the rate policy)."""
    command = [sys.executable, "-m", "chat_desktop.relay", "--port", "0"]
    command += ["--data-dir", str(data_dir)]
    for rule in ("messages=1000000/1", "registrations=1000000/1", "bundles=1000000/1"):
        command += ["--rate-limit", rule]
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--members", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="groups-bench-") as folder:
        work = Path(folder)
        relay, relay_url = start_server(_relay_command(work / "relay"), work / "relay.log")
        try:
            times = asyncio.run(run(relay_url, work, args.messages, args.members))
        finally:
            relay.terminate()
            relay.wait(timeout=15)
    print(
        json.dumps(
            {
                "group_send_100_vs_1to1_ratio": round(times["group"] / times["one_to_one"], 3),
                "group_distribute_100_s": round(times["distribute"], 3),
                "group_send_s": round(times["group"], 5),
                "one_to_one_send_s": round(times["one_to_one"], 5),
                "members": args.members,
                "messages": args.messages,
            }
        )
    )


if __name__ == "__main__":
    main()
