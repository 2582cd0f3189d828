""" "New chat" asks the relay: an unknown name is refused in the dialog, a known one opens."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytestqt.qtbot import QtBot
from test_main_window_e2e import open_chat

from chat_desktop.gui.conversation.message_model import FAILED_EXPLANATION
from chat_desktop.gui.conversation_list.new_chat import NewChatDialog

pytestmark = [pytest.mark.gui]


@pytest.mark.asyncio(loop_scope="session")
async def test_new_chat_says_no_such_user_and_keeps_the_dialog_open(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        window = chat.window
        window.conversation_list.new_chat_button.click()
        dialog = window.new_chat_dialog
        assert isinstance(dialog, NewChatDialog)
        assert dialog.isVisible()
        dialog.name_edit.setText("nobody_here")
        dialog.start_button.click()
        await wait_for(lambda: dialog.error_label.isVisible())
        assert "no such user" in dialog.error_label.text().lower()
        assert dialog.isVisible()  # the user can correct the name
        assert window.conversation_view.peer == "bob"

        dialog.name_edit.setText("Alice")  # ourselves: refused with the engine's message
        dialog.start_button.click()
        await wait_for(lambda: "That's you" in dialog.error_label.text())
        assert dialog.isVisible()

        # A user that exists: the dialog closes and the conversation opens.
        dialog.name_edit.setText("bob")
        dialog.start_button.click()
        await wait_for(lambda: window.new_chat_dialog is None)
        assert not shiboken6.isValid(dialog) or not dialog.isVisible()
        await wait_for(lambda: window.conversation_view.peer == "bob")


def test_a_failed_message_explains_itself() -> None:
    assert "Not delivered" in FAILED_EXPLANATION and "again" in FAILED_EXPLANATION


def _default_buttons(dialog: NewChatDialog) -> list[str]:
    return [
        button.objectName() or button.text()
        for button in dialog.findChildren(QPushButton)
        if button.isDefault()
    ]


@pytest.mark.asyncio(loop_scope="session")
async def test_enter_after_a_refused_name_tries_again_and_never_cancels(
    tmp_path: Path, qtbot: QtBot
) -> None:
    """Issue 19 item 5: after "no such user" (or one's own name) the focus stays in the
    field, Start chat stays the default button, and Enter asks the relay again."""
    async with open_chat(tmp_path, qtbot) as chat:
        window = chat.window
        window.conversation_list.new_chat_button.click()
        dialog = window.new_chat_dialog
        assert isinstance(dialog, NewChatDialog)
        dialog.activateWindow()
        dialog.name_edit.setFocus()
        await wait_for(lambda: QApplication.focusWidget() is dialog.name_edit)
        qtbot.keyClicks(dialog.name_edit, "nobody_here")
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
        await wait_for(lambda: dialog.error_label.isVisible())
        await wait_for(lambda: dialog.start_button.isEnabled())
        assert QApplication.focusWidget() is dialog.name_edit
        assert _default_buttons(dialog) == ["startChatButton"]

        # Our own name: "That's you", and again the field keeps the focus.
        dialog.name_edit.setText("alice")
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
        await wait_for(lambda: "That's you" in dialog.error_label.text())
        assert dialog.isVisible()
        assert QApplication.focusWidget() is dialog.name_edit
        assert _default_buttons(dialog) == ["startChatButton"]

        # Enter once more, with a name that exists: the chat starts (it did not cancel).
        results: list[int] = []
        dialog.finished.connect(results.append)
        dialog.name_edit.setText("bob")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        await wait_for(lambda: window.new_chat_dialog is None)
        assert results == [QDialog.DialogCode.Accepted.value]
        await wait_for(lambda: window.conversation_view.peer == "bob")
