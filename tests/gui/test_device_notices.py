"""The window tells what happened to the account's devices (docs/protocol.md §6.11).

The real app (controller, window, engine) on a real relay: a device that joins the account
is announced in the window and as a notification ("A new device was linked: NAME"), and a
new device whose transferred history does not check out (the relay rewrote the blob) says
so instead of only logging it. Notifications are captured by a recording double of the
operating system's service (what the test is about is the app's side).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, account_on_relay, close_app, unlock_in, wait_for
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from test_notifications import RecordingNotifier

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.services.client import ChatClient
from chat_desktop.services.devices import OWN_DEVICES_SETTING

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def _knows_its_devices(client: ChatClient) -> bool:
    return await client.run_in_store(client.store.settings.get, OWN_DEVICES_SETTING) is not None


async def test_a_new_device_is_announced_in_the_window_and_as_a_notification(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    linked: ChatClient | None = None
    async with account_on_relay(tmp_path, "alice") as (relay, profile, client):
        try:
            await client.close()
            recorder = RecordingNotifier()
            controller = AppController(
                profile, relay.url, idle_lock_s=0, notifier=recorder, tray_available=False
            )
            controller.start()
            window = await unlock_in(controller, qtbot)
            app_client = controller.client
            assert app_client is not None
            await wait_for(lambda: app_client.connected)
            known = False
            while not known:  # the first device set is never announced: let it arrive
                known = await _knows_its_devices(app_client)
                await asyncio.sleep(0.02)

            pending = await ChatClient.begin_link(relay.url, "Tablet <b>x</b>")
            offer = asyncio.create_task(pending.wait_for_offer())
            await app_client.devices.link(pending.code, transfer_history=False)
            await offer
            linked, _ = await pending.accept(tmp_path / "tablet", PASSWORD, kdf_params=FLOOR_PARAMS)

            await wait_for(lambda: window.findChild(QMessageBox, "deviceLinkedNotice") is not None)
            notice = window.findChild(QMessageBox, "deviceLinkedNotice")
            assert isinstance(notice, QMessageBox)
            assert notice.text() == "A new device was linked: Tablet <b>x</b>"
            assert notice.isVisible()
            await wait_for(lambda: len(recorder.shown) == 1)
            title, body, _clicked = recorder.shown[0]
            assert (title, body) == ("New device", "A new device was linked: Tablet <b>x</b>")
        finally:
            await close_app(controller)
            if linked is not None:
                await linked.close()


async def test_a_history_that_does_not_check_out_is_told_on_the_new_device(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "alice") as (relay, _profile, first):
        try:
            await first.connect()
            await first.wait_connected()
            pending = await ChatClient.begin_link(relay.url, "Laptop")
            offer = asyncio.create_task(pending.wait_for_offer())
            await first.devices.link(pending.code, transfer_history=True)
            await offer
            new_profile = tmp_path / "laptop"
            new_device, _ = await pending.accept(new_profile, PASSWORD, kdf_params=FLOOR_PARAMS)
            await new_device.close()  # the app opens it, as after the link dialog
            blobs = [p for p in relay.config.blob_dir.iterdir() if p.is_file()]
            assert len(blobs) == 1
            data = bytearray(blobs[0].read_bytes())
            data[-40] ^= 0x01  # the relay rewrote the blob
            blobs[0].write_bytes(bytes(data))

            controller = AppController(
                new_profile,
                relay.url,
                idle_lock_s=0,
                notifier=RecordingNotifier(),
                tray_available=False,
            )
            controller.start()
            window = await unlock_in(controller, qtbot)
            await wait_for(
                lambda: window.findChild(QMessageBox, "historyImportFailedNotice") is not None
            )
            notice = window.findChild(QMessageBox, "historyImportFailedNotice")
            assert isinstance(notice, QMessageBox)
            assert notice.text() == (
                "The message history sent from your other device could not be imported."
            )
        finally:
            await close_app(controller)
            await first.close()
