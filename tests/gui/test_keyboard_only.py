"""The whole first session with the keyboard alone: sign up, chat, search, lock, unlock, switch.

Every key goes to the widget that has the focus, as it would for a person who never touches
the mouse; the test fails if a step leaves nothing focused or needs a click.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, close_app, wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import (
    CreateAccountDialog,
    RecoveryKeyDialog,
    UnlockDialog,
)
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Direction

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_text(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), key, modifier)


async def test_a_first_session_needs_no_mouse(tmp_path: Path, qtbot: QtBot) -> None:
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    controller: AppController | None = None
    bob: ChatClient | None = None
    try:
        bob, _key = await ChatClient.create(
            tmp_path / "bob", relay.url, "bob", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await bob.connect()
        controller = AppController(
            tmp_path / "alice", relay.url, kdf_params=FLOOR_PARAMS, idle_lock_s=0
        )
        controller.start()
        create = controller.dialog
        assert isinstance(create, CreateAccountDialog)
        qtbot.addWidget(create)
        await wait_for(lambda: QApplication.focusWidget() is create.username_edit)

        # Sign up: username, Tab past the relay (already filled in), password twice, Enter.
        type_text(qtbot, "alice")
        press(qtbot, Key.Key_Tab)
        assert focused() is create.relay_edit
        press(qtbot, Key.Key_Tab)
        type_text(qtbot, PASSWORD)
        press(qtbot, Key.Key_Tab)
        type_text(qtbot, PASSWORD)
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: isinstance(controller.dialog, RecoveryKeyDialog))
        recovery = controller.dialog
        assert isinstance(recovery, RecoveryKeyDialog)
        await wait_for(lambda: QApplication.focusWidget() is recovery.confirm_box)
        press(qtbot, Key.Key_Space)  # "I have written down my recovery key"
        press(qtbot, Key.Key_Tab)
        assert focused() is recovery.continue_button
        press(qtbot, Key.Key_Space)
        await wait_for(lambda: isinstance(controller.window, MainWindow))
        window = controller.window
        assert isinstance(window, MainWindow)
        window.conversation_view.view.require_active_window = False
        await wait_for(lambda: QApplication.focusWidget() is not None)

        # Ctrl+N: a new chat with bob; the composer has the focus once it opens.
        press(qtbot, Key.Key_N, CTRL)
        await wait_for(lambda: window.new_chat_dialog is not None)
        dialog = window.new_chat_dialog
        assert dialog is not None
        await wait_for(lambda: QApplication.focusWidget() is dialog.name_edit)
        type_text(qtbot, "bob")
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: window.conversation_view.peer == "bob")
        composer = window.conversation_view.composer
        await wait_for(lambda: QApplication.focusWidget() is composer.edit)
        type_text(qtbot, "the kiwi is ripe")
        press(qtbot, Key.Key_Return)

        async def bob_got_it() -> bool:
            assert bob is not None
            return any(m.body == "the kiwi is ripe" for m in await bob.messages.history("alice", 5))

        for _ in range(2000):
            if await bob_got_it():
                break
            await wait_for(lambda: True, timeout=1)
        assert await bob_got_it()

        # Ctrl+F: search, Enter opens the conversation at the message found.
        press(qtbot, Key.Key_F, CTRL)
        await wait_for(lambda: window.search_panel is not None)
        panel = window.search_panel
        assert panel is not None
        await wait_for(lambda: QApplication.focusWidget() is panel.query_edit)
        type_text(qtbot, "kiwi")
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: panel.results.count() == 1)
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: window.search_panel is None)
        found = [
            window.conversation_view.model.message_at(row)
            for row in range(window.conversation_view.model.rowCount())
        ]
        assert any(
            m.body == "the kiwi is ripe" and m.direction is Direction.OUTGOING for m in found
        )

        # Esc closes what Ctrl+K opened; Ctrl+L locks.
        await wait_for(lambda: QApplication.focusWidget() is window.conversation_view.composer.edit)
        press(qtbot, Key.Key_K, CTRL)
        await wait_for(lambda: window.quick_switcher is not None)
        switcher = window.quick_switcher
        assert switcher is not None
        await wait_for(lambda: QApplication.focusWidget() is switcher.filter_edit)
        press(qtbot, Key.Key_Escape)
        await wait_for(lambda: window.quick_switcher is None)
        await wait_for(lambda: QApplication.focusWidget() is not None)
        press(qtbot, Key.Key_L, CTRL)
        await wait_for(lambda: isinstance(controller.dialog, UnlockDialog))
        unlock = controller.dialog
        assert isinstance(unlock, UnlockDialog)
        await wait_for(lambda: QApplication.focusWidget() is unlock.password_edit)
        type_text(qtbot, PASSWORD)
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: controller.window is not None and controller.window is not window)
        window = controller.window
        assert isinstance(window, MainWindow)

        # Ctrl+K: type a name, Enter opens that conversation.
        await wait_for(lambda: QApplication.focusWidget() is not None)
        press(qtbot, Key.Key_K, CTRL)
        await wait_for(lambda: window.quick_switcher is not None)
        switcher = window.quick_switcher
        assert switcher is not None
        await wait_for(lambda: QApplication.focusWidget() is switcher.filter_edit)
        type_text(qtbot, "bo")
        press(qtbot, Key.Key_Return)
        await wait_for(lambda: window.conversation_view.peer == "bob")
    finally:
        await close_app(controller)
        if bob is not None:
            await bob.close()
        await relay.stop()
