"""Password prompts submit once and cancel at once (issue 19, item 1).

Enter in a password field used to submit twice (the field's handler and the dialog's default
button): two Argon2id derivations at once, which never return with ``cryptography`` 50.0.2.
A long password step could not be cancelled either. Real client, real relay on 127.0.0.1,
real vault files; the outcome is read back by unlocking the profile again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.settings.dialogs import PasswordPromptDialog
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.errors import WrongPassword

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

NEW_PASSWORD = "a much longer new passphrase 42"


@contextlib.asynccontextmanager
async def account(tmp_path: Path, username: str) -> AsyncIterator[tuple[ChatClient, str]]:
    """A registered account on a real relay; yields the client and its recovery key."""
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    try:
        client, recovery_key = await ChatClient.create(
            tmp_path / "profile", relay.url, username, PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            yield client, recovery_key
        finally:
            await client.close()
    finally:
        await relay.stop()


async def open_settings(qtbot: QtBot, client: ChatClient) -> SettingsWindow:
    window = SettingsWindow(client)
    qtbot.addWidget(window)
    window.show()
    await window.loading
    return window


async def test_enter_in_the_password_field_submits_exactly_once(qtbot: QtBot) -> None:
    calls: list[int] = []
    release = asyncio.Event()

    async def action(password: str) -> None:
        calls.append(len(password))
        await release.wait()

    prompt = PasswordPromptDialog("Check", "Enter your password.", "Continue", action)
    qtbot.addWidget(prompt)
    prompt.open()
    await wait_for(prompt.isVisible)
    qtbot.keyClicks(prompt.password_edit, "secret words")
    qtbot.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    await wait_for(lambda: len(calls) >= 1)
    # Had Enter started a second run, it was scheduled in the same turn: it has started too.
    qtbot.keyClick(prompt.password_edit, Qt.Key.Key_Return)  # and again while busy
    release.set()
    await wait_for(lambda: prompt.result() == QDialog.DialogCode.Accepted.value)
    assert calls == [len("secret words")]


async def test_cancel_during_the_password_check_closes_at_once_and_changes_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with account(tmp_path, "nora") as (client, recovery_key):
        window = await open_settings(qtbot, client)
        page = window.account_page
        page.recovery_key_button.click()
        prompt = page.recovery_prompt
        assert prompt is not None
        ended: list[int] = []
        prompt.finished.connect(ended.append)
        prompt.password_edit.setText(PASSWORD)
        prompt.action_button.click()
        await wait_for(prompt.busy_bar.isVisible)
        assert prompt.cancel_button.isEnabled()  # Cancel works while the check runs
        qtbot.keyClick(prompt, Qt.Key.Key_Escape)
        assert not prompt.isVisible()  # at once, not when the derivation ends
        await wait_for(lambda: bool(ended))
        assert ended == [QDialog.DialogCode.Rejected]
        await wait_for(lambda: not prompt.busy, timeout=60)
        assert page.recovery_key_dialog is None
        window.close()
    # The cancelled change was not applied: the old recovery key still opens the profile.
    reopened = await ChatClient.unlock_with_recovery_key(tmp_path / "profile", recovery_key)
    await reopened.close()


async def test_a_cancelled_password_change_keeps_the_old_password(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with account(tmp_path, "omar") as (client, _recovery_key):
        window = await open_settings(qtbot, client)
        page = window.account_page
        page.change_password_button.click()
        prompt = page.current_password_prompt
        assert prompt is not None
        prompt.password_edit.setText(PASSWORD)
        prompt.action_button.click()
        await wait_for(lambda: page.password_dialog is not None, timeout=60)
        dialog = page.password_dialog
        assert dialog is not None
        await wait_for(dialog.isVisible)
        dialog.password_edit.setText(NEW_PASSWORD)
        dialog.confirm_edit.setText(NEW_PASSWORD)
        dialog.submit()  # calibrates Argon2id, then derives: seconds
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
        await wait_for(lambda: not dialog.busy, timeout=60)
        assert dialog.result() == QDialog.DialogCode.Rejected.value
        shown = [box for box in page.findChildren(QMessageBox, "notice") if box.isVisible()]
        assert not shown  # no "Password changed"
        window.close()
    profile = tmp_path / "profile"
    reopened = await ChatClient.unlock(profile, PASSWORD)  # the old password still opens it
    await reopened.close()
    with pytest.raises(WrongPassword):
        await ChatClient.unlock(profile, NEW_PASSWORD)
