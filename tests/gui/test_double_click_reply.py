"""Double-click to reply, as a setting (issue 23, item 5): off by default (a double click
selects a word); turned on in Settings → Privacy, a double click on a message starts a reply
to it at once, and the choice is kept in the encrypted store. Real relay and window.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import eventually, open_pair
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from chat_desktop.gui.settings.window import PRIVACY_SECTION

pytestmark = [pytest.mark.gui]


async def test_the_setting_makes_a_double_click_reply(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        greeting = await pair.from_bob("shall we meet at noon")
        assert (await pair.alice.preferences.load()).double_click_reply is False
        view = pair.view

        def double_click() -> None:
            row = pair.model.row_of(greeting)
            assert row is not None
            rect = view.visualRect(pair.model.index(row))
            QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

        double_click()
        assert pair.pane.composer.reply_to is None  # off: no reply

        pair.window.show_settings(PRIVACY_SECTION)
        settings = pair.window.settings_window
        assert settings is not None
        await settings.loading
        box = settings.privacy_page.double_click_box
        assert not box.isChecked()
        box.setChecked(True)
        await wait_for(lambda: view.double_click_replies)

        async def saved() -> bool:
            return (await pair.alice.preferences.load()).double_click_reply

        await eventually(saved)  # kept in the encrypted store
        settings.close()
        double_click()
        assert pair.pane.composer.reply_to == greeting
