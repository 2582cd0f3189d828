"""Back up from Settings → Account, restore from the start screen (issue 23, item 11).

Real widgets offscreen, a real relay on 127.0.0.1, real stores and files: the backup is
written by the dialog the Account page opens (with its progress bar), and restored by the
dialog the sign-up's "Restore from a backup…" opens, which then shows the new recovery key
like a sign-up. A wrong passphrase is said in the dialog and leaves no profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import PASSWORD, PEER, account_on_relay, close_app, seed_messages, wait_for
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import CreateAccountDialog, RecoveryKeyDialog
from chat_desktop.gui.account.restore_backup_dialog import RestoreBackupDialog
from chat_desktop.gui.settings.backup_dialog import BackupDialog
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.services.backup_restore import staging_folder
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

PASSPHRASE = "plum kettle orbit lantern 77"
NEW_PASSWORD = "another quiet harbour morning"
MESSAGES = 40


async def _back_up(qtbot: QtBot, client: ChatClient, path: Path) -> BackupDialog:
    settings = SettingsWindow(client)
    qtbot.addWidget(settings)
    settings.show()
    await settings.loading
    page = settings.account_page
    assert page.backup_button.accessibleName() == "Back up your messages"
    page.backup_button.click()
    dialog = page.backup_dialog
    assert isinstance(dialog, BackupDialog)
    await wait_for(dialog.isVisible)
    dialog.path_edit.setText(str(path))
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.confirm_edit.setText(PASSPHRASE + "x")
    dialog.start_button.click()
    assert dialog.error_label.text() == "The two passphrases differ."
    assert not path.exists()
    dialog.confirm_edit.setText(PASSPHRASE)
    dialog.start_button.click()
    assert dialog.progress_bar.isVisible() and not dialog.start_button.isEnabled()
    await wait_for(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=60)
    notices = [box for box in page.findChildren(QMessageBox) if box.isVisible()]
    assert notices and notices[-1].windowTitle() == "Backup saved"
    for box in notices:
        box.close()
    settings.close()
    return dialog


async def test_a_backup_made_in_settings_restores_from_the_start_screen(
    qtbot: QtBot, tmp_path: Path
) -> None:
    backup = tmp_path / "alice.backup"
    async with account_on_relay(tmp_path, "alice") as (relay, _profile, client):
        try:
            await client.run_in_store(seed_messages, client.store, MESSAGES)
            dialog = await _back_up(qtbot, client, backup)
            assert dialog.saved_size == backup.stat().st_size
            assert b"message number" not in backup.read_bytes()
        finally:
            await client.close()

        controller = AppController(tmp_path / "new", relay.url, kdf_params=FLOOR_PARAMS)
        try:
            controller.start()
            sign_up = controller.dialog
            assert isinstance(sign_up, CreateAccountDialog)
            qtbot.addWidget(sign_up)
            sign_up.restore_button.click()
            restore = controller.dialog
            assert isinstance(restore, RestoreBackupDialog)
            qtbot.addWidget(restore)
            await wait_for(restore.isVisible)

            # A wrong passphrase: told in the dialog, nothing made.
            restore.path_edit.setText(str(backup))
            restore.passphrase_edit.setText("not the passphrase")
            restore.password_edit.setText(NEW_PASSWORD)
            restore.confirm_edit.setText(NEW_PASSWORD)
            restore.start_button.click()
            await wait_for(lambda: not restore.busy and restore.error_label.isVisible())
            assert restore.error_label.text() == (
                "That passphrase does not open this backup. Nothing was restored."
            )
            assert not (tmp_path / "new").exists()
            assert not staging_folder(tmp_path / "new").exists()

            restore.passphrase_edit.setText(PASSPHRASE)
            restore.start_button.click()
            await wait_for(lambda: isinstance(controller.dialog, RecoveryKeyDialog), timeout=60)
            recovery = controller.dialog
            assert isinstance(recovery, RecoveryKeyDialog)
            qtbot.addWidget(recovery)
            assert recovery.key_label.text()
            assert ChatClient.account_name(tmp_path / "new") == "alice"
            recovery.confirm_box.setChecked(True)
            recovery.continue_button.click()
            await wait_for(lambda: isinstance(controller.window, MainWindow), timeout=30)
            restored = controller.client
            assert restored is not None
            assert (restored.username, restored.device_id) == ("alice", 1)
        finally:
            await close_app(controller)
        reopened = await ChatClient.unlock(tmp_path / "new", NEW_PASSWORD)
        try:
            assert await reopened.messages.count(PEER) == MESSAGES
        finally:
            await reopened.close()
        with pytest.raises(Exception, match="password"):
            await ChatClient.unlock(tmp_path / "new", PASSWORD)


async def test_back_returns_to_the_sign_up(qtbot: QtBot, tmp_path: Path) -> None:
    controller = AppController(tmp_path / "profile", "http://127.0.0.1:1", kdf_params=FLOOR_PARAMS)
    try:
        controller.start()
        sign_up = controller.dialog
        assert isinstance(sign_up, CreateAccountDialog)
        qtbot.addWidget(sign_up)
        sign_up.restore_button.click()
        restore = controller.dialog
        assert isinstance(restore, RestoreBackupDialog)
        qtbot.addWidget(restore)
        restore.start_button.click()  # no file chosen: said, nothing started
        assert restore.error_label.text() == "Choose the backup file."
        assert not restore.busy
        restore.back_button.click()
        assert isinstance(controller.dialog, CreateAccountDialog)
    finally:
        await close_app(controller)
