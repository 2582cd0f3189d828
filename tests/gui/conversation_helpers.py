"""Two real clients on a real relay: Alice in the real main window, Bob headless with a real
message model of his own (to see what the other side shows)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.conversation.conversation_view import ConversationView
from chat_desktop.gui.conversation.message_model import MessageWindowModel
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Message


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Lets the loop run until the async ``condition()`` holds."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


class Pair:
    """Alice's window (with its bridge) and Bob's client with his own model of the chat."""

    def __init__(
        self,
        alice: ChatClient,
        bob: ChatClient,
        window: MainWindow,
        bridge: EventBridge,
        bob_bridge: EventBridge,
        relay: RelayServer,
    ) -> None:
        self.alice = alice
        self.bob = bob
        self.window = window
        self.bridge = bridge
        self.relay = relay
        self.pane: ConversationView = window.conversation_view
        self.model = self.pane.model
        self.view = self.pane.view
        self.bob_model = MessageWindowModel(bob.messages)
        self.bob_bridge = bob_bridge
        bob_bridge.messageReceived.connect(
            lambda peer, mid, _kind: asyncio.ensure_future(self.bob_model.add_message(peer, mid))
        )
        bob_bridge.messageChanged.connect(
            lambda peer, mid, _c: asyncio.ensure_future(self.bob_model.refresh_message(peer, mid))
        )

    def shown(self, message_id: str) -> Message | None:
        """Alice's shown copy of ``message_id``."""
        row = self.model.row_of(message_id)
        return None if row is None else self.model.message_at(row)

    def bob_shown(self, message_id: str) -> Message | None:
        """Bob's shown copy of ``message_id`` (in his own model)."""
        row = self.bob_model.row_of(message_id)
        return None if row is None else self.bob_model.message_at(row)

    async def from_bob(self, text: str) -> str:
        """Bob sends ``text``; returns its id once Alice's window shows it."""
        message_id = await self.bob.messages.send_text("alice", text)
        await self.bob_model.add_message("alice", message_id)
        await wait_for(lambda: self.shown(message_id) is not None)
        return message_id


@contextlib.asynccontextmanager
async def open_pair(root: Path, qtbot: QtBot) -> AsyncIterator[Pair]:
    """A relay, Alice in the real window with Bob's conversation open, and Bob headless.

    Set up and torn down inside the test's coroutine (nothing loop-bound outlives it).
    """
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    clients: list[ChatClient] = []
    bridges: list[EventBridge] = []
    try:
        for name in ("alice", "bob"):
            client, _recovery = await ChatClient.create(
                root / name, relay.url, name, PASSWORD, kdf_params=FLOOR_PARAMS
            )
            clients.append(client)
            await client.connect()
            await client.wait_connected()
        alice, bob = clients
        # They know each other: neither chat is a message request (services/requests.py).
        await alice.conversations.start("bob")
        await bob.conversations.start("alice")
        bridge = EventBridge(alice.events)
        bob_bridge = EventBridge(bob.events)
        bridges += [bridge, bob_bridge]
        window = MainWindow(alice, bridge)
        qtbot.addWidget(window)
        window.conversation_view.connect_bridge(bridge)  # idempotent if the window did
        window.conversation_view.view.require_active_window = False
        bridge.start()
        bob_bridge.start()
        window.show()
        await window.open_conversation_now("bob")
        pair = Pair(alice, bob, window, bridge, bob_bridge, relay)
        await pair.bob_model.open_conversation("alice")
        yield pair
        window.hide()
    finally:
        for opened in bridges:
            await opened.stop()
        for client in clients:
            await client.close()
        await relay.stop()


def top_message_box(parent: QWidget) -> QMessageBox | None:
    """The visible message box (question or notice) opened over ``parent``'s window."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            return widget
    for box in parent.window().findChildren(QMessageBox):
        if box.isVisible():
            return box
    return None
