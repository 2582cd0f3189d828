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
from chat_desktop.gui.account_dialogs import (
    CreateAccountDialog,
    NewPasswordDialog,
    RecoveryKeyDialog,
    UnlockDialog,
)
from chat_desktop.gui.event_bridge import EventBridge
from chat_desktop.gui.main_window import MainWindow
from chat_desktop.gui.message_model import accessible_text
from chat_desktop.gui.restore import RestoreOfferDialog
from chat_desktop.gui.safety_number import SafetyNumberDialog
from chat_desktop.gui.translation import apply_language
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

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
        await bob.send_text("alice", "hello alice, a searchable word: pineapple")
        await wait_for_message(alice)
        yield alice, bob
    finally:
        for client in clients:
            await client.close()
        await relay.stop()


async def wait_for_message(client: ChatClient) -> None:
    async with asyncio.timeout(20):
        while not await client.message_count("bob"):
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
            walk(settings, language, found)
            settings.close()

            safety = SafetyNumberDialog("bob", "12345 " * 12, False)
            qtbot.addWidget(safety)
            walk(safety, language, found)
        finally:
            window.close_for_lock()
            await bridge.stop()
    assert not found, "\n".join(found)


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
        message = (await alice.history("bob", 1))[0]
        text = accessible_text(message)
        assert text.startswith("bob, ") and "pineapple" in text
        await alice.send_text("bob", "mine")
        ours = (await alice.history("bob", 1))[0]
        spoken = accessible_text(ours)
        assert spoken.startswith("You, ") and "mine" in spoken
        assert spoken.rstrip(".").split(". ")[-1] in {"sending", "sent", "delivered", "read"}
