"""Linking a computer from the existing one: Enter and the Link button take one path.

Issue 19 item 6: Enter right after pasting the code sent the account twice (the field's
Enter and the dialog's default button), skipping the "Link 'laptop'?" question, and the second
send said "This link code has expired" while the computer joined. Now Enter in the code field
shows the question and moves to Link; Enter there (or a click) sends once. A real relay on
127.0.0.1; the new device's side is the engine's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.settings.link_new_device import LinkNewDeviceDialog
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.client_errors import LinkFailed

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

#: Past a link code's ten minutes.
ELEVEN_MINUTES_MS = 11 * 60 * 1000


@contextlib.asynccontextmanager
async def running_relay(root: Path) -> AsyncIterator[RelayServer]:
    """A real relay on 127.0.0.1, port 0, on the test's qasync loop."""
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def _first_device(root: Path, relay_url: str) -> ChatClient:
    client, _key = await ChatClient.create(
        root / "a1", relay_url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS, device_name="Desk"
    )
    await client.connect()
    await client.wait_connected()
    return client


def _open_dialog(qtbot: QtBot, client: ChatClient) -> LinkNewDeviceDialog:
    dialog = LinkNewDeviceDialog(client)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.code_edit.setFocus()
    return dialog


def _paste(qtbot: QtBot, dialog: LinkNewDeviceDialog, code: str) -> None:
    QGuiApplication.clipboard().setText(code)
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


async def test_enter_after_pasting_asks_first_then_links_once(qtbot: QtBot, tmp_path: Path) -> None:
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay:
        relay_url = relay.url
        try:
            a1 = await _first_device(tmp_path, relay_url)
            clients.append(a1)
            dialog = _open_dialog(qtbot, a1)
            await wait_for(lambda: QApplication.focusWidget() is dialog.code_edit)
            pending = await ChatClient.begin_link(relay_url, "laptop")
            offer = asyncio.ensure_future(pending.wait_for_offer())
            _paste(qtbot, dialog, pending.code)
            assert dialog.code_edit.text() == pending.code

            # Enter: the question shows and Link takes the focus; nothing is sent yet.
            qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
            assert dialog.question_label.isVisible()
            assert dialog.question_label.text() == "Link \u201claptop\u201d to your account?"
            assert dialog.history_box.isVisible() and dialog.history_box.isChecked()
            assert QApplication.focusWidget() is dialog.link_button
            assert dialog.link_button.isDefault()
            assert dialog.status_label.isHidden() and dialog.busy_bar.isHidden()
            assert dialog.link_button.text() == "Link"

            # Enter again confirms: the account is sent once, no error is shown.
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            await wait_for(lambda: dialog.link_button.text() == "Close", timeout=30)
            assert dialog.error_label.isHidden(), dialog.error_label.text()
            assert dialog.status_label.text().startswith("Sent.")
            assert (await offer).username == "alice"
            a2, _key = await pending.accept(tmp_path / "a2", PASSWORD, kdf_params=FLOOR_PARAMS)
            clients.append(a2)
            assert [(d.device_id, d.name) for d in await a1.devices.list()] == [
                (1, "Desk"),
                (2, "laptop"),
            ]
            assert dialog.error_label.isHidden()
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Close
            assert not dialog.isVisible()
        finally:
            for client in clients:
                await client.close()


async def test_a_really_expired_code_says_so_and_nothing_joins(
    qtbot: QtBot, tmp_path: Path
) -> None:
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay:
        relay_url = relay.url
        try:
            a1 = await _first_device(tmp_path, relay_url)
            clients.append(a1)
            dialog = _open_dialog(qtbot, a1)
            await wait_for(lambda: QApplication.focusWidget() is dialog.code_edit)
            pending = await ChatClient.begin_link(relay_url, "laptop")
            _paste(qtbot, dialog, pending.code)
            qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
            assert QApplication.focusWidget() is dialog.link_button

            # Eleven minutes later on the relay's clock: the channel is gone.
            real_clock = relay.context.clock
            relay.context.clock = lambda: real_clock() + ELEVEN_MINUTES_MS
            try:
                dialog.link_button.click()
                await wait_for(lambda: dialog.error_label.isVisible(), timeout=30)
                assert "expired" in dialog.error_label.text()
                assert dialog.link_button.text() == "Link"
                with pytest.raises(LinkFailed):
                    await pending.wait_for_offer()
            finally:
                relay.context.clock = real_clock
            assert [d.device_id for d in await a1.devices.list()] == [1]
        finally:
            for client in clients:
                await client.close()
