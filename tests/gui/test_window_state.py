"""Size, split and open conversation come back after locking and unlocking."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import account_on_relay, close_app, unlock_in, wait_for
from pytestqt.qtbot import QtBot

from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


async def _unlock(controller: AppController, qtbot: QtBot) -> MainWindow:
    window = await unlock_in(controller, qtbot)
    await wait_for(lambda: window.conversation_view.peer is not None)
    return window


async def test_the_window_comes_back_as_the_user_left_it(qtbot: QtBot, tmp_path: Path) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "hana") as (relay, profile, client):
        try:
            await client.messages.send_text("ivan", "older conversation")
            await client.messages.send_text("jude", "newest conversation")
            await client.close()

            controller = AppController(profile, relay.url, idle_lock_s=0)
            controller.start()
            window = await _unlock(controller, qtbot)
            assert window.conversation_view.peer == "jude"  # the newest, the first time
            window.resize(720, 540)  # within the offscreen screen (800×600)
            window.splitter.setSizes([300, 420])
            await window.open_conversation_now("ivan")
            sizes = window.splitter.sizes()

            await controller.lock()
            window = await _unlock(controller, qtbot)
            assert (window.width(), window.height()) == (720, 540)
            assert window.splitter.sizes() == sizes
            assert window.conversation_view.peer == "ivan"  # not the newest: the one left open
        finally:
            await close_app(controller)


async def test_the_open_conversation_is_laid_out_once_at_start(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The first page of a long conversation is laid out once, at the width it is shown in.

    It used to be laid out twice before its first paint (benchmarks/ui.py): once while the
    view was still hidden (at the minimum width), or before its scroll bar appeared, then
    again at the real width.
    """
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "hana") as (relay, profile, client):
        try:
            for number in range(60):  # more than a window shows: the scroll bar appears
                await client.messages.send_text("ivan", f"message {number}")
            await client.close()

            controller = AppController(profile, relay.url, idle_lock_s=0)
            controller.start()
            window = await _unlock(controller, qtbot)
            view = window.conversation_view.view
            await wait_for(lambda: view.model().rowCount() == 60)
            window.repaint()
            view.viewport().repaint()
            assert view.verticalScrollBar().maximum() > 0
            assert view.delegate.layouts.computed == 60
            assert view.delegate.size_hints > 60  # Qt asked again: the cache answered
        finally:
            await close_app(controller)
