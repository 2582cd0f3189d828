"""First-run and unlock dialogs: errors shown inline, never the password."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, wait_for
from keyring_double import MemoryKeyring
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import CreateAccountDialog, UnlockDialog
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

WRONG = "not the right password at all"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def fill(dialog: CreateAccountDialog, username: str, password: str) -> None:
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(password)
    dialog.confirm_edit.setText(password)


async def test_create_dialog_explains_policy_and_network_errors_inline(
    qtbot: QtBot, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    dialog = CreateAccountDialog(profile, closed_port_url(), kdf_params=FLOOR_PARAMS)
    qtbot.addWidget(dialog)
    dialog.show()

    fill(dialog, "carol", "short")
    dialog.submit()
    await wait_for(lambda: "at least" in dialog.error_label.text())

    fill(dialog, "carol", "password123")
    dialog.submit()
    await wait_for(lambda: "easy to guess" in dialog.error_label.text())
    assert dialog.use_anyway_button.isVisible()

    fill(dialog, "carol", PASSWORD)
    dialog.confirm_edit.setText(PASSWORD + "!")
    dialog.submit()
    assert "differ" in dialog.error_label.text()

    fill(dialog, "carol", PASSWORD)
    dialog.submit()
    await wait_for(lambda: "could not be reached" in dialog.error_label.text())
    await wait_for(lambda: dialog.create_button.isEnabled())
    assert PASSWORD not in dialog.error_label.text()
    assert not Vault.exists(profile)  # a failed registration leaves no half-made profile


async def test_unlock_dialog_shows_wrong_password_and_the_backoff(
    qtbot: QtBot, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    vault, _recovery = Vault.create(profile, PASSWORD, kdf_params=FLOOR_PARAMS)
    vault.lock()
    first = UnlockDialog(profile)
    qtbot.addWidget(first)
    first.show()
    first.password_edit.setText(WRONG)
    first.submit()
    await wait_for(lambda: first.error_label.text() != "")
    assert first.error_label.text().startswith("Wrong password. Try again in")
    assert not first.unlock_button.isEnabled()  # the dialog enforces the wait too
    # Right after, as if the app were restarted: the vault refuses before even trying.
    second = UnlockDialog(profile)
    qtbot.addWidget(second)
    second.show()
    second.password_edit.setText(PASSWORD)
    second.submit()
    await wait_for(lambda: second.error_label.text() != "")
    assert second.error_label.text().startswith("Too many wrong passwords. Try again in")
    for dialog in (first, second):
        assert WRONG not in dialog.error_label.text()
        assert PASSWORD not in dialog.error_label.text()


async def test_forgotten_password_recovery_key_then_a_new_password(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from chat_desktop.relay.app import RelayServer
    from chat_desktop.relay.config import RelayConfig
    from chat_desktop.services.client import ChatClient
    from chat_desktop.storage.errors import WrongPassword

    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    try:
        client, recovery_key = await ChatClient.create(
            profile, relay.url, "carol", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await client.close()
        dialog = UnlockDialog(profile)
        qtbot.addWidget(dialog)
        dialog.show()
        assert "carol" in dialog.windowTitle()  # the dialog names the account it opens
        assert "carol" in dialog.findChild(QLabel, "unlockTitle").text()
        unlocked: list[ChatClient] = []
        dialog.unlocked.connect(unlocked.append)

        dialog.recovery_button.setChecked(True)
        dialog.password_edit.setText("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH-IIII-JJJJ-KKKK-LLLL")
        dialog.submit()
        await wait_for(lambda: "does not open" in dialog.error_label.text())

        dialog.password_edit.setText(recovery_key)
        dialog.submit()
        await wait_for(lambda: dialog.new_password_dialog is not None)
        chooser = dialog.new_password_dialog
        assert chooser is not None
        # A weak one is warned about, as at sign-up, and may be used anyway.
        weak = "password12345"
        chooser.password_edit.setText(weak)
        chooser.confirm_edit.setText(weak)
        chooser.submit()
        await wait_for(lambda: "easy to guess" in chooser.error_label.text())
        assert chooser.use_anyway_button.isVisibleTo(chooser)
        assert not unlocked
        new_password = "a brand new passphrase 77"
        chooser.password_edit.setText(new_password)
        assert not chooser.use_anyway_button.isVisibleTo(chooser)  # a new try, a new check
        chooser.confirm_edit.setText(new_password)
        chooser.submit()
        await wait_for(lambda: bool(unlocked))
        await unlocked[0].close()

        reopened = await ChatClient.unlock(profile, new_password)
        await reopened.close()
        with pytest.raises(WrongPassword):
            await ChatClient.unlock(profile, PASSWORD)
    finally:
        await relay.stop()


async def test_keychain_opt_in_unlocks_without_the_password(
    qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from chat_desktop.relay.app import RelayServer
    from chat_desktop.relay.config import RelayConfig
    from chat_desktop.services.client import ChatClient

    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    try:
        client, _ = await ChatClient.create(
            profile, relay.url, "gina", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await client.account.set_keychain_unlock(True)
        await client.close()
        dialog = UnlockDialog(profile)
        qtbot.addWidget(dialog)
        unlocked: list[ChatClient] = []
        dialog.unlocked.connect(unlocked.append)
        dialog.show()
        await wait_for(lambda: bool(unlocked))  # no password typed
        await unlocked[0].close()

        memory_keyring.entries.clear()  # the keychain lost the secret: the password still works
        second = UnlockDialog(profile)
        qtbot.addWidget(second)
        second.show()
        await wait_for(lambda: "keychain could not unlock" in second.error_label.text())
        second.password_edit.setText(PASSWORD)
        second.submit()
        reopened: list[ChatClient] = []
        second.unlocked.connect(reopened.append)
        await wait_for(lambda: bool(reopened))
        await reopened[0].close()
    finally:
        await relay.stop()
