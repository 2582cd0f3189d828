"""Opening and closing every dialog never stops the engine (the one rule of asyncio under qasync).

A blocking dialog opened inside a coroutine nests Qt's event loop: every task that wakes while
it is open dies ("Cannot enter into task … while another task … is being executed"), messages
stay on the clock forever and Quit never ends the process. Here the real app (controller,
window, engine) talks to a real relay and a headless peer while messages are in flight, each
dialog is opened and closed, and afterwards every message must arrive, no task may have died,
Lock must lock and Quit must end ``run_app`` with no task left over.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from gui_helpers import PASSWORD, RELAXED_LIMITS, wait_for
from PySide6.QtCore import QPoint, QThread, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.app import run_app
from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.relay.__main__ import parse_rate_limits
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import Direction, MessageStatus

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

MESSAGES_EACH_WAY = 4
#: ✓ or better: the relay has our message.
ARRIVED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
#: Longest a nested loop (old, blocking code) is held open waiting for a task to wake in it.
NESTED_HOLD_MS = 3_000


class DialogCloser:
    """Closes the next top-level widget matching ``wanted`` from Qt timers, never from a task.

    A blocking dialog runs a nested loop that asyncio tasks cannot survive; the closer's own
    ticks are plain Qt timer callbacks, so it works whether the dialog blocks or not, and the
    test's task only resumes once every nested loop has returned (``loopLevel() == 1``). If a
    nested loop is found, it is kept open until a task died in it (as in real use, where the
    user reads the box for seconds while messages arrive), or at most ``NESTED_HOLD_MS``.
    """

    def __init__(self, wanted: Callable[[QWidget], bool], deaths: list[str]) -> None:
        self._wanted = wanted
        self._deaths = deaths
        self._found: QWidget | None = None
        self.text = ""
        self._nested_since_deaths: int | None = None
        self._held = QTimer()
        self._held.setSingleShot(True)
        self._future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        level = QThread.currentThread().loopLevel()
        if self._found is None:
            for widget in QApplication.topLevelWidgets():
                if widget.isVisible() and self._wanted(widget):
                    self._found = widget
                    self.text = widget.text() if isinstance(widget, QMessageBox) else ""
                    break
            else:
                return
        if level > 1 and self._nested_since_deaths is None:
            self._nested_since_deaths = len(self._deaths)
            self._held.start(NESTED_HOLD_MS)
        if (
            self._nested_since_deaths is not None
            and len(self._deaths) == self._nested_since_deaths
            and self._held.isActive()
        ):
            return  # hold the nested loop open until something wakes in it
        if shiboken6.isValid(self._found) and self._found.isVisible():
            if isinstance(self._found, QDialog):
                self._found.reject()
            else:
                self._found.close()
            return
        if level == 1 and not self._future.done():
            self._timer.stop()
            self._future.set_result(self.text)

    async def closed(self) -> str:
        """Waits until the dialog was found and closed and no nested loop runs; its text."""
        async with asyncio.timeout(30):
            return await self._future


async def open_and_close(
    trigger: Callable[[], Any], wanted: Callable[[QWidget], bool], deaths: list[str]
) -> str:
    closer = DialogCloser(wanted, deaths)
    trigger()
    return await closer.closed()


def is_notice(widget: QWidget) -> bool:
    return isinstance(widget, QMessageBox)


async def test_every_dialog_opens_and_closes_while_messages_flow(
    tmp_path: Path, qtbot: QtBot
) -> None:
    loop = asyncio.get_running_loop()
    deaths: list[str] = []
    previous_handler = loop.get_exception_handler()

    def record(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, RuntimeError) and "Cannot enter into task" in str(error):
            deaths.append(str(error))  # the nested-loop signature
        loop.default_exception_handler(context)

    loop.set_exception_handler(record)
    relay = RelayServer(
        RelayConfig(
            data_dir=tmp_path / "relay", port=0, rate_limits=parse_rate_limits(RELAXED_LIMITS)
        )
    )
    await relay.start()
    bob: ChatClient | None = None
    app_task: asyncio.Future[None] | None = None
    controller: AppController | None = None
    try:
        alice, _ = await ChatClient.create(
            tmp_path / "alice", relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await alice.close()
        bob, _ = await ChatClient.create(
            tmp_path / "bob", relay.url, "bob", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await bob.connect()
        await bob.wait_connected()
        carol, _ = await ChatClient.create(
            tmp_path / "carol", relay.url, "carol", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await carol.close()  # registered, never talked to: no safety number yet

        controller = AppController(tmp_path / "alice", relay.url, idle_lock_s=0)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app_task = asyncio.ensure_future(run_app(app, controller))
        await wait_for(lambda: isinstance(controller.dialog, UnlockDialog))
        unlock = controller.dialog
        assert isinstance(unlock, UnlockDialog)
        unlock.password_edit.setText(PASSWORD)
        unlock.submit()
        await wait_for(lambda: controller.window is not None)
        window = controller.window
        assert isinstance(window, MainWindow)
        window.conversation_view.view.require_active_window = False
        await window.open_conversation_now("bob")
        view = window.conversation_view

        async def traffic(round_: int) -> None:
            """Messages both ways, left in flight while the next dialog opens."""
            assert bob is not None
            for number in range(MESSAGES_EACH_WAY):
                await bob.messages.send_text("alice", f"bob {round_}.{number}")
                view.composer.edit.setPlainText(f"alice {round_}.{number}")
                view.composer.submit()

        dialogs: list[tuple[str, Callable[[], Any], Callable[[QWidget], bool]]] = [
            (
                "settings",
                lambda: _trigger_menu_action(window, "Settings…"),
                lambda w: type(w).__name__ == "SettingsWindow",
            ),
            (
                "keychain (none on this machine)",
                lambda: asyncio.ensure_future(_turn_on_keychain(window)),
                is_notice,
            ),
            ("quick switcher", window.switch_action.trigger, _named("QuickSwitcher")),
            ("search", window.search_action.trigger, _named("SearchPanel")),
            ("new chat", window.new_chat_action.trigger, _named("NewChatDialog")),
            ("file chooser", view.composer.attach_button.click, _is_file_dialog),
            ("context menu", lambda: _context_menu(window), lambda w: isinstance(w, QMenu)),
        ]
        texts: dict[str, str] = {}
        for round_, (name, trigger, wanted) in enumerate(dialogs):
            await traffic(round_)
            texts[name] = await open_and_close(trigger, wanted, deaths)
        # The keychain error says what happened, not the class name (KeychainUnavailable).
        assert "keychain" in texts["keychain (none on this machine)"].lower()
        assert "KeychainUnavailable" not in texts["keychain (none on this machine)"]

        # A contact without messages yet: the safety-number notice, while messages flow.
        await traffic(len(dialogs))
        await window.open_conversation_now("carol")
        text = await open_and_close(view.safety_button.click, is_notice, deaths)
        assert "no safety number" in text
        await window.open_conversation_now("bob")

        sent = MESSAGES_EACH_WAY * (len(dialogs) + 1)

        def delivered() -> bool:
            """Every message of ours has its ✓ (or more) and every one of Bob's arrived.

            (Arrived, not necessarily readable: decryption is not under test here, the
            receiving task being alive is.)
            """
            model = view.model
            rows = [model.message_at(row) for row in range(model.rowCount())]
            ours = [m for m in rows if m.direction is Direction.OUTGOING]
            return (
                len(ours) == sent
                and len(rows) - len(ours) >= sent
                and all(m.status in ARRIVED for m in ours)
            )

        await wait_for(delivered, timeout=30)
        assert not deaths, f"tasks died in a nested event loop: {deaths}"

        # Lock closes the client and shows the unlock dialog.
        window.lock_action.trigger()
        await wait_for(lambda: isinstance(controller.dialog, UnlockDialog))
        await wait_for(lambda: controller.client is None)
        unlock = controller.dialog
        assert isinstance(unlock, UnlockDialog)
        unlock.password_edit.setText(PASSWORD)
        unlock.submit()
        await wait_for(lambda: controller.window is not None)

        await bob.close()
        bob = None
        # Quit ends run_app; nothing of the app is left running on the loop.
        window = controller.window
        assert window is not None
        _trigger_menu_action(window, "Quit")
        async with asyncio.timeout(30):
            await app_task
        assert controller.client is None
        await relay.stop()
        leftovers = [
            task
            for task in asyncio.all_tasks()
            if task is not asyncio.current_task() and not _is_relay_task(task)
        ]
        assert not leftovers, f"tasks left after quitting: {leftovers}"
        assert not deaths, f"tasks died in a nested event loop: {deaths}"
    finally:
        loop.set_exception_handler(previous_handler)
        if app_task is not None and not app_task.done():
            app_task.cancel()
        # Bounded: after a nested loop killed its tasks, closing the client never ends.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(20):
                if controller is not None:
                    await controller.shutdown()
                if bob is not None:
                    await bob.close()
                await relay.stop()
        if controller is not None and controller.dialog is not None:
            controller.dialog.close()


def _is_relay_task(task: asyncio.Task[Any]) -> bool:
    """The relay's server-side socket pinger outlives ``relay.stop()`` (not the app's)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.endswith("engineio/async_socket.py")


def _trigger_menu_action(window: MainWindow, text: str) -> None:
    for action in window.menuBar().actions()[0].menu().actions():
        if action.text() == text:
            action.trigger()
            return
    raise AssertionError(f"no menu action {text!r}")


def _named(class_name: str) -> Callable[[QWidget], bool]:
    return lambda widget: type(widget).__name__ == class_name


async def _turn_on_keychain(window: MainWindow) -> None:
    """Settings → Privacy → "Unlock with the system keychain" (there is none here)."""
    window.show_settings(1)
    settings = window.settings_window
    assert settings is not None
    await settings.loading
    settings.privacy_page.keychain_box.click()


def _is_file_dialog(widget: QWidget) -> bool:
    return isinstance(widget, QFileDialog)


def _context_menu(window: MainWindow) -> None:
    from PySide6.QtGui import QContextMenuEvent

    view = window.conversation_view.view
    rect = view.visualRect(view.model().index(view.model().rowCount() - 1, 0))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(), QPoint(10, 10))
    view.contextMenuEvent(event)
