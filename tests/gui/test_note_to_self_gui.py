"""Note to Self in the window (issue 23, item 8): Chat → Note to Self opens the conversation
with one's own account, named "Note to Self" in the list and the header, without a safety
number; a note is shown sent at once. Real relay, real clients, the real window.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import open_pair
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.gui]


async def test_note_to_self_opens_named_and_keeps_a_note_sent(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        pair.window.note_to_self_action.trigger()
        await wait_for(lambda: pair.window.open_peer == "alice")
        assert pair.pane.peer_label.text() == "Note to Self"
        assert not pair.pane.safety_button.isVisible()
        panel = pair.window.conversation_list
        await wait_for(lambda: "alice" in panel.peers())
        names = [panel.model.index(r).data() for r in range(panel.model.rowCount())]
        assert "Note to Self" in names, names
        QTest.keyClicks(pair.pane.composer.edit, "remember the milk")
        QTest.keyClick(pair.pane.composer.edit, Qt.Key.Key_Return)

        def shown_sent() -> bool:
            rows = [pair.model.message_at(r) for r in range(pair.model.rowCount())]
            return any(
                m.body == "remember the milk" and m.status is MessageStatus.SENT for m in rows
            )

        await wait_for(shown_sent)
        # Back in a contact's chat the safety number is there again.
        await pair.window.open_conversation_now("bob")
        assert pair.pane.safety_button.isVisible()
        assert pair.pane.peer_label.text() == "bob"
