"""A link's history shows its progress on both computers and its chats at once (issue 19
item 7).

A real relay on 127.0.0.1. The existing computer links through its real dialog (Enter on the
code, Enter on Link): its dialog shows the history being prepared and sent. The new computer
runs its real window with the app's device notices: a progress window shows the history
being received and added, and the conversation list shows the transferred chats as soon as
the import ends (before, it waited for some unrelated event to refresh it: 30–60 s).
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, wait_for
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from test_link_new_device_enter import running_relay

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.settings.device_events import DeviceEvents, DeviceNotices
from chat_desktop.gui.settings.link_new_device import LinkNewDeviceDialog
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def _client(root: Path, relay_url: str, name: str) -> ChatClient:
    client, _key = await ChatClient.create(
        root / name, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.connect()
    await client.wait_connected()
    return client


async def _has_text(client: ChatClient, peer: str, text: str) -> bool:
    return any(m.body == text for m in await client.messages.history(peer, limit=20))


def previews(window: MainWindow) -> dict[str, str | None]:
    """Each listed conversation's preview (the newest message's text), as the list has it."""
    model = window.conversation_list.model
    shown: dict[str, str | None] = {}
    for peer in model.peers():
        conversation = model.conversation(peer)
        last = None if conversation is None else conversation.last_message
        shown[peer] = None if last is None else last.body
    return shown


async def _until(condition: functools.partial[object]) -> None:
    async with asyncio.timeout(20):
        while not await condition():  # type: ignore[misc]
            await asyncio.sleep(0.02)


async def test_both_computers_show_the_history_coming_and_the_list_shows_it_at_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    clients: list[ChatClient] = []
    bridge: EventBridge | None = None
    async with running_relay(tmp_path) as relay:
        try:
            a1 = await _client(tmp_path, relay.url, "alice")
            bob = await _client(tmp_path, relay.url, "bob")
            carol = await _client(tmp_path, relay.url, "carol")
            clients += [a1, bob, carol]
            await bob.messages.send_text("alice", "hello from bob")
            await carol.messages.send_text("alice", "hello from carol")
            await _until(functools.partial(_has_text, a1, "bob", "hello from bob"))
            await _until(functools.partial(_has_text, a1, "carol", "hello from carol"))

            # The existing computer: paste, Enter (the question), Enter (Link).
            dialog = LinkNewDeviceDialog(a1)
            qtbot.addWidget(dialog)
            dialog.show()
            dialog.activateWindow()
            dialog.code_edit.setFocus()
            await wait_for(lambda: QApplication.focusWidget() is dialog.code_edit)
            pending = await ChatClient.begin_link(relay.url, "Laptop")
            offer = asyncio.ensure_future(pending.wait_for_offer())
            QGuiApplication.clipboard().setText(pending.code)
            qtbot.keyClick(dialog.code_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
            qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            await wait_for(lambda: dialog.link_button.text() == "Close", timeout=30)
            assert dialog.error_label.isHidden()
            shown = dialog.progress_shown
            assert any(t.startswith("Preparing your message history") for t in shown), shown
            assert "Sending your message history\u2026 100%" in shown, shown
            assert (await offer).has_history

            # The new computer: its window and the app's device notices, then the link.
            a2, _key = await pending.accept(tmp_path / "a2", PASSWORD, kdf_params=FLOOR_PARAMS)
            clients.append(a2)
            bridge = EventBridge(a2.events)
            window = MainWindow(a2, bridge)
            qtbot.addWidget(window)
            watcher = DeviceEvents(a2.events, window)
            notices = DeviceNotices(watcher, window, None)
            bridge.start()
            window.show()
            await window.refresh_conversations_now()
            # The contacts came with the account: their chats are listed, still empty.
            assert previews(window) == {"bob": None, "carol": None}
            await a2.connect()
            expected = {"bob": "hello from bob", "carol": "hello from carol"}
            await wait_for(lambda: previews(window) == expected)
            await wait_for(lambda: notices.history_notice is None)
            shown = notices.history_shown
            assert any(t.startswith("Receiving your message history") for t in shown), shown
            assert shown[-1] == "Adding your message history\u2026 100%", shown
            watcher.stop()
            window.hide()
        finally:
            if bridge is not None:
                await bridge.stop()
            for client in reversed(clients):
                await client.close()
