"""The real window of one device follows what another device of the account did: messages
read there lose their unread badge here, and a contact verified there shows as verified here.

Alice's first device (A1) runs the real MainWindow; her second device (A2) and Bob are
headless ChatClients; the relay is real, on loopback.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def _client(root: Path, relay_url: str, name: str) -> ChatClient:
    client, _ = await ChatClient.create(
        root / name, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.connect()
    await client.wait_connected()
    return client


async def _link(existing: ChatClient, root: Path, relay_url: str, folder: str) -> ChatClient:
    pending = await ChatClient.begin_link(relay_url, "Laptop")
    offer = asyncio.create_task(pending.wait_for_offer())
    await existing.devices.link(pending.code, transfer_history=False)
    await offer
    client, _ = await pending.accept(root / folder, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client


async def test_the_window_follows_reads_and_verification_done_on_another_device(
    tmp_path: Path, qtbot: QtBot
) -> None:
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    clients: list[ChatClient] = []
    bridge: EventBridge | None = None
    try:
        a1 = await _client(tmp_path, relay.url, "alice")
        clients.append(a1)
        bob = await _client(tmp_path, relay.url, "bob")
        clients.append(bob)
        await a1.conversations.start("bob")  # a contact: no message request
        a2 = await _link(a1, tmp_path, relay.url, "alice2")
        clients.append(a2)
        bridge = EventBridge(a1.events)
        window = MainWindow(a1, bridge)
        qtbot.addWidget(window)
        bridge.start()
        # Not shown: a shown window opens the first conversation and reads it itself; here
        # only A2 reads, and A1's list must follow.

        ids = [await bob.messages.send_text("alice", f"news {n}") for n in range(3)]
        model = window.conversation_list.model

        def unread_here() -> int | None:
            row = model.row_of("bob")
            return None if row is None else model.row_data(row).unread

        await wait_for(lambda: unread_here() == 3)
        while len([m for m in await a2.messages.history("bob") if m.id in ids]) < 3:
            await asyncio.sleep(0.02)
        await a2.conversations.mark_read("bob", ids[-1])
        await wait_for(lambda: unread_here() == 0)

        row = model.row_of("bob")
        assert row is not None and not model.row_data(row).verified
        await a2.trust.mark_verified("bob")

        def verified_here() -> bool:
            row = model.row_of("bob")
            return row is not None and model.row_data(row).verified

        await wait_for(verified_here)
        first = await a1.messages.get("bob", ids[0])
        assert first is not None and first.read_at is not None
    finally:
        if bridge is not None:
            await bridge.stop()
        for client in clients:
            await client.close()
        await relay.stop()
