"""Every window of the app, walked widget by widget, in English and in Indonesian.

It fails on a control without an accessible name (what a screen reader says for it) and on a
visible string that is not in the translation catalogue: a text written outside Qt's
translation system stays English in the Indonesian app and fails here, naming the widget.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from ui_walk import problems

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import (
    CreateAccountDialog,
    NewPasswordDialog,
    RecoveryKeyDialog,
    UnlockDialog,
)
from chat_desktop.gui.account.link_device import LinkDeviceDialog
from chat_desktop.gui.account.restore import RestoreOfferDialog
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.common.translation import apply_language
from chat_desktop.gui.conversation.group_conversation import GroupConversationView
from chat_desktop.gui.conversation.message_model import accessible_text
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog
from chat_desktop.gui.settings.device_events import UnlinkedNotice
from chat_desktop.gui.settings.window import SettingsWindow
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import DeviceSummary

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    chosen = str(request.param)
    apply_language(chosen)
    try:
        yield chosen
    finally:
        apply_language("en")


@asynccontextmanager
async def two_accounts(root: Path) -> AsyncIterator[tuple[ChatClient, ChatClient]]:
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    clients: list[ChatClient] = []
    try:
        for name in ("alice", "bob"):
            client, _key = await ChatClient.create(
                root / name, relay.url, name, PASSWORD, kdf_params=FLOOR_PARAMS
            )
            clients.append(client)
            await client.connect()
            await client.wait_connected()
        alice, bob = clients
        await alice.conversations.start("bob")  # no message request (services/requests.py)
        await bob.messages.send_text("alice", "hello alice, a searchable word: pineapple")
        await wait_for_message(alice)
        yield alice, bob
    finally:
        for client in clients:
            await client.close()
        await relay.stop()


async def wait_for_message(client: ChatClient) -> None:
    async with asyncio.timeout(20):
        while not await client.messages.count("bob"):
            await asyncio.sleep(0.01)


def walk(window: QWidget, language: str, found: list[str]) -> None:
    found.extend(f"{type(window).__name__}: {problem}" for problem in problems(window, language))


@pytest.mark.parametrize("language", ["en", "id"], indirect=True)
async def test_every_window_names_its_controls_and_translates_its_texts(
    language: str, tmp_path: Path, qtbot: QtBot
) -> None:
    found: list[str] = []
    async with two_accounts(tmp_path) as (alice, _bob):
        # Before an account exists, and before it is unlocked.
        create = CreateAccountDialog(tmp_path / "new", "http://127.0.0.1:1")
        qtbot.addWidget(create)
        walk(create, language, found)
        unlock = UnlockDialog(tmp_path / "bob")
        qtbot.addWidget(unlock)
        unlock.recovery_button.setChecked(True)  # both of its states
        walk(unlock, language, found)
        unlock.recovery_button.setChecked(False)
        walk(unlock, language, found)
        recovery = RecoveryKeyDialog("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567-ABCD-EFGH-IJKL-MNOP")
        qtbot.addWidget(recovery)
        walk(recovery, language, found)
        for snapshots in ([tmp_path / "snapshot.db"], []):
            restore = RestoreOfferDialog(snapshots)
            qtbot.addWidget(restore)
            walk(restore, language, found)
        new_password = NewPasswordDialog(alice)
        qtbot.addWidget(new_password)
        walk(new_password, language, found)
        await walk_link_device_steps(alice, tmp_path / "linked", qtbot, language, found)

        # The unlocked window, with a conversation, its banner and every dialog it opens.
        bridge = EventBridge(alice.events)
        window = MainWindow(alice, bridge)
        qtbot.addWidget(window)
        bridge.start()
        try:
            window.show()
            await window.open_conversation_now("bob")
            window.conversation_view.on_identity_key_changed("bob", True)
            window.conversation_view.on_presence_changed("bob", False, 1_700_000_000_000)
            await wait_for(lambda: window.conversation_list.list.count() == 1)
            walk(window, language, found)

            window.show_new_chat_dialog()
            assert window.new_chat_dialog is not None
            walk(window.new_chat_dialog, language, found)
            window.new_chat_dialog.reject()
            await walk_group_dialogs(window, alice, language, found)

            window.show_quick_switcher()
            assert window.quick_switcher is not None
            walk(window.quick_switcher, language, found)
            window.quick_switcher.reject()

            window.show_search()
            panel = window.search_panel
            assert panel is not None
            panel.query_edit.setText("pineapple")
            panel.search_now()
            await wait_for(lambda: panel.results.count() == 1)
            walk(panel, language, found)
            panel.reject()

            window.show_settings()
            settings = window.settings_window
            assert settings is not None
            await settings.loading
            await settings.devices_page.loading
            walk(settings, language, found)
            await walk_devices_page(alice, settings, language, found)
            settings.close()

            safety = SafetyNumberDialog("bob", "12345 " * 12, False)
            qtbot.addWidget(safety)
            walk(safety, language, found)
        finally:
            window.close_for_lock()
            await bridge.stop()
    assert not found, "\n".join(found)


async def walk_group_dialogs(
    window: MainWindow, alice: ChatClient, language: str, found: list[str]
) -> None:
    """New group, a group's header, its members page, "Add members" and message info."""
    window.show_new_group_dialog()
    await wait_for(lambda: window.new_group_dialog is not None)
    assert window.new_group_dialog is not None
    walk(window.new_group_dialog, language, found)
    window.new_group_dialog.reject()
    group = await alice.groups.create("Walk", ["bob"])
    await window.open_conversation_now(group)
    pane = window.conversation_view
    assert isinstance(pane, GroupConversationView)
    await wait_for(lambda: pane.group_state is not None)
    walk(window, language, found)
    pane.show_members()
    await wait_for(lambda: pane.members_dialog is not None)
    members = pane.members_dialog
    assert members is not None
    members.select("bob")
    walk(members, language, found)
    members.show_add()
    assert members.add_dialog is not None
    walk(members.add_dialog, language, found)
    members.add_dialog.reject()
    members.reject()
    sent = await alice.groups.send_text(group, "for the walk")
    pane.show_details(sent)
    await wait_for(lambda: pane.info_dialog is not None)
    assert pane.info_dialog is not None
    walk(pane.info_dialog, language, found)
    pane.info_dialog.reject()
    await window.open_conversation_now("bob")


