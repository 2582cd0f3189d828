"""The real main window of one client against a real relay and a second, headless client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.event_bridge import EventBridge
from chat_desktop.gui.conversation.message_delegate import MessageDelegate, image_box
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Message, MessageStatus

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

IMAGE_SIZE = (800, 600)


async def new_client(root: Path, relay_url: str, name: str) -> ChatClient:
    client, _recovery = await ChatClient.create(
        root / name, relay_url, name, PASSWORD, kdf_params=FLOOR_PARAMS
    )
    await client.connect()
    await client.wait_connected()
    return client


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


class Chat:
    """Alice in the real window, Bob headless."""

    def __init__(self, alice: ChatClient, bob: ChatClient, window: MainWindow) -> None:
        self.alice = alice
        self.bob = bob
        self.window = window
        self.model = window.conversation_view.model
        self.view = window.conversation_view.view

    def shown(self, predicate: Callable[[Message], bool]) -> Message | None:
        for row in range(self.model.rowCount()):
            message = self.model.message_at(row)
            if predicate(message):
                return message
        return None


@contextlib.asynccontextmanager
async def open_chat(root: Path, qtbot: QtBot) -> AsyncIterator[Chat]:
    """A relay, Alice in the real window with Bob's conversation open, and Bob headless.

    Set up and torn down inside the test's own coroutine: between pytest phases Qt may
    process events while no asyncio loop runs, so nothing loop-bound may outlive the test.
    """
    relay = RelayServer(
        RelayConfig(data_dir=root / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS))
    )
    await relay.start()
    clients: list[ChatClient] = []
    bridge: EventBridge | None = None
    try:
        alice = await new_client(root, relay.url, "alice")
        clients.append(alice)
        bob = await new_client(root, relay.url, "bob")
        clients.append(bob)
        for me, other in ((alice, "bob"), (bob, "alice")):  # contacts: no message requests
            await me.conversations.start(other)
        bridge = EventBridge(alice.events)
        window = MainWindow(alice, bridge)
        qtbot.addWidget(window)
        window.conversation_view.view.require_active_window = False
        bridge.start()
        window.show()
        await window.open_conversation_now("bob")
        yield Chat(alice, bob, window)
        window.hide()
    finally:
        if bridge is not None:
            await bridge.stop()
        for client in clients:
            await client.close()
        await relay.stop()


async def test_typing_enter_sends_and_the_message_reaches_the_peer(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        await _scenario_typing_enter_sends_and_the_message_reaches_the_peer(chat, qtbot)


async def _scenario_typing_enter_sends_and_the_message_reaches_the_peer(
    chat: Chat, qtbot: QtBot
) -> None:
    first_status: list[MessageStatus] = []
    chat.model.rowsInserted.connect(
        lambda _parent, first, _last: first_status.append(chat.model.message_at(first).status)
    )
    edit = chat.window.conversation_view.composer.edit
    qtbot.keyClicks(edit, "hello bob")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "second line")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    text = "hello bob\nsecond line"
    await wait_for(lambda: chat.shown(lambda m: m.body == text) is not None)
    assert edit.toPlainText() == ""
    assert first_status and first_status[0] in (MessageStatus.PENDING, MessageStatus.SENT)

    async def bob_has_it() -> bool:
        return any(m.body == text for m in await chat.bob.messages.history("alice"))

    await eventually(bob_has_it)
    # Bob's device acknowledges delivery: the mark moves on in the open window.
    await wait_for(
        lambda: (
            chat.shown(lambda m: m.body == text and m.status is MessageStatus.DELIVERED) is not None
        )
    )
    assert chat.view.at_bottom()


async def test_incoming_message_appears_and_is_marked_read(tmp_path: Path, qtbot: QtBot) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        await _scenario_incoming_message_appears_and_is_marked_read(chat)


async def _scenario_incoming_message_appears_and_is_marked_read(chat: Chat) -> None:
    message_id = await chat.bob.messages.send_text("alice", "hi alice, from bob")
    await wait_for(lambda: chat.shown(lambda m: m.id == message_id) is not None)
    shown = chat.shown(lambda m: m.id == message_id)
    assert shown is not None and shown.body == "hi alice, from bob"
    await wait_for(lambda: chat.window.conversation_list.peers() == ["bob"])

    async def bob_sees_read() -> bool:
        message = await chat.bob.messages.get("alice", message_id)
        return message is not None and message.status is MessageStatus.READ

    # The message was on screen in the (active) window: Alice's client sent a read receipt.
    await eventually(bob_sees_read)


async def test_image_placeholder_has_its_final_size_before_the_image_arrives(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        await _scenario_image_placeholder_has_its_final_size_before_the_image_arrives(
            chat, tmp_path
        )


async def _scenario_image_placeholder_has_its_final_size_before_the_image_arrives(
    chat: Chat, tmp_path: Path
) -> None:
    picture = tmp_path / "photo.png"
    Image.new("RGB", IMAGE_SIZE, (30, 120, 200)).save(picture)
    message_id = await chat.bob.attachments.send_file("alice", picture)
    await wait_for(lambda: chat.shown(lambda m: m.id == message_id) is not None)
    row = chat.model.row_of(message_id)
    assert row is not None
    message = chat.model.message_at(row)
    assert message.attachment is not None
    assert (message.attachment.width, message.attachment.height) == IMAGE_SIZE
    delegate = chat.view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    layout = delegate.layout_message(message, chat.view.viewport().width(), chat.view.font())
    assert layout.image is not None
    content_width = layout.bubble.width() - 20
    assert layout.image.size() == image_box(*IMAGE_SIZE, max(content_width, 1))
    assert layout.image.width() / layout.image.height() == pytest.approx(800 / 600, rel=0.02)
    height_before = chat.view.visualRect(chat.model.index(row)).height()
    assert height_before == layout.height
    # The engine downloads it; the window decodes it and draws it in the same box.
    await wait_for(lambda: chat.model.has_image(message_id))
    row = chat.model.row_of(message_id)
    assert row is not None
    chat.view.doItemsLayout()
    assert chat.view.visualRect(chat.model.index(row)).height() == height_before


async def test_safety_number_dialog_marks_the_contact_verified(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        await _scenario_safety_number_dialog_marks_the_contact_verified(chat, qtbot)


async def _scenario_safety_number_dialog_marks_the_contact_verified(
    chat: Chat, qtbot: QtBot
) -> None:
    await chat.bob.messages.send_text("alice", "so you know my key")
    await wait_for(lambda: chat.model.rowCount() > 0)
    chat.window.conversation_view.safety_button.click()
    await wait_for(
        lambda: isinstance(
            getattr(chat.window.conversation_view, "safety_dialog", None), SafetyNumberDialog
        )
    )
    dialog = chat.window.conversation_view.safety_dialog
    digits = dialog.number_label.text().replace(" ", "").replace("\n", "")
    assert len(digits) == 60 and digits.isdigit()
    assert digits == (await chat.bob.trust.safety_number("alice")).replace(" ", "")
    dialog.verify_button.click()

    async def verified() -> bool:
        return await chat.alice.trust.is_verified("bob")

    await eventually(verified)
    dialog.close()
