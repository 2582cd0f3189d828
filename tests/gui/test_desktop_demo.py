"""``chat-desktop --demo``: two real windows chatting end to end through the in-process relay.

The demo's own orchestration runs here on the qasync loop, with the real relay, real
SQLCipher profiles and real windows (offscreen): a message typed in Alice's window must reach
Bob's window and Bob's store, closing a window must end the demo, and nothing may be left
behind (no folder, no listening port) — also when the demo is ended by SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import engineio.async_client
import pytest
from gui_helpers import wait_for
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from chat_desktop.app import parse_args
from chat_desktop.desktop_demo import GREETINGS, USERS, DemoSession, run_demo
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.storage.models import Direction

pytestmark = [pytest.mark.gui]
on_qasync = pytest.mark.asyncio(loop_scope="session")

AREA = QRect(0, 0, 1280, 760)


def shown_bodies(window: MainWindow) -> list[str]:
    model = window.conversation_view.model
    return [model.message_at(row).body or "" for row in range(model.rowCount())]


async def port_is_closed(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


def demo_windows() -> list[MainWindow]:
    return [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, MainWindow)
        and widget.isVisible()
        and widget.windowTitle().endswith("chat_desktop demo")
    ]


@on_qasync
async def test_a_message_typed_in_alices_window_reaches_bobs_window(
    tmp_path: Path, qtbot: QtBot
) -> None:
    session = await DemoSession.start(tmp_path, area=AREA)
    try:
        root = session.root
        assert root.parent == tmp_path
        assert root.is_dir()
        port = session.relay.port if session.relay is not None else 0
        assert port > 0
        assert not await port_is_closed(port)
        alice, bob = (session.windows[name] for name in USERS)
        assert set(session.clients) == {"alice", "bob"}

        # Unlocked, titled with the user's name, side by side, each on the other's chat.
        assert alice.isVisible() and bob.isVisible()
        assert alice.windowTitle().startswith("alice")
        assert bob.windowTitle().startswith("bob")
        assert alice.frameGeometry().right() < bob.frameGeometry().left()
        assert AREA.contains(alice.frameGeometry()) and AREA.contains(bob.frameGeometry())
        assert alice.conversation_view.peer == "bob"
        assert bob.conversation_view.peer == "alice"
        greetings = [text for _sender, _recipient, text in GREETINGS]
        await wait_for(lambda: shown_bodies(alice) == greetings)
        await wait_for(lambda: shown_bodies(bob) == greetings)
        # Both conversations are listed; no lock and no account settings in the demo.
        assert not alice.lock_action.isEnabled()
        assert not alice.settings_action.isEnabled()

        # Alice types and presses Enter, as a user would.
        text = "typed in alice's window"
        edit = alice.conversation_view.composer.edit
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        await wait_for(lambda: text in shown_bodies(bob))
        received = [
            m
            for m in await session.clients["bob"].messages.history("alice")
            if m.direction is Direction.INCOMING
        ]
        assert text in [m.body for m in received]

        # Closing either window (here Bob's, like Ctrl+Q there) ends the demo.
        assert not session.quit_requested.is_set()
        bob.close()
        await asyncio.wait_for(session.quit_requested.wait(), timeout=10)
    finally:
        await session.close()
    assert not root.exists()
    assert await port_is_closed(port)
    await session.close()  # idempotent


@on_qasync
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_signal_ends_the_demo_and_removes_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    # As in a fresh process: the socket.io client claims SIGINT (and the loop's signal
    # wake-up socket) when its first client connects, i.e. after run_demo set its handlers.
    monkeypatch.setattr(engineio.async_client, "async_signal_handler_set", False)
    assert not demo_windows()
    demo = asyncio.ensure_future(run_demo(tmp_path))
    try:
        await wait_for(lambda: len(demo_windows()) == 2 or demo.done(), timeout=60)
        assert not demo.done()
        (root,) = tmp_path.iterdir()
        os.kill(os.getpid(), signum)  # run_demo turned the signal into "quit"
        await asyncio.wait_for(demo, timeout=30)
    finally:
        demo.cancel()
    assert not root.exists()
    assert list(tmp_path.iterdir()) == []
    assert not demo_windows()


def test_demo_flag_parses() -> None:
    assert parse_args(["--demo"]).demo is True
    assert parse_args([]).demo is False


def test_demo_refuses_a_profile(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--demo", "--profile", "/tmp/somewhere"])
    assert "leave out --profile" in capsys.readouterr().err
