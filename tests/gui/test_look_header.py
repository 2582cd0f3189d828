"""The conversation header right after the window opens (issue 19, item 13).

"Safety number" was cut off at the right edge until something (the key-change banner) made
Qt lay the header out again, and the contact's name was cut after four letters: both were
given their least width, as the stretch beside the name took all the room there was.
A real pair of clients on a real relay (127.0.0.1, port 0), the real window offscreen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import open_pair
from look_helpers import settled
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.gui.common.theme import apply_theme

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

LONG_NAME = "maximilian_weatherby"


async def test_the_safety_number_button_is_whole_when_the_window_opens(
    tmp_path: Path, qtbot: QtBot, restore_look: QApplication
) -> None:
    apply_theme(restore_look, "light")  # as the app starts: the theme, then the window
    async with open_pair(tmp_path, qtbot) as pair:
        pane = pair.pane
        button, timer = pane.safety_button, pane.timer_box
        header = button.parentWidget()
        assert header is not None
        await settled(lambda: button.width() >= button.minimumSizeHint().width())
        assert pair.window.width() >= 900  # a normal width: there is room for everything
        assert button.width() >= button.minimumSizeHint().width(), button.geometry()
        assert button.geometry().right() < header.width(), (button.geometry(), header.width())
        assert timer.width() >= timer.minimumSizeHint().width()
        name = pane.peer_label  # the contact's name is whole too (room enough for it)
        await pair.window.open_conversation_now(LONG_NAME)
        await settled(lambda: name.text() == LONG_NAME and name.width() >= name.sizeHint().width())
        assert name.text() == LONG_NAME
        assert name.width() >= name.sizeHint().width(), (name.geometry(), name.sizeHint())
