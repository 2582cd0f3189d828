"""Issue 19, item 8: after a key change nothing still says "verified", the timeline says what
happened, accepting the new key goes through the safety number first, and Enter never
removes a verification or accepts a key.

Real window, real relay, real clients: Alice has verified Bob; Bob reinstalls (new identity
key, same name) and writes again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6
from gui_helpers import wait_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot
from test_main_window_e2e import Chat, eventually, new_client, open_chat

from chat_desktop.gui.conversation.message_model import accessible_text
from chat_desktop.gui.conversation.safety_number import SafetyNumberDialog, safety_number_lines
from chat_desktop.gui.conversation_list.panel import (
    ConversationListModel,
    RowData,
    message_preview,
    preview_text,
)
from chat_desktop.services.client import ChatClient
from chat_desktop.storage.models import KEY_CHANGE_NOTE_KIND, Conversation, Message, MessageStatus

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]

NUMBER = " ".join(f"{n:05d}" for n in range(12))


async def _reinstall_bob(chat: Chat, root: Path) -> ChatClient:
    """Bob loses his laptop; the operator frees his name; he comes back with a new key."""
    await chat.bob.close()
    shutil.rmtree(root / "bob")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "chat_desktop.relay",
            "--data-dir",
            str(root / "relay"),
            "--reset-account",
            "bob",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return await new_client(root, chat.alice.relay_url, "bob")


async def _verified_then_changed(chat: Chat, root: Path) -> ChatClient:
    view = chat.window.conversation_view
    await chat.alice.messages.send_text("bob", "before")
    await eventually(lambda: _has_count(chat.bob, 1))
    view.show_safety_number()
    await wait_for(lambda: isinstance(getattr(view, "safety_dialog", None), SafetyNumberDialog))
    view.safety_dialog.verify_button.click()
    await wait_for(lambda: view.verified_badge.isVisible())
    view.safety_dialog.close()
    bob = await _reinstall_bob(chat, root)
    await bob.messages.send_text("alice", "new laptop, same bob")
    await wait_for(lambda: view.banner.isVisible())
    return bob


async def test_a_key_change_drops_the_shield_at_once_and_notes_it_in_the_timeline(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        view = chat.window.conversation_view
        bob = await _verified_then_changed(chat, tmp_path)
        try:
            # The banner and the header agree: nothing says "verified" any more.
            assert not view.verified_badge.isVisible()
            assert not await chat.alice.trust.is_verified("bob")
            await wait_for(lambda: chat.shown(lambda m: m.kind == KEY_CHANGE_NOTE_KIND) is not None)
            note = chat.shown(lambda m: m.kind == KEY_CHANGE_NOTE_KIND)
            assert note is not None
            assert accessible_text(note) == "bob's safety number changed"
            layout = view.view.row_layout(note.id)
            assert layout is not None and layout[1].note  # a centred note, not a bubble
            assert view.view.menu_actions(note) == [("delete_me", "Delete for me")]
            # The conversation list: the mark goes and the preview is the note.
            listed = chat.window.conversation_list.model
            await wait_for(lambda: _list_row(listed, "bob") is not None)
            await wait_for(lambda: not _list_row(listed, "bob").verified)  # type: ignore[union-attr]
            assert message_preview(note) == "bob's safety number changed"
            assert preview_text(_conversation_ending_with(note)) == "bob's safety number changed"
        finally:
            await bob.close()


async def test_accept_in_the_banner_compares_first_and_enter_means_not_now(
    tmp_path: Path, qtbot: QtBot
) -> None:
    async with open_chat(tmp_path, qtbot) as chat:
        view = chat.window.conversation_view
        bob = await _verified_then_changed(chat, tmp_path)
        try:
            new_number = await chat.alice.trust.safety_number("bob")
            waiting = await chat.alice.messages.send_text("bob", "is that you?")
            assert view.accept_key_button.isVisible()

            qtbot.mouseClick(view.accept_key_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: _compare_dialog(view) is not None)
            dialog = _compare_dialog(view)
            assert dialog is not None and dialog.isVisible()
            assert dialog.windowTitle() == "Compare with bob, then accept"
            assert dialog.number_label.text() == "\n".join(safety_number_lines(new_number))
            assert dialog.accept_key_button is not None and dialog.not_now_button is not None
            assert dialog.accept_key_button.text() == "Accept new key"
            assert dialog.not_now_button.text() == "Not now"
            assert not dialog.verify_button.isVisible()
            # The default button is the safe one: Enter closes without accepting.
            assert _default_button(dialog) is dialog.not_now_button
            assert not dialog.accept_key_button.autoDefault()
            qtbot.keyClick(dialog, Qt.Key.Key_Return)
            await wait_for(lambda: _compare_dialog(view) is None)
            assert view.banner.paused and await chat.alice.trust.messages_waiting("bob") == 1
            sent = await chat.alice.messages.get("bob", waiting)
            assert sent is not None and sent.status is MessageStatus.PENDING

            # Compared: "Accept new key" resumes sending, the banner goes.
            qtbot.mouseClick(view.accept_key_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: _compare_dialog(view) is not None)
            again = _compare_dialog(view)
            assert again is not None and again.accept_key_button is not None
            qtbot.mouseClick(again.accept_key_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: not view.banner.isVisible())
            await eventually(lambda: _bob_has(bob, waiting))
        finally:
            await bob.close()


async def test_remove_verification_is_never_the_default_button(qtbot: QtBot) -> None:
    dialog = SafetyNumberDialog("bob", NUMBER, True)
    qtbot.addWidget(dialog)
    changes: list[bool] = []
    dialog.verifiedChanged.connect(changes.append)
    dialog.show()
    await wait_for(dialog.isVisible)
    assert dialog.verify_button.text() == "Remove verification"
    assert not dialog.verify_button.autoDefault() and not dialog.verify_button.isDefault()
    assert _default_button(dialog) is not dialog.verify_button
    dialog.verify_button.setFocus()  # even with the focus on it, Enter does not press it
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    await wait_for(lambda: not dialog.isVisible())
    assert changes == [] and dialog.verified


def _compare_dialog(view: object) -> SafetyNumberDialog | None:
    dialog = getattr(view, "safety_dialog", None)
    if not isinstance(dialog, SafetyNumberDialog) or not shiboken6.isValid(dialog):
        return None  # none yet, or closed (it deletes itself)
    return dialog if dialog.accept_key_button is not None and dialog.isVisible() else None


def _list_row(model: ConversationListModel, peer: str) -> RowData | None:
    row = model.row_of(peer)
    return None if row is None else model.row_data(row)


def _conversation_ending_with(message: Message) -> Conversation:
    return Conversation(
        id="bob",
        peer_address="bob",
        title=None,
        expire_timer=0,
        unread_count=0,
        last_activity_at=message.sort_key,
        created_at=message.sort_key,
        last_message=message,
    )


def _default_button(dialog: SafetyNumberDialog) -> QPushButton | None:
    for button in dialog.findChildren(QPushButton):
        if button.isDefault():
            return button
    focus = QApplication.focusWidget()
    return focus if isinstance(focus, QPushButton) and focus.autoDefault() else None


async def _has_count(bob: ChatClient, count: int) -> bool:
    return len(await bob.messages.history("alice")) >= count


async def _bob_has(bob: ChatClient, message_id: str) -> bool:
    return await bob.messages.get("alice", message_id) is not None
