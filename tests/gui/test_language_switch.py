"""Settings → Appearance → Language: the open window comes back in Indonesian at once, and
the choice is the language of the next start (the unlock window included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import account_on_relay, close_app, unlock_in, wait_for
from pytestqt.qtbot import QtBot

from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.shell.app_controller import APPEARANCE_SECTION, AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


async def test_switching_to_indonesian_rebuilds_the_window_and_is_kept(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "intan") as (relay, profile, client):
        try:
            await client.close()
            ChatClient.set_appearance(profile, ChatClient.appearance(profile))  # "system" → en here
            apply_language("en")
            controller = AppController(profile, relay.url, idle_lock_s=0)
            controller.start()
            window = await unlock_in(controller, qtbot)
            assert menu_titles(window) == ["&Chat", "&Help"]

            window.show_settings(APPEARANCE_SECTION)
            settings = window.settings_window
            assert settings is not None
            combo = settings.appearance_page.language_combo
            combo.setCurrentIndex(combo.findData("id"))

            await wait_for(
                lambda: (
                    controller is not None
                    and isinstance(controller.window, MainWindow)
                    and controller.window is not window
                )
            )
            rebuilt = controller.window
            assert isinstance(rebuilt, MainWindow)
            assert menu_titles(rebuilt) == ["&Obrolan", "&Bantuan"]
            assert rebuilt.conversation_list.new_chat_button.text() == "Obrolan baru"
            assert rebuilt.settings_window is not None  # shown again where the user was
            assert ChatClient.appearance(profile).language == "id"

            # The next start speaks Indonesian from the unlock window on.
            await controller.lock()
            await wait_for(lambda: controller is not None and controller.dialog is not None)
            unlock = controller.dialog
            assert isinstance(unlock, UnlockDialog)
            assert unlock.unlock_button.text() == "Buka kunci"
        finally:
            await close_app(controller)
            apply_language("en")
