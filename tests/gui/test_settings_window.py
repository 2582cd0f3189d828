"""The settings window: every control saves through the engine at once and survives a restart.

A real ChatClient on a real relay (127.0.0.1, port 0), real SQLCipher files, real widgets
offscreen. Values are read back through the engine, never from the widgets that set them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from keyring_double import MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QSpinBox,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import RecoveryKeyDialog
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.preferences import Appearance, Preferences
from chat_desktop.storage.errors import WrongRecoveryKey
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

WRONG = "not the right password at all"


@contextlib.asynccontextmanager
async def running_relay(tmp_path: Path) -> AsyncIterator[str]:
    """A real relay on 127.0.0.1, port 0, started in the test itself (on its qasync loop)."""
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    try:
        yield relay.url
    finally:
        await relay.stop()


async def new_account(profile: Path, relay_url: str, username: str) -> tuple[ChatClient, str]:
    """Creates and registers an account; returns the client and its recovery key."""
    return await ChatClient.create(profile, relay_url, username, PASSWORD, kdf_params=FLOOR_PARAMS)


async def open_window(qtbot: QtBot, client: ChatClient) -> SettingsWindow:
    """Shows a settings window and waits until it has read the stored values."""
    window = SettingsWindow(client)
    qtbot.addWidget(window)
    window.show()
    await window.loading
    return window


def notices(parent: QWidget) -> list[QMessageBox]:
    """The visible message boxes over ``parent``."""
    return [box for box in parent.findChildren(QMessageBox, "notice") if box.isVisible()]


async def test_every_control_saves_at_once_and_survives_a_restart(
    qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, _ = await new_account(profile, relay_url, "sana")
        await client.connect()
        window = await open_window(qtbot, client)
        privacy, appearance = window.privacy_page, window.appearance_page
        emitted: dict[str, list[object]] = {}
        for name in (
            "themeChanged",
            "textScaleChanged",
            "languageChanged",
            "idleLockChanged",
            "crashReportsChanged",
        ):
            getattr(window, name).connect(
                lambda value, name=name: emitted.setdefault(name, []).append(value)
            )
        # The defaults are what the controls show first.
        assert privacy.idle_lock_spin.value() == 15
        assert privacy.read_receipts_box.isChecked() and privacy.show_online_box.isChecked()
        assert not privacy.keychain_box.isChecked() and not privacy.crash_reports_box.isChecked()

        privacy.idle_lock_spin.setValue(45)
        privacy.keychain_box.setChecked(True)
        privacy.show_online_box.setChecked(False)
        privacy.read_receipts_box.setChecked(False)
        privacy.typing_box.setChecked(False)
        privacy.notification_combo.setCurrentIndex(privacy.notification_combo.findData("sender"))
        privacy.crash_reports_box.setChecked(True)
        appearance.theme_combo.setCurrentIndex(appearance.theme_combo.findData("dark"))
        appearance.text_scale_combo.setCurrentIndex(appearance.text_scale_combo.findData(150))
        appearance.language_combo.setCurrentIndex(appearance.language_combo.findData("id"))
        window.account_page.relay_edit.setText("ftp://nowhere")  # refused: the edit reverts
        window.account_page.save_relay()
        await wait_for(lambda: not window.saving)
        assert window.account_page.relay_edit.text() == relay_url
        assert [box.text() for box in notices(window)] == [
            "Relay address: must look like https://relay.example.org or http://host:port"
        ]
        notices(window)[0].close()
        window.account_page.relay_edit.setText("HTTPS://Relay.Example.org/")
        window.account_page.relay_save_button.click()
        await wait_for(lambda: not window.saving)

        wanted = Preferences(
            read_receipts=False,
            typing_indicators=False,
            show_online=False,
            idle_lock_minutes=45,
            notification_content="sender",
        )
        assert await client.preferences.load() == wanted  # read back through the engine
        assert await client.preferences.crash_reports()
        assert ChatClient.keychain_unlock_enabled(profile)
        assert ChatClient.appearance(profile) == Appearance("dark", 150, "id")
        assert emitted == {
            "idleLockChanged": [45],
            "crashReportsChanged": [True],
            "themeChanged": ["dark"],
            "textScaleChanged": [150],
            "languageChanged": ["id"],
        }
        assert window.account_page.relay_edit.text() == "https://relay.example.org"
        assert client.relay_url == relay_url  # the new relay waits for the next unlock
        assert not notices(window)

        window.close()
        await client.close()
        reopened = await ChatClient.unlock(profile, PASSWORD)
        try:
            assert reopened.relay_url == "https://relay.example.org"
            again = await open_window(qtbot, reopened)
            privacy, appearance = again.privacy_page, again.appearance_page
            assert privacy.idle_lock_spin.value() == 45
            assert privacy.keychain_box.isChecked()
            assert not privacy.show_online_box.isChecked()
            assert not privacy.read_receipts_box.isChecked()
            assert not privacy.typing_box.isChecked()
            assert privacy.notification_combo.currentData() == "sender"
            assert privacy.crash_reports_box.isChecked()
            assert appearance.theme_combo.currentData() == "dark"
            assert appearance.text_scale_combo.currentData() == 150
            assert appearance.language_combo.currentData() == "id"
            assert again.account_page.relay_edit.text() == "https://relay.example.org"
            assert again.account_page.username_edit.text() == "sana"
            assert again.account_page.username_edit.isReadOnly()
            again.close()
        finally:
            await reopened.close()


async def test_a_failing_keychain_toggle_reverts_and_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    async with running_relay(tmp_path) as relay_url:
        # The tests' default keychain backend fails every call, as on a machine without one.
        profile = tmp_path / "profile"
        client, _ = await new_account(profile, relay_url, "tomas")
        try:
            window = await open_window(qtbot, client)
            box = window.privacy_page.keychain_box
            box.setChecked(True)
            await wait_for(lambda: not window.saving)
            assert not box.isChecked()
            assert not ChatClient.keychain_unlock_enabled(profile)
            shown = notices(window)
            assert len(shown) == 1 and "keychain" in shown[0].text()
            # A refused preference reverts its control too, the others keep theirs.
            window.privacy_page.read_receipts_box.setChecked(False)
            window.privacy_page.save("idle_lock_minutes", 5000)
            await wait_for(lambda: not window.saving)
            assert window.privacy_page.idle_lock_spin.value() == 15
            assert (await client.preferences.load()).idle_lock_minutes == 15
            assert not (await client.preferences.load()).read_receipts
            assert any("Lock after: must be" in box.text() for box in notices(window))
            window.close()
        finally:
            await client.close()


async def test_a_wrong_password_in_new_recovery_key_changes_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, recovery_key = await new_account(profile, relay_url, "umar")
        try:
            window = await open_window(qtbot, client)
            window.account_page.recovery_key_button.click()
            prompt = window.account_page.recovery_prompt
            assert prompt is not None and prompt.isVisible()
            assert not prompt.action_button.isEnabled()  # nothing typed yet
            prompt.password_edit.setText(WRONG)
            prompt.submit()
            await wait_for(lambda: prompt.error_label.text() != "")
            assert prompt.error_label.text().startswith("Wrong password.")
            assert WRONG not in prompt.error_label.text()
            assert prompt.isVisible() and window.account_page.recovery_key_dialog is None
            prompt.close()
            window.close()
        finally:
            await client.close()
        reopened = await ChatClient.unlock_with_recovery_key(profile, recovery_key)  # still works
        await reopened.close()


async def test_new_recovery_key_replaces_the_old_one_and_is_shown_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, old_key = await new_account(profile, relay_url, "vera")
        try:
            window = await open_window(qtbot, client)
            window.account_page.recovery_key_button.click()
            prompt = window.account_page.recovery_prompt
            assert prompt is not None
            prompt.password_edit.setText(PASSWORD)
            prompt.action_button.click()
            await wait_for(lambda: window.account_page.recovery_key_dialog is not None)
            shown = window.account_page.recovery_key_dialog
            assert isinstance(shown, RecoveryKeyDialog) and shown.isVisible()
            new_key = shown.key_label.text()
            assert new_key and new_key != old_key
            assert not prompt.isVisible() and prompt.password_edit.text() == ""
            shown.confirm_box.setChecked(True)
            shown.continue_button.click()
            window.close()
        finally:
            await client.close()
        with pytest.raises(WrongRecoveryKey):
            await ChatClient.unlock_with_recovery_key(profile, old_key)
        reopened = await ChatClient.unlock_with_recovery_key(profile, new_key)
        await reopened.close()


async def test_delete_account_needs_the_password_and_an_explicit_yes(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, _ = await new_account(profile, relay_url, "wren")
        await client.connect()
        window = await open_window(qtbot, client)
        deleted: list[bool] = []
        window.accountDeleted.connect(lambda: deleted.append(True))
        try:
            window.account_page.delete_button.click()
            prompt = window.account_page.delete_prompt
            assert prompt is not None
            prompt.password_edit.setText(PASSWORD)
            assert not prompt.action_button.isEnabled()  # the "I understand" box comes first
            prompt.submit()
            assert Vault.exists(profile)
            prompt.confirm_box.setChecked(True)
            prompt.password_edit.setText(WRONG)
            prompt.action_button.click()
            await wait_for(lambda: prompt.error_label.text().startswith("Wrong password."))
            assert Vault.exists(profile) and not deleted

            # Once the wait after the wrong password is over, the right one deletes everything.
            prompt.password_edit.setText(PASSWORD)
            await wait_for(prompt.action_button.isEnabled)
            prompt.action_button.click()
            await wait_for(lambda: bool(deleted) or not prompt.error_label.isHidden())
            assert deleted, prompt.error_label.text()
            assert not profile.exists()
            assert not window.isVisible()  # the window closes with the account
        finally:
            if not deleted:
                await client.close()


async def test_layout_names_every_control_and_fits_760_by_520(qtbot: QtBot, tmp_path: Path) -> None:
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, _ = await new_account(profile, relay_url, "xena")
        try:
            window = await open_window(qtbot, client)
            assert (window.width(), window.height()) == (760, 520)
            controls = (QAbstractButton, QComboBox, QLineEdit, QSpinBox, QListWidget, QTableWidget)
            for kind in controls:
                for control in window.findChildren(kind):
                    if control.parent() is not None and control.objectName().startswith("qt_"):
                        continue  # Qt's own parts (the spin box's line edit, scroll bars)
                    if isinstance(control, QLineEdit) and isinstance(control.parent(), QSpinBox):
                        continue
                    assert control.objectName(), control
                    assert control.accessibleName(), control.objectName()
            about = window.about_page.components_table
            names = [about.item(row, 0).text() for row in range(about.rowCount())]
            for component in ("cryptography", "sqlcipher3", "Qt", "SQLCipher"):
                assert component in names
            licences = {
                about.item(row, 0).text(): about.item(row, 2).text()
                for row in range(about.rowCount())
            }
            assert "LGPL-3.0" in licences["Qt"]
            assert all(licences.values())
            for row, name in enumerate(("account", "privacy", "appearance", "about")):
                window.show_section(row)
                page = window.pages.currentWidget()
                assert page is not None
                # Nothing scrolls at 100 %: the page fits the window.
                inner = page.widget()  # type: ignore[attr-defined]
                assert inner.minimumSizeHint().height() <= page.height(), name
                window.grab().save(str(Path("/tmp") / f"settings-{name}.png"))
            qtbot.keyClick(window, Qt.Key.Key_Escape)
            assert not window.isVisible()
        finally:
            await client.close()


async def test_changing_the_password_asks_for_the_current_one_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    new_password = "a much longer new passphrase 42"
    async with running_relay(tmp_path) as relay_url:
        profile = tmp_path / "profile"
        client, _key = await new_account(profile, relay_url, "wira")
        try:
            window = await open_window(qtbot, client)
            page = window.account_page
            page.change_password_button.click()
            prompt = page.current_password_prompt
            assert prompt is not None and prompt.isVisible()
            # Someone at the unlocked computer, without the password, gets no further.
            prompt.password_edit.setText(WRONG)
            prompt.submit()
            await wait_for(lambda: prompt.error_label.text() != "")
            assert prompt.isVisible() and page.password_dialog is None
            prompt.close()

            page.change_password_button.click()
            prompt = page.current_password_prompt
            assert prompt is not None
            prompt.password_edit.setText(PASSWORD)
            for _attempt in range(3):  # the wrong try set a back-off of about a second
                prompt.error_label.setText("")
                prompt.action_button.click()
                await wait_for(
                    lambda: page.password_dialog is not None or prompt.error_label.text() != ""
                )
                if page.password_dialog is not None:
                    break
                await wait_for(prompt.action_button.isEnabled, timeout=5)
            dialog = page.password_dialog
            assert dialog is not None
            dialog.password_edit.setText(new_password)
            dialog.confirm_edit.setText(new_password)
            dialog.submit()
            await wait_for(lambda: not dialog.isVisible())
            window.close()
        finally:
            await client.close()
        reopened = await ChatClient.unlock(profile, new_password)
        await reopened.close()
