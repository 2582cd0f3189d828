"""Shared helpers of the GUI tests (a module of its own: importing from ``conftest`` breaks
when several test folders are collected together)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Direction, Message, MessageKey, MessageStatus, NewMessage
from chat_desktop.storage.store import MessageStore

PASSWORD = "correct horse battery staple"
PEER = "bob"
START_MS = 1_700_000_000_000
RELAXED_LIMITS = ("registrations=10000/1", "bundles=10000/1", "key_uploads=10000/1")


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Lets the loop (Qt and asyncio) run until ``condition()`` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


class StoreMessageSource:
    """The model's keyset reads straight from a store (what ChatClient does on its worker)."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self.calls = 0

    async def history(
        self, peer: str, limit: int = 50, before_id: str | None = None
    ) -> list[Message]:
        self.calls += 1
        messages = self.store.messages
        if before_id is None:
            return messages.newest(peer, limit)
        cursor = messages.cursor_of(MessageKey(peer, before_id))
        return [] if cursor is None else messages.before(peer, cursor, limit)

    async def history_after(self, peer: str, after_id: str, limit: int = 50) -> list[Message]:
        self.calls += 1
        cursor = self.store.messages.cursor_of(MessageKey(peer, after_id))
        return [] if cursor is None else self.store.messages.after(peer, cursor, limit)

    async def history_around(self, peer: str, message_id: str, limit: int = 50) -> list[Message]:
        self.calls += 1
        return self.store.messages.around(MessageKey(peer, message_id), limit)

    async def get(self, peer: str, message_id: str) -> Message | None:
        return self.store.messages.get(MessageKey(peer, message_id))


def message_id(number: int) -> str:
    """The id of the ``number``-th seeded message."""
    return f"m{number:05d}"


def numbered_message(number: int) -> NewMessage:
    """The ``number``-th seeded message (even: from ``PEER``; odd: ours)."""
    incoming = number % 2 == 0
    return NewMessage(
        id=message_id(number),
        conversation_id=PEER,
        sender=PEER if incoming else "alice",
        direction=Direction.INCOMING if incoming else Direction.OUTGOING,
        sort_key=START_MS + number * 1000,
        kind="text",
        body=f"message number {number}" + (" with a longer line" * (number % 4)),
        status=MessageStatus.DELIVERED,
        sent_at=START_MS + number * 1000,
    )


def seed_messages(store: MessageStore, count: int) -> None:
    """Inserts ``count`` alternating messages with ``PEER`` in one transaction."""
    with store.transaction():
        for number in range(count):
            store.messages.insert(numbered_message(number))


def seed_one(store: MessageStore, number: int) -> None:
    """Inserts one more numbered message (as if it had just arrived)."""
    store.messages.insert(numbered_message(number))


async def unlock_in(controller: AppController, qtbot: QtBot) -> MainWindow:
    """Types the password into the controller's unlock dialog; returns the main window."""
    dialog = controller.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.addWidget(dialog)
    dialog.password_edit.setText(PASSWORD)
    dialog.submit()
    await wait_for(lambda: isinstance(controller.window, MainWindow))
    window = controller.window
    assert isinstance(window, MainWindow)
    return window


async def close_app(controller: AppController | None) -> None:
    """Closes what a test's controller left open (window, client, dialog)."""
    if controller is None:
        return
    await controller.shutdown()
    if controller.dialog is not None:
        controller.dialog.close()


@contextlib.asynccontextmanager
async def account_on_relay(
    tmp_path: Path, username: str
) -> AsyncIterator[tuple[RelayServer, Path, ChatClient]]:
    """A relay on loopback and a new account on it: (relay, profile folder, its open client).

    The client is the test's to close (before the app unlocks the profile); the relay stops
    when the block ends.
    """
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    try:
        profile = tmp_path / "profile"
        client, _ = await ChatClient.create(
            profile, relay.url, username, PASSWORD, kdf_params=FLOOR_PARAMS
        )
        yield relay, profile, client
    finally:
        await relay.stop()
