"""Settings → Devices: the account's devices, linking a new one with its code, unlinking.

A real relay on 127.0.0.1 (port 0), real accounts and profiles. The new devices' side is the
engine's own (``ChatClient.begin_link`` / ``accept``); what the page did is read back through
the engine (``devices()``), never from the widgets that did it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtWidgets import QLabel, QMessageBox, QScrollArea
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.settings.devices_page import DevicesPage
from chat_desktop.gui.settings.window import DEVICES_SECTION, SettingsWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import ClientEvent, DeviceUnlinked

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


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


async def linked_device(a1: ChatClient, relay_url: str, profile: Path, name: str) -> ChatClient:
    """Links a new device ``name`` to ``a1``'s account through the engine; connected."""
    pending = await ChatClient.begin_link(relay_url, name)
    offer = asyncio.ensure_future(pending.wait_for_offer())
    await a1.devices.link(pending.code, transfer_history=False)
    await offer
    client, _key = await pending.accept(profile, PASSWORD, kdf_params=FLOOR_PARAMS)
    await client.connect()
    await client.wait_connected()
    return client


def shown(page: DevicesPage) -> list[tuple[str, str]]:
    """Each row's name and details, as the page shows them."""
    names = [label.text() for label in page.findChildren(QLabel, "deviceName")]
    details = [label.text() for label in page.findChildren(QLabel, "deviceDetails")]
    return list(zip(names, details, strict=True))


def shown_ids(page: DevicesPage) -> list[int]:
    return [device.device_id for device in page.devices]


async def next_unlinked(queue: asyncio.Queue[ClientEvent]) -> DeviceUnlinked:
    async with asyncio.timeout(20):
        while True:
            event = await queue.get()
            if isinstance(event, DeviceUnlinked):
                return event


def question_button(box: QMessageBox, text: str) -> QMessageBox:
    button = next(b for b in box.buttons() if b.text() == text)
    button.click()
    return box


async def test_devices_page_lists_links_and_unlinks(qtbot: QtBot, tmp_path: Path) -> None:
    clients: list[ChatClient] = []
    async with running_relay(tmp_path) as relay_url:
        try:
            a1, _key = await ChatClient.create(
                tmp_path / "a1",
                relay_url,
                "alice",
                PASSWORD,
                kdf_params=FLOOR_PARAMS,
                device_name="Desk",
            )
            clients.append(a1)
            await a1.connect()
            await a1.wait_connected()
            a2 = await linked_device(a1, relay_url, tmp_path / "a2", "Laptop")
            clients.append(a2)

            window = SettingsWindow(a1)
            qtbot.addWidget(window)
            window.show()
            window.show_section(DEVICES_SECTION)
            page = window.devices_page
            scroll = window.pages.currentWidget()
            assert isinstance(scroll, QScrollArea) and scroll.widget() is page
            await page.loading
            rows = shown(page)
            assert [name for name, _details in rows] == ["Desk", "Laptop"]
            assert rows[0][1].startswith("This device \u00b7 Added ")
            assert rows[1][1].startswith("Added ") and "This device" not in rows[1][1]
            assert set(page.unlink_buttons) == {1, 2}

            # A code that is not one: said at once, and nothing can be sent.
            page.link_button.click()
            dialog = page.link_dialog
            assert dialog is not None and dialog.isVisible()
            dialog.code_edit.setText("chat-desktop-link:v1?relay=nowhere")
            assert "not a link code for your relay" in dialog.error_label.text()
            assert not dialog.link_button.isEnabled()

            # The new device's code: its name is asked about, history on by default.
            pending = await ChatClient.begin_link(relay_url, "Tablet")
            offer = asyncio.ensure_future(pending.wait_for_offer())
            dialog.code_edit.setText(pending.code)
            assert dialog.question_label.text() == "Link \u201cTablet\u201d to your account?"
            assert dialog.history_box.isVisibleTo(dialog) and dialog.history_box.isChecked()
            assert dialog.error_label.isHidden()
            dialog.link_button.click()
            await wait_for(lambda: dialog.link_button.text() == "Close", timeout=30)
            assert dialog.status_label.text().startswith("Sent.")
            assert (await offer).has_history
            a3, _key = await pending.accept(tmp_path / "a3", PASSWORD, kdf_params=FLOOR_PARAMS)
            clients.append(a3)
            dialog.link_button.click()
            assert not dialog.isVisible()
            assert [(d.device_id, d.name) for d in await a1.devices.list()] == [
                (1, "Desk"),
                (2, "Laptop"),
                (3, "Tablet"),
            ]
            await wait_for(lambda: shown_ids(page) == [1, 2, 3])  # the relay's push
            assert [name for name, _details in shown(page)] == ["Desk", "Laptop", "Tablet"]

            # Unlink the laptop: asked first; Cancel changes nothing.
            a2_events = a2.events.subscribe()
            page.unlink_buttons[2].click()
            await wait_for(lambda: page.unlink_question is not None)
            box = page.unlink_question
            assert box is not None
            assert box.windowTitle() == "Unlink Laptop?"
            question_button(box, "Cancel")
            await wait_for(lambda: page.unlink_question is None)
            assert [d.device_id for d in await a1.devices.list()] == [1, 2, 3]

            page.unlink_buttons[2].click()
            await wait_for(lambda: page.unlink_question is not None)
            box = page.unlink_question
            assert box is not None
            question_button(box, "Unlink")
            await wait_for(lambda: shown_ids(page) == [1, 3])
            assert [name for name, _details in shown(page)] == ["Desk", "Tablet"]
            assert [d.device_id for d in await a1.devices.list()] == [1, 3]
            assert isinstance(await next_unlinked(a2_events), DeviceUnlinked)
            assert a2.devices.unlinked
            window.close()
        finally:
            for client in clients:
                await client.close()


async def test_the_page_says_when_the_list_needs_the_relay(qtbot: QtBot, tmp_path: Path) -> None:
    async with running_relay(tmp_path) as relay_url:
        client, _key = await ChatClient.create(
            tmp_path / "a1", relay_url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            page = DevicesPage(client)  # never connected
            qtbot.addWidget(page)
            page.show()
            await page.loading
            assert page.devices == []
            assert page.status_label.isVisible()
            assert "needs the relay" in page.status_label.text()
            assert not page.unlink_buttons
            # Connecting brings the list without asking again (the engine's device push).
            await client.connect()
            await wait_for(lambda: shown_ids(page) == [1])
            assert not page.status_label.isVisible()
        finally:
            await client.close()
