"""The relay process runs its garbage-collection schedule (issue 25): start-up frozen, full
collections on the ``--gc-full-interval`` timer, each logged with its duration; messages
still flow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from relay_harness import RelayClient, RelayProcess, register_account, send_payload

from chat_desktop.protocol import events

_WAIT_S = 20.0


async def wait_for_records(relay: RelayProcess, event: str, count: int) -> list[dict[str, Any]]:
    """The relay's first ``count`` log records of ``event`` (fails after a bound)."""
    async with asyncio.timeout(_WAIT_S):
        while True:
            found = [record for record in relay.log_records() if record.get("event") == event]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)


async def test_full_collections_run_on_the_timer_and_are_logged(
    relay_process_factory: Callable[[Sequence[str]], RelayProcess],
    relay_clients: Callable[[Any], RelayClient],
) -> None:
    relay = relay_process_factory(["--gc-full-interval", "0.5"])
    (policy,) = await wait_for_records(relay, "gc_policy", 1)
    assert policy["full_interval_s"] == 0.5 and policy["frozen"] > 0
    full = await wait_for_records(relay, "gc_full", 2)
    assert all(record["duration_ms"] >= 0 and record["collected"] >= 0 for record in full)
    alice = await register_account(relay.url)
    bob = await register_account(relay.url)
    sender, receiver = relay_clients(alice), relay_clients(bob)
    await sender.connect(relay.url)
    await receiver.connect(relay.url)
    ack = await sender.call(events.MESSAGE_SEND, send_payload(bob, b"gc"))
    assert ack["ok"], ack
    assert (await receiver.next_message())["body"] == b"gc"
