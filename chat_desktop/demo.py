"""A two-minute tour: a local relay and two headless clients talking end to end.

Run ``python -m chat_desktop.demo``. It starts the real relay on 127.0.0.1 (a free port, data
in a temporary folder), creates Alice's and Bob's encrypted profiles, and shows what each side
sees: delivery and read receipts, typing, a safety number, a disappearing message. Everything
lives in a temporary folder that is removed at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import (
    ClientEvent,
    MessageReceived,
    MessagesExpired,
    StatusChanged,
    TypingChanged,
)

DEMO_PASSWORD = "demo-only passphrase 4417"  # noqa: S105 - throwaway demo profiles


def describe(owner: str, event: ClientEvent) -> str | None:
    """One line for the events worth showing in the demo, None for the rest."""
    if isinstance(event, MessageReceived):
        return f"{owner}: message from {event.peer}: {event.text!r}"
    if isinstance(event, StatusChanged):
        marks = {"sent": "✓", "delivered": "✓✓", "read": "✓✓ read", "failed": "failed"}
        return f"{owner}: message to {event.peer} {marks.get(event.status, event.status)}"
    if isinstance(event, TypingChanged):
        return f"{owner}: {event.peer} {'is typing…' if event.typing else 'stopped typing'}"
    if isinstance(event, MessagesExpired):
        return f"{owner}: {len(event.message_ids)} message(s) with {event.peer} disappeared"
    return None


async def show_events(owner: str, client: ChatClient) -> None:
    """Prints what ``client`` sees, as a chat window would."""
    async for event in client.events:
        line = describe(owner, event)
        if line is not None:
            print(line, flush=True)


async def run(folder: Path) -> None:
    """Runs the tour in ``folder``."""
    relay = RelayServer(RelayConfig(data_dir=folder / "relay", port=0, sweep_interval_s=1.0))
    await relay.start()
    print(f"relay listening on {relay.url}")
    clients: list[ChatClient] = []
    watchers: list[asyncio.Task[None]] = []
    try:
        for name in ("alice", "bob"):
            client, recovery_key = await ChatClient.create(
                folder / name, relay.url, name, DEMO_PASSWORD, kdf_params=FLOOR_PARAMS
            )
            print(f"{name}: profile created (recovery key shown once: {recovery_key})")
            watchers.append(asyncio.create_task(show_events(name, client)))
            await client.connect()
            await client.wait_connected()
            clients.append(client)
        alice, bob = clients
        await bob.conversations.start("alice")  # they know each other: no message request

        hello = await alice.messages.send_text("bob", "Hi Bob! This was encrypted on my device.")
        await asyncio.sleep(1.0)
        await bob.presence.set_typing("alice", True)
        await asyncio.sleep(0.5)
        await bob.messages.send_text("alice", "Hi Alice, the relay only saw ciphertext.")
        await bob.conversations.mark_read("alice", hello)
        await asyncio.sleep(1.0)
        print(f"safety number (both sides see the same): {await alice.trust.safety_number('bob')}")

        await alice.conversations.set_disappearing_timer("bob", 3)
        secret = await alice.messages.send_text(
            "bob", "This message disappears 3 s after Bob reads it."
        )
        await asyncio.sleep(1.0)
        await bob.conversations.mark_read("alice", secret)
        await asyncio.sleep(4.5)
        remaining = [m.body for m in await bob.messages.history("alice")]
        print(f"bob's history now: {remaining}")
    finally:
        for watcher in watchers:
            watcher.cancel()
        for client in clients:
            await client.close()
        await relay.stop()


def main() -> None:
    """Entry point of ``python -m chat_desktop.demo``."""
    parser = argparse.ArgumentParser(description="A local relay and two clients, end to end.")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chat-desktop-demo-"))
    try:
        asyncio.run(run(folder))
    finally:
        if args.keep:
            print(f"profiles and relay data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
