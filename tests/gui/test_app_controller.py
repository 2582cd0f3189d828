"""The app's lifecycle: unlock, crash-report opt-in applied, idle auto-lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import account_on_relay, close_app, unlock_in, wait_for
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.shell.app_controller import AppController

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

#: The settings window's "Privacy" section.
PRIVACY_SECTION = 1
DSN = "https://publickey@127.0.0.1:9/1"  # never reached: nothing is captured in this test


async def test_unlock_applies_the_crash_report_choice_and_idle_locks(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "dana") as (relay, profile, client):
        try:
            await client.preferences.set_crash_reports(True)
            await client.close()

            controller = AppController(profile, relay.url, idle_lock_s=1.0, crash_report_dsn=DSN)
            assert not controller.telemetry.enabled  # nothing before the user's choice is read
            controller.start()
            await unlock_in(controller, qtbot)
            assert controller.telemetry.enabled  # the stored opt-in is applied after unlock

            # No input for a second: the app locks itself, drops the client and its keys.
            await wait_for(
                lambda: controller is not None and isinstance(controller.dialog, UnlockDialog),
                timeout=10,
            )
            assert controller.client is None and controller.window is None
            assert not controller.telemetry.enabled  # a locked app reports nothing
        finally:
            await close_app(controller)


async def test_crash_reports_are_a_yes_or_no_and_go_to_the_builds_server(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "kira") as (relay, profile, client):
        try:
            await client.close()
            controller = AppController(profile, relay.url, idle_lock_s=0, crash_report_dsn=DSN)
            controller.start()
            window = await unlock_in(controller, qtbot)
            assert not controller.telemetry.enabled

            window.show_settings(PRIVACY_SECTION)
            settings = window.settings_window
            assert settings is not None
            await settings.loading
            privacy = settings.privacy_page
            typed = [
                e for e in privacy.findChildren(QLineEdit) if not e.objectName().startswith("qt_")
            ]
            assert not typed  # nothing to type (a DSN): a yes or a no
            privacy.crash_reports_box.setChecked(True)
            await wait_for(lambda: controller is not None and controller.telemetry.enabled)
            assert (
                controller.client is not None
                and await controller.client.preferences.crash_reports()
            )
        finally:
            await close_app(controller)