async def walk_link_device_steps(
    alice: ChatClient, profile: Path, qtbot: QtBot, language: str, found: list[str]
) -> None:
    """The first run's link dialog at each of its three steps (a real code, a real offer)."""
    link = LinkDeviceDialog(profile, alice.relay_url, kdf_params=FLOOR_PARAMS)
    qtbot.addWidget(link)
    link.show()
    link.password_edit.setText("password123")
    link.confirm_edit.setText("password123")
    link.submit()
    await wait_for(lambda: link.use_anyway_button.isVisibleTo(link))  # the weak warning
    walk(link, language, found)
    link.password_edit.setText(PASSWORD)
    link.confirm_edit.setText(PASSWORD)
    link.submit()
    await wait_for(lambda: link.step is link.code_page)
    walk(link, language, found)
    await alice.devices.link(link.code, transfer_history=False)
    await wait_for(lambda: link.step is link.confirm_page)
    walk(link, language, found)
    link.reject()


async def walk_devices_page(
    alice: ChatClient, settings: SettingsWindow, language: str, found: list[str]
) -> None:
    """Settings → Devices with every kind of row, its link dialog, and its questions."""
    page = settings.devices_page
    page.show_devices(
        [
            DeviceSummary(1, "Desk", 1_700_000_000_000, None, True),
            DeviceSummary(2, "Laptop", 1_700_000_000_000, 1_700_100_000_000, False),
            DeviceSummary(3, None, 1_700_000_000_000, None, False),
        ]
    )
    walk(settings, language, found)
    page.link_button.click()
    dialog = page.link_dialog
    assert dialog is not None
    walk(dialog, language, found)
    dialog.code_edit.setText("not a code")
    assert dialog.error_label.isVisibleTo(dialog)
    walk(dialog, language, found)
    pending = await ChatClient.begin_link(alice.relay_url, "Tablet")
    dialog.code_edit.setText(pending.code)
    assert dialog.history_box.isVisibleTo(dialog)
    walk(dialog, language, found)
    dialog.reject()
    await pending.cancel()
    for device_id in (1, 2):  # this computer, another device
        page.unlink_buttons[device_id].click()
        await wait_for(lambda: page.unlink_question is not None)
        question = page.unlink_question
        assert question is not None
        walk(question, language, found)
        question.cancel_button.click()
        await wait_for(lambda: page.unlink_question is None)
    notice = UnlinkedNotice("alice", settings)
    walk(notice, language, found)
    notice.close()


async def test_the_walk_finds_a_nameless_control_and_an_untranslated_text(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel("Words nobody translated", window)
    button = QPushButton(window)  # no text, no name
    label.show()
    button.show()
    found = problems(window, "id")
    assert any("no accessible name" in problem for problem in found)
    assert any("Words nobody translated" in problem for problem in found)


async def test_bubbles_tell_a_screen_reader_who_when_and_how_far(tmp_path: Path) -> None:
    async with two_accounts(tmp_path) as (alice, _bob):
        message = (await alice.messages.history("bob", 1))[0]
        text = accessible_text(message)
        assert text.startswith("bob, ") and "pineapple" in text
        await alice.messages.send_text("bob", "mine")
        ours = (await alice.messages.history("bob", 1))[0]
        spoken = accessible_text(ours)
        assert spoken.startswith("You, ") and "mine" in spoken
        assert spoken.rstrip(".").split(". ")[-1] in {"sending", "sent", "delivered", "read"}
