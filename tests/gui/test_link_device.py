"""The first run's "Link to an existing account", and what an unlinked computer is told.

Real parts only: a relay on 127.0.0.1 (port 0), real accounts made with ``ChatClient``, real
SQLCipher profiles, the real dialogs driven as a user would. The existing device's side is
the engine's own call (``link_device``), made by the test with the code the dialog shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, close_app, unlock_in, wait_for
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import CreateAccountDialog, RecoveryKeyDialog
from chat_desktop.gui.account.link_device import LinkDeviceDialog
from chat_desktop.gui.settings.device_events import UnlinkedNotice
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.vault_file import Vault

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

NEW_PASSWORD = "this laptop's own passphrase 31"


@contextlib.asynccontextmanager
async def running_relay(root: Path) -> AsyncIterator[str]:
    """A real relay on 127.0.0.1, port 0, on the test's qasync loop."""
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    try:
        yield relay.url
    finally:
        await relay.stop()


async def online_account(profile: Path, relay_url: str, name: str) -> ChatClient:
    """A registered, connected account."""
    client, _key = await ChatClient.create(
        profile, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS, device_name="Desk"
    )
    await client.connect()
    await client.wait_connected()
    return client


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def notice_of(app: AppController) -> UnlinkedNotice | None:
    """The "this computer was unlinked" notice the app shows, if any."""
    return app.unlinked_notice


def link_dialog_of(controller: AppController, qtbot: QtBot) -> LinkDeviceDialog:
    dialog = controller.dialog
    assert isinstance(dialog, LinkDeviceDialog)
    qtbot.addWidget(dialog)
    return dialog


def fill_link_form(dialog: LinkDeviceDialog, name: str, password: str) -> None:
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    dialog.confirm_edit.setText(password)


