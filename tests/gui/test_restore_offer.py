"""A database found damaged after unlock gets a non-blocking offer to restore a snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import PASSWORD, close_app, unlock_in, wait_for
from profile_damage import damage_database
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.account.restore import RestoreOfferDialog
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.errors import DatabaseCorrupt

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def damaged_profile_with_snapshot(profile: Path, relay_url: str, name: str) -> Path:
    """A profile with 300 messages to ``{name}_friend``, a snapshot of them, then damage."""
    client, _ = await ChatClient.create(profile, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS)
    for number in range(300):  # enough pages that the damage lands in the data
        await client.messages.send_text(f"{name}_friend", f"note {number} " + "x" * 200)
    report = await client.run_in_store(
        lambda: client.store.run_housekeeping(snapshot_interval_ms=0)
    )
    await client.close()
    assert report.snapshot is not None
    damage_database(profile / "store.db")
    return report.snapshot


async def test_a_damaged_database_is_offered_a_restore_and_the_app_goes_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    try:
        snapshot = await damaged_profile_with_snapshot(profile, relay.url, "erin")

        controller = AppController(profile, relay.url, idle_lock_s=0)
        controller.start()
        await unlock_in(controller, qtbot)

        # The window shows first; the check runs behind it and finds the damage.
        await wait_for(lambda: controller is not None and controller.restore_dialog is not None)
        offer = controller.restore_dialog
        assert isinstance(offer, RestoreOfferDialog)
        assert offer.isVisible() and not offer.isModal()
        assert offer.chosen == snapshot
        first_window = controller.window
        assert isinstance(first_window, MainWindow)

        outcome: list[object] = []  # the restored client's check (the first one has reported)
        controller.housekeepingDone.connect(outcome.append)
        offer.restore_button.click()
        await wait_for(
            lambda: (
                controller is not None
                and isinstance(controller.window, MainWindow)
                and controller.window is not first_window
                and controller.client is not None
            )
        )
        restored = controller.client
        assert restored is not None
        assert await restored.messages.count("erin_friend") == 300
        await wait_for(lambda: bool(outcome))
        assert not isinstance(outcome[0], DatabaseCorrupt)  # the restored database is sound
    finally:
        await close_app(controller)
        await relay.stop()


async def test_damage_found_at_unlock_after_a_crash_is_offered_a_restore(
    qtbot: QtBot, tmp_path: Path
) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    try:
        snapshot = await damaged_profile_with_snapshot(profile, relay.url, "fred")
        (profile / "store.running").touch()  # the app had crashed: open checks everything

        controller = AppController(profile, relay.url, idle_lock_s=0)
        controller.start()
        dialog = controller.dialog
        assert isinstance(dialog, UnlockDialog)
        qtbot.addWidget(dialog)
        dialog.password_edit.setText(PASSWORD)
        dialog.submit()
        await wait_for(lambda: dialog.restore_dialog is not None)
        offer = dialog.restore_dialog
        assert isinstance(offer, RestoreOfferDialog)
        assert offer.chosen == snapshot
        offer.restore_button.click()
        await wait_for(lambda: controller is not None and controller.client is not None)
        restored = controller.client
        assert restored is not None
        assert await restored.messages.count("fred_friend") == 300
    finally:
        await close_app(controller)
        await relay.stop()
