"""Nothing lost, nothing doubled: relay crashes and a killed sender, with real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from engine_helpers import (
    PASSWORD,
    EventLog,
    acquaint,
    all_outgoing_have_status,
    new_client,
    wait_until,
)
from relay_harness import RELAXED_LIMITS, RelayProcess

from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import MessageReceived
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The crash tests are about durability, not the per-account message rate (tested elsewhere).
FAST_LIMITS = [
    arg for limit in (*RELAXED_LIMITS, "messages=100000/1") for arg in ("--rate-limit", limit)
]


async def test_relay_killed_three_times_during_a_burst(
    tmp_path: Path, relay_process_factory: Callable[[Sequence[str]], RelayProcess]
) -> None:
    relay = relay_process_factory(FAST_LIMITS)
    port = relay.port
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    await acquaint(alice, bob)
    bob_log = EventLog(bob)
    try:
        texts = [f"burst {n:04d}" for n in range(1000)]
        for text in texts:
            await alice.messages.send_text("bob", text)
        for _ in range(3):
            await asyncio.sleep(0.4)
            relay.kill()
            await asyncio.sleep(0.2)
            # Same data folder, same port: the clients reconnect on their own.
            await asyncio.to_thread(relay.start, [*FAST_LIMITS, "--port", str(port)])

        async def bob_has_all() -> bool:
            return len(await bob.messages.history("alice", limit=1100)) >= 1000

        await wait_until(bob_has_all, timeout=120)
        await wait_until(
            lambda: all_outgoing_have_status(alice, "bob", MessageStatus.DELIVERED, 1000),
            timeout=120,
        )
        history = await bob.messages.history("alice", limit=1100)
        assert [m.body for m in history] == texts  # every message once, in order
        received = bob_log.of_type(MessageReceived)
        assert len(received) == 1000 and len({e.message_id for e in received}) == 1000
    finally:
        bob_log.close()
        await alice.close()
        await bob.close()


SENDER_SCRIPT = """
import asyncio, sys
from pathlib import Path
from chat_desktop.relay.app import RelayServer
from chat_desktop.services.client import ChatClient

async def main() -> None:
    client = await ChatClient.unlock(Path(sys.argv[1]), sys.argv[2])
    await client.connect()
    await client.wait_connected()
    for n in range(int(sys.argv[3])):
        await client.messages.send_text("bob", f"kill {n:04d}")
        print(n, flush=True)  # this message is committed to the outbox
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_sender_killed_mid_burst_drains_on_restart(
    tmp_path: Path, relay_process_factory: Callable[[Sequence[str]], RelayProcess]
) -> None:
    relay = relay_process_factory(FAST_LIMITS)
    alice = await new_client(tmp_path, relay.url, "alice")
    await alice.close()  # the profile exists; the sender process below uses it
    bob = await new_client(tmp_path, relay.url, "bob")
    script = tmp_path / "sender.py"
    script.write_text(SENDER_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "alice"), PASSWORD, "500"],
        stdout=subprocess.PIPE,
        text=True,
    )
    committed = -1
    try:
        assert process.stdout is not None
        while committed < 250:
            line = await asyncio.to_thread(process.stdout.readline)
            assert line, "the sender process died on its own"
            committed = int(line)
        os.kill(process.pid, signal.SIGKILL)  # mid-burst, no shutdown code runs
    finally:
        process.kill()
        process.wait()

    alice = await ChatClient.unlock(tmp_path / "alice", PASSWORD)
    await alice.connect()
    try:
        outgoing = [
            m for m in await alice.messages.history("bob", limit=600) if m.sender == "alice"
        ]
        assert len(outgoing) >= committed + 1  # every committed message survived the kill

        async def bob_has_them() -> bool:
            return len(await bob.messages.history("alice", limit=600)) >= len(outgoing)

        await wait_until(bob_has_them, timeout=60)
        await asyncio.sleep(0.5)  # a doubled message would show up by now
        bodies = [m.body for m in await bob.messages.history("alice", limit=600)]
        assert bodies == [m.body for m in outgoing]  # nothing lost, nothing doubled
        assert len(set(bodies)) == len(bodies)
    finally:
        await alice.close()
        await bob.close()


async def test_unsent_for_too_long_becomes_failed_and_retry_sends_it(
    tmp_path: Path,
    relay_process_factory: Callable[[Sequence[str]], RelayProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chat_desktop.services import expiry as expiry_module
    from chat_desktop.services.events import StatusChanged

    # 24 h in production; shortened so the test sees the give-up without waiting a day.
    monkeypatch.setattr(expiry_module, "GIVE_UP_CHECK_S", 0.1)
    monkeypatch.setattr(expiry_module, "OUTBOX_GIVE_UP_MS", 500)
    relay = relay_process_factory(FAST_LIMITS)
    port = relay.port
    alice = await new_client(tmp_path, relay.url, "alice")
    bob = await new_client(tmp_path, relay.url, "bob")
    alice_log = EventLog(alice)
    try:
        relay.kill()
        message_id = await alice.messages.send_text("bob", "into the void")
        await alice_log.wait_for(
            lambda events: any(
                isinstance(e, StatusChanged) and e.message_id == message_id and e.status == "failed"
                for e in events
            )
        )
        failed = await alice.messages.get("bob", message_id)
        assert failed is not None and failed.status is MessageStatus.FAILED

        monkeypatch.setattr(expiry_module, "OUTBOX_GIVE_UP_MS", 24 * 60 * 60 * 1000)
        await asyncio.to_thread(relay.start, [*FAST_LIMITS, "--port", str(port)])
        assert await alice.messages.retry("bob", message_id)

        async def delivered() -> bool:
            message = await bob.messages.get("alice", message_id)
            return message is not None and message.body == "into the void"

        await wait_until(delivered, timeout=60)
    finally:
        alice_log.close()
        await alice.close()
        await bob.close()


async def test_locking_while_offline_with_messages_queued_ends_promptly(
    tmp_path: Path, relay: RelayServer
) -> None:
    """An offline laptop must still lock: no engine task may outlive ``close()``."""
    client = await new_client(tmp_path, relay.url, "lena")
    await client.close()
    await relay.stop()  # the relay is gone: the link keeps trying to reconnect
    client = await ChatClient.unlock(tmp_path / "lena", PASSWORD)
    await client.connect()
    await client.messages.send_text("mark", "queued while offline")  # wakes the outbox
    await asyncio.sleep(1.5)  # the drain loop runs offline for a while
    await asyncio.wait_for(client.close(), timeout=20)
    reopened = await ChatClient.unlock(tmp_path / "lena", PASSWORD)  # the profile is free
    assert [m.body for m in await reopened.messages.history("mark")] == ["queued while offline"]
    await reopened.close()
