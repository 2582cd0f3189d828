"""The window says what the engine tells of refused devices and deferred sending (§8).

The engine side (a relay that offers a device with another key; one that keeps refusing
bundles) is tested in ``tests/integration/test_engine_send_backoff.py``; here the real
window, on a real engine's event stream, shows what such an engine publishes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import wait_for
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from test_main_window_e2e import open_chat

from chat_desktop.services.events import DeviceKeyRefused, SendingDeferred

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def test_a_refused_device_is_told_as_a_notice_not_as_a_key_change(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        window = chat.window
        chat.alice.events.publish(DeviceKeyRefused(peer="bob", device_id=2))
        await wait_for(lambda: window.findChild(QMessageBox, "deviceKeyRefusedNotice") is not None)
        notice = window.findChild(QMessageBox, "deviceKeyRefusedNotice")
        assert isinstance(notice, QMessageBox)
        assert notice.text() == "A device of bob's offered another key; nothing is sent to it."
        assert notice.isVisible()
        # Nothing to accept: the contact's key did not change.
        assert not window.conversation_view.banner.isVisible()
        notice.close()

        chat.alice.events.publish(SendingDeferred(peer="alice", retry_in_s=30.0))
        await wait_for(lambda: "Trying again in 30 s" in window.statusBar().currentMessage())
        assert window.statusBar().currentMessage().startswith("Copies for your other devices")