async def test_first_run_links_this_computer_to_an_existing_account(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay_url:
        try:
            a1 = await online_account(tmp_path / "a1", relay_url, "alice")
            bob = await online_account(tmp_path / "bob", relay_url, "bob")
            clients += [a1, bob]
            await bob.messages.send_text("alice", "hello from bob")
            await wait_for_message(a1, "bob")

            controller = app = AppController(
                tmp_path / "a2", relay_url, kdf_params=FLOOR_PARAMS, idle_lock_s=0
            )
            app.start()
            create = app.dialog
            assert isinstance(create, CreateAccountDialog)
            qtbot.addWidget(create)
            # The choice at the top switches between the two ways in, both ways.
            create.choice.link_button.click()
            link = link_dialog_of(app, qtbot)
            link.choice.create_button.click()
            assert isinstance(app.dialog, CreateAccountDialog)
            qtbot.addWidget(app.dialog)
            app.dialog.choice.link_button.click()
            link = link_dialog_of(app, qtbot)
            assert link.relay_edit.text() == relay_url

            fill_link_form(link, "Laptop", NEW_PASSWORD)
            link.continue_button.click()
            await wait_for(lambda: link.step is link.code_page)
            code = link.code_edit.toPlainText()
            assert code.startswith("chat-desktop-link:v1?")
            assert not link.qr_label.pixmap().isNull()
            assert not link.choice.isVisibleTo(link)  # Cancel is the way back now
            link.copy_button.click()
            assert link.copy_button.text() == "Copied"

            await a1.devices.link(code)  # the user pastes it on the other computer
            await wait_for(lambda: link.step is link.confirm_page)
            assert link.join_title.text() == "Join alice's account?"
            assert link.join_details.text() == "Contacts: 1 \u00b7 message history included"
            assert not Vault.exists(tmp_path / "a2")  # nothing is made before the user agrees

            link.join_button.click()
            await wait_for(lambda: isinstance(app.dialog, RecoveryKeyDialog), timeout=30)
            recovery = app.dialog
            assert isinstance(recovery, RecoveryKeyDialog)
            qtbot.addWidget(recovery)
            assert recovery.key_label.text()
            recovery.confirm_box.setChecked(True)
            recovery.continue_button.click()
            await wait_for(lambda: isinstance(app.window, MainWindow), timeout=30)
            a2 = app.client
            assert a2 is not None
            assert (a2.username, a2.device_id) == ("alice", 2)
            assert NEW_PASSWORD not in link.error_label.text()

            devices = await a1.devices.list()
            assert [(d.device_id, d.name) for d in devices] == [(1, "Desk"), (2, "Laptop")]
            # This computer opens with its own password.
            await close_app(controller)
            controller = None
            reopened = await ChatClient.unlock(tmp_path / "a2", NEW_PASSWORD)
            clients.append(reopened)
            assert reopened.username == "alice" and reopened.device_id == 2
        finally:
            await close_app(controller)
            for client in clients:
                await client.close()


async def wait_for_message(client: ChatClient, peer: str) -> None:
    async with asyncio.timeout(20):
        while not await client.messages.count(peer):
            await asyncio.sleep(0.02)


async def test_the_link_form_checks_the_password_and_explains_errors_inline(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = LinkDeviceDialog(tmp_path / "new", closed_port_url(), kdf_params=FLOOR_PARAMS)
    qtbot.addWidget(dialog)
    dialog.show()

    fill_link_form(dialog, "Laptop", "short")
    dialog.submit()
    await wait_for(lambda: "at least" in dialog.error_label.text())

    fill_link_form(dialog, "Laptop", "password123")
    dialog.submit()
    await wait_for(lambda: "easy to guess" in dialog.error_label.text())
    assert dialog.use_anyway_button.isVisibleTo(dialog)

    fill_link_form(dialog, "Laptop", NEW_PASSWORD)
    dialog.confirm_edit.setText(NEW_PASSWORD + "!")
    dialog.submit()
    assert "differ" in dialog.error_label.text()

    fill_link_form(dialog, "", NEW_PASSWORD)
    dialog.submit()
    assert "name" in dialog.error_label.text()

    fill_link_form(dialog, "Laptop", NEW_PASSWORD)
    dialog.submit()
    await wait_for(lambda: "could not be reached" in dialog.error_label.text())
    await wait_for(lambda: dialog.continue_button.isEnabled())
    assert dialog.step is dialog.form_page  # no code without a channel
    assert NEW_PASSWORD not in dialog.error_label.text()
    assert not Vault.exists(tmp_path / "new")


async def test_cancelling_the_code_goes_back_and_a_new_code_is_another(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with running_relay(tmp_path) as relay_url:
        dialog = LinkDeviceDialog(tmp_path / "new", relay_url, kdf_params=FLOOR_PARAMS)
        qtbot.addWidget(dialog)
        dialog.show()
        fill_link_form(dialog, "Laptop", NEW_PASSWORD)
        dialog.continue_button.click()
        await wait_for(lambda: dialog.step is dialog.code_page)
        first = dialog.code
        dialog.code_cancel_button.click()
        await wait_for(lambda: dialog.step is dialog.form_page)
        assert dialog.pending is None and dialog.code == ""
        dialog.continue_button.click()
        await wait_for(lambda: dialog.step is dialog.code_page)
        assert dialog.code.startswith("chat-desktop-link:v1?") and dialog.code != first
        dialog.reject()  # closing the window closes the link too
        assert dialog.pending is None


async def test_an_unlinked_computer_says_so_and_erases_its_data_on_request(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay_url:
        try:
            a1 = await online_account(tmp_path / "a1", relay_url, "alice")
            clients.append(a1)
            pending = await ChatClient.begin_link(relay_url, "Laptop")
            offer = asyncio.ensure_future(pending.wait_for_offer())
            await a1.devices.link(pending.code, transfer_history=False)
            await offer
            a2, _key = await pending.accept(tmp_path / "a2", PASSWORD, kdf_params=FLOOR_PARAMS)
            await a2.close()

            controller = app = AppController(tmp_path / "a2", relay_url, idle_lock_s=0)
            app.start()
            await unlock_in(app, qtbot)
            a2_client = app.client
            assert a2_client is not None
            await wait_for(lambda: a2_client.connected)  # the app connects after its window
            assert notice_of(app) is None

            await a1.devices.unlink(2)
            await wait_for(lambda: notice_of(app) is not None)
            notice = notice_of(app)
            assert notice is not None
            assert notice.text() == "This computer was unlinked from alice's account"
            texts = {button.text() for button in notice.buttons()}
            assert texts == {"Erase data from this computer", "Keep for now"}
            assert (tmp_path / "a2").exists()

            notice.erase_button.click()
            await wait_for(lambda: isinstance(app.dialog, CreateAccountDialog))
            qtbot.addWidget(app.dialog)
            assert app.client is None and app.window is None
            assert not (tmp_path / "a2").exists()
            assert [d.device_id for d in await a1.devices.list()] == [1]
        finally:
            await close_app(controller)
            for client in clients:
                await client.close()


async def test_keep_for_now_leaves_the_profile_and_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    controller: AppController | None = None
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay_url:
        try:
            a1 = await online_account(tmp_path / "a1", relay_url, "alice")
            clients.append(a1)
            pending = await ChatClient.begin_link(relay_url, "Laptop")
            offer = asyncio.ensure_future(pending.wait_for_offer())
            await a1.devices.link(pending.code, transfer_history=False)
            await offer
            a2, _key = await pending.accept(tmp_path / "a2", PASSWORD, kdf_params=FLOOR_PARAMS)
            await a2.close()
            await a1.devices.unlink(2)  # while this computer was off

            controller = app = AppController(tmp_path / "a2", relay_url, idle_lock_s=0)
            app.start()
            window = await unlock_in(app, qtbot)
            await wait_for(lambda: notice_of(app) is not None)
            notice = notice_of(app)
            assert notice is not None
            assert notice.keep_button.text() == "Keep for now"
            notice.keep_button.click()
            await wait_for(lambda: notice_of(app) is None)
            assert app.window is window and app.client is not None
            assert Vault.exists(tmp_path / "a2")
        finally:
            await close_app(controller)
            for client in clients:
                await client.close()
