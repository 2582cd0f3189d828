"""An unlinked computer's window says it was unlinked, not "offline" (issue 19 item 17).

A real relay on 127.0.0.1, two devices of one account; the first unlinks the second, whose
real main window is watched: its connection line ends on "unlinked", and never says that
messages wait in the outbox (nothing will ever send them from there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import wait_for
from pytestqt.qtbot import QtBot
from test_link_new_device_enter import running_relay
from test_settings_devices import linked_device

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

UNLINKED_TEXT = "unlinked from this account"
OFFLINE_TEXT = "offline (messages wait in the outbox)"


async def test_the_unlinked_computer_says_unlinked_only(qtbot: QtBot, tmp_path: Path) -> None:
    clients: list[ChatClient] = []
    bridge: EventBridge | None = None
    async with running_relay(tmp_path) as relay:
        try:
            a1, _key = await ChatClient.create(
                tmp_path / "a1",
                relay.url,
                "alice",
                "correct horse battery staple",
                kdf_params=FLOOR_PARAMS,
                device_name="Desk",
            )
            clients.append(a1)
            await a1.connect()
            await a1.wait_connected()
            a2 = await linked_device(a1, relay.url, tmp_path / "a2", "Laptop")
            clients.append(a2)
            bridge = EventBridge(a2.events)
            window = MainWindow(a2, bridge)
            qtbot.addWidget(window)
            bridge.start()
            window.show()
            label = window.conversation_list.connection_label
            await wait_for(lambda: label.text() == "connected")
            shown: list[str] = []
            bridge.connectionChanged.connect(lambda _state: shown.append(label.text()))

            await a1.devices.unlink(a2.device_id)
            await wait_for(lambda: a2.devices.unlinked and not a2.connected)
            await wait_for(lambda: label.text() == UNLINKED_TEXT)
            assert label.property("state") == "unlinked"
            # Whatever the link did after (the relay cut it), the line kept saying so.
            await wait_for(lambda: bool(shown) and shown[-1] == UNLINKED_TEXT)
            assert OFFLINE_TEXT not in shown, shown
            assert label.text() == UNLINKED_TEXT

            # A window opened later (the next start) says so from the beginning.
            later = MainWindow(a2, EventBridge(a2.events))
            qtbot.addWidget(later)
            assert later.conversation_list.connection_label.text() == UNLINKED_TEXT
            window.hide()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in reversed(clients):
                await client.close()
