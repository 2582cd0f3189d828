"""Blocking in the window (issue 23, item 1): "Block…" in the list's menu asks first (No is
the default), then the chat shows "You blocked bob" with the composer off and nothing of his
arrives; Unblock in the banner or in Settings → Privacy → "Blocked contacts…" undoes it.
Real relay, real clients, the real window.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conversation_helpers import eventually, open_pair, top_message_box
from gui_helpers import wait_for
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.gui.settings.window import PRIVACY_SECTION

pytestmark = [pytest.mark.gui]

SHOTS = Path("/tmp/shots/view")


async def test_block_from_the_list_then_unblock_from_the_banner_and_from_settings(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        await pair.from_bob("before")
        panel = pair.window.conversation_list
        await wait_for(lambda: "bob" in panel.peers())
        menu = panel.context_menu_for("bob")
        assert menu is not None
        block = next(a for a in menu.actions() if a.objectName() == "blockAction")
        block.trigger()
        await wait_for(lambda: top_message_box(pair.pane) is not None)
        box = top_message_box(pair.pane)
        assert box is not None and "Block bob?" in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        assert yes is not None
        yes.click()

        async def blocked() -> bool:
            return await pair.alice.conversations.blocked() == ["bob"]

        await eventually(blocked)
        await wait_for(lambda: pair.pane.blocked_banner.isVisible())
        assert "You blocked bob" in pair.pane.blocked_banner.label.text()
        assert not pair.pane.composer.isEnabled()
        SHOTS.mkdir(parents=True, exist_ok=True)
        pair.window.grab().save(str(SHOTS / "blocked.png"))

        dropped = await pair.bob.messages.send_text("alice", "while blocked")
        await asyncio.sleep(1.0)  # it would have arrived by now
        assert pair.shown(dropped) is None

        pair.pane.blocked_banner.unblock_button.click()
        await wait_for(lambda: not pair.pane.blocked_banner.isVisible())
        assert pair.pane.composer.isEnabled()
        assert await pair.alice.conversations.blocked() == []

        # Blocked again, and unblocked from Settings.
        await pair.alice.conversations.block("bob")
        pair.window.show_settings(PRIVACY_SECTION)
        settings = pair.window.settings_window
        assert settings is not None
        await settings.loading
        settings.privacy_page.blocked_button.click()
        dialog = settings.privacy_page.blocked_dialog
        assert dialog is not None
        await dialog.loading
        assert [dialog.contacts.item(row).text() for row in range(dialog.contacts.count())] == [
            "bob"
        ]
        dialog.unblock_button.click()
        await wait_for(lambda: dialog.contacts.count() == 0)
        assert dialog.empty_label.isVisible()
        assert await pair.alice.conversations.blocked() == []
        dialog.close()
        settings.close()
