"""The key-change banner in the real window: a verified contact reinstalls, sending pauses,
the banner names what waits ("2 messages waiting will be sent to the new key when you
accept.", following the count as it changes), the user accepts the new key from the banner
(after the new safety number is shown) and the waiting messages go out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from test_main_window_e2e import eventually, new_client, open_chat

from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import MessageStatus

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

ONE_WAITING = "1 message waiting will be sent to the new key when you accept."
TWO_WAITING = "2 messages waiting will be sent to the new key when you accept."


async def test_banner_accepts_the_new_key_of_a_verified_contact(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        view = chat.window.conversation_view
        await chat.alice.messages.send_text("bob", "before")
        await eventually(lambda: _bob_has(chat.bob, 1))
        await chat.alice.trust.mark_verified("bob")
        assert not view.banner.isVisible()

        # Bob loses his laptop; the operator frees his name; he comes back with a new key.
        await chat.bob.close()
        shutil.rmtree(tmp_path / "bob")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "chat_desktop.relay",
                "--data-dir",
                str(tmp_path / "relay"),
                "--reset-account",
                "bob",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        bob = await new_client(tmp_path, chat.alice.relay_url, "bob")
        try:
            await bob.messages.send_text("alice", "new laptop, same bob")
            await wait_for(lambda: view.banner.isVisible())
            assert view.accept_key_button.isVisible()  # verified contact: sending is paused

            assert "waiting" not in view.banner_label.text()

            waiting = await chat.alice.messages.send_text("bob", "is that you?")
            pending = await chat.alice.messages.get("bob", waiting)
            assert pending is not None and pending.status is MessageStatus.PENDING
            await wait_for(lambda: ONE_WAITING in view.banner_label.text())
            second = await chat.alice.messages.send_text("bob", "really?")
            await wait_for(lambda: TWO_WAITING in view.banner_label.text())
            assert await chat.alice.trust.messages_waiting("bob") == 2

            qtbot.mouseClick(view.accept_key_button, Qt.MouseButton.LeftButton)
            # The new safety number comes first (issue 19): then "Accept new key".
            await wait_for(lambda: _comparing(view) is not None)
            dialog = _comparing(view)
            assert dialog is not None and dialog.accept_key_button is not None
            qtbot.mouseClick(dialog.accept_key_button, Qt.MouseButton.LeftButton)
            await eventually(lambda: _has(bob, waiting))
            await eventually(lambda: _has(bob, second))
            await wait_for(lambda: not view.banner.isVisible())
        finally:
            await bob.close()


def _comparing(view: object) -> SafetyNumberDialog | None:
    dialog = getattr(view, "safety_dialog", None)
    if isinstance(dialog, SafetyNumberDialog) and shiboken6.isValid(dialog):
        return dialog if dialog.isVisible() else None
    return None


async def _bob_has(bob: ChatClient, count: int) -> bool:
    return len(await bob.messages.history("alice")) >= count


async def _has(bob: ChatClient, message_id: str) -> bool:
    return await bob.messages.get("alice", message_id) is not None
