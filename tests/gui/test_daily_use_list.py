"""Issue 19 (daily use), the list's part: drafts, a right click that reads nothing, "Mark as
unread", the unread count in the title, the notification sound and closing to the tray.

Real clients on a real relay: Alice in the real window (or the real controller), Bob and
Carol headless.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conversation_helpers import eventually, open_pair
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusStr, DBusUInt32
from dbus_fast.service import dbus_method
from gui_helpers import PASSWORD, close_app, unlock_in, wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from test_conversation_list import painted, row, with_carol
from test_notifications import (
    DBusStrings,
    NotificationServer,
    RecordingNotifier,
    session_bus,
)

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.common.theme import current_colors
from chat_desktop.gui.conversation_list.panel import PEER_ROLE, ConversationList
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.main_window import MainWindow
from chat_desktop.gui.shell.notifications import NativeNotifier, NotificationCenter
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


def type_into(window: MainWindow, text: str) -> None:
    """Types ``text`` into the open conversation's box, as the keyboard does."""
    edit = window.conversation_view.composer.edit
    edit.setFocus()
    for number, line in enumerate(text.split("\n")):
        if number:
            QTest.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClicks(edit, line)


def right_click(pane: ConversationList, peer: str) -> None:
    """A right click on ``peer``'s row as the platform delivers it: press, release, menu."""
    number = pane.model.row_of(peer)
    assert number is not None
    viewport = pane.list.viewport()
    position = pane.list.visualRect(pane.model.index(number)).center()
    QTest.mousePress(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, position)
    QTest.mouseRelease(
        viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, position
    )
    menu_event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, position, viewport.mapToGlobal(position)
    )
    QApplication.sendEvent(viewport, menu_event)


def current_peer(pane: ConversationList) -> str | None:
    index = pane.list.currentIndex()
    return str(index.data(PEER_ROLE)) if index.isValid() else None


def choose(pane: ConversationList, name: str) -> None:
    """Triggers action ``name`` of the context menu shown."""
    menu = pane.context_menu
    assert menu is not None and menu.isVisible()
    action = next(a for a in menu.actions() if a.objectName() == name)
    action.trigger()
    menu.close()


def has_color_near(pane: ConversationList, peer: str, color: str) -> bool:
    """Whether the painted draft label of ``peer``'s row holds pixels of ``color``."""
    image, layout = painted(pane, peer)
    assert layout.draft_label is not None
    wanted = (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    rect = layout.draft_label
    for x in range(rect.left(), rect.right()):
        for y in range(rect.top(), rect.bottom()):
            pixel = image.pixelColor(QPoint(x, y))
            got = (pixel.red(), pixel.green(), pixel.blue())
            if sum(abs(a - b) for a, b in zip(got, wanted, strict=True)) < 40:
                return True
    return False


# ---- item 2: drafts ------------------------------------------------------------------------


async def test_a_draft_stays_with_its_chat_shows_in_the_list_and_goes_when_sent(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        pane = window.conversation_list
        composer = window.conversation_view.composer
        await carol.messages.send_text("alice", "hi alice")
        await pair.from_bob("hello from bob")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.preview == "hi alice")

        type_into(window, "half a  thought\nsecond line")
        # Saved while typing (at most a second later), without leaving the chat.
        await eventually(lambda: draft_is(pair.alice, "bob", "half a  thought\nsecond line"))

        await window.open_conversation_now("carol")
        assert composer.edit.toPlainText() == ""  # Carol's chat has no draft
        await wait_for(lambda: (r := row(pane, "bob")) is not None and bool(r.draft_label))
        bob_row = row(pane, "bob")
        assert bob_row is not None
        assert (bob_row.draft_label, bob_row.preview) == ("Draft:", "half a thought second line")
        assert "Draft: half a thought" in pane.accessible_text("bob")
        assert has_color_near(pane, "bob", current_colors().accent)  # "Draft:" in the accent

        type_into(window, "for carol")
        await window.open_conversation_now("bob")  # switching away keeps Carol's at once
        assert await pair.alice.conversations.drafts.draft("carol") == "for carol"
        assert composer.edit.toPlainText() == "half a  thought\nsecond line"
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.preview == "for carol")

        QTest.keyClick(composer.edit, Qt.Key.Key_Return)  # sent: the draft goes
        await wait_for(
            lambda: (
                (r := row(pane, "bob")) is not None
                and not r.draft_label
                and r.preview.startswith("You: half a")
            )
        )
        assert await pair.alice.conversations.drafts.draft("bob") == ""


async def draft_is(client: ChatClient, peer: str, text: str) -> bool:
    return await client.conversations.drafts.draft(peer) == text


async def test_drafts_and_unread_marks_survive_a_lock(qtbot: QtBot, tmp_path: Path) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    try:
        alice, _ = await ChatClient.create(
            profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        for peer in ("zed", "yan"):
            await alice.run_in_store(alice.store.conversations.ensure, peer)
        await alice.close()
        controller = AppController(profile, relay.url, idle_lock_s=0, tray_available=False)
        controller.start()
        window = await unlock_in(controller, qtbot)
        await wait_for(lambda: window.open_peer is not None)
        await window.open_conversation_now("zed")
        type_into(window, "unfinished words")
        menu = window.conversation_list.context_menu_for("yan")  # "Mark as unread" on another
        assert menu is not None
        next(a for a in menu.actions() if a.objectName() == "markUnreadAction").trigger()
        await wait_for(
            lambda: (r := row(window.conversation_list, "yan")) is not None and r.marked_unread
        )

        await controller.lock()  # no second's wait: the lock saves the draft itself
        window = await unlock_in(controller, qtbot)
        await wait_for(lambda: window.open_peer == "zed")
        composer = window.conversation_view.composer
        await wait_for(lambda: composer.edit.toPlainText() == "unfinished words")
        pane = window.conversation_list
        await wait_for(lambda: (r := row(pane, "yan")) is not None and r.marked_unread)
        _image, layout = painted(pane, "yan")
        assert layout.badge is not None  # the unread dot
    finally:
        await close_app(controller)
        await relay.stop()


# ---- item 3: a right click reads nothing; "Mark as unread" --------------------------------------


async def test_a_right_click_neither_opens_nor_reads_and_mark_as_unread_until_opened(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        pane = window.conversation_list
        await pair.from_bob("hello from bob")
        for text in ("one", "two"):
            await carol.messages.send_text("alice", text)
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 2)

        right_click(pane, "carol")
        assert current_peer(pane) == "bob"  # the open chat stays selected
        choose(pane, "pinAction")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.pinned)
        right_click(pane, "carol")
        choose(pane, "muteAction")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.muted)
        assert window.open_peer == "bob"
        carol_row = row(pane, "carol")
        assert carol_row is not None and carol_row.unread == 2  # still unread
        conversations = {c.id: c for c in await pair.alice.conversations.list()}
        assert conversations["carol"].unread_count == 2

        # "Mark as unread" on the read chat with Bob: a dot until it is opened again.
        await window.open_conversation_now("carol")
        await wait_for(lambda: (r := row(pane, "carol")) is not None and r.unread == 0)
        right_click(pane, "bob")
        assert current_peer(pane) == "carol"
        choose(pane, "markUnreadAction")
        await wait_for(lambda: (r := row(pane, "bob")) is not None and r.marked_unread)
        _image, layout = painted(pane, "bob")
        assert layout.badge is not None
        assert "marked unread" in pane.accessible_text("bob")
        assert await pair.alice.conversations.unread_total() == 1
        menu = pane.context_menu_for("bob")
        assert menu is not None
        assert [a.text() for a in menu.actions() if a.objectName() == "markUnreadAction"] == [
            "Mark as read"
        ]

        await window.open_conversation_now("bob")
        await wait_for(lambda: (r := row(pane, "bob")) is not None and not r.marked_unread)
        _image, layout = painted(pane, "bob")
        assert layout.badge is None


# ---- item 16: title, sound, close to the tray -------------------------------------------------


async def test_the_title_counts_the_unread_messages_of_unmuted_chats(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        assert window.windowTitle() == "chat_desktop — alice"
        for text in ("one", "two", "three"):
            await carol.messages.send_text("alice", text)
        await wait_for(lambda: window.windowTitle() == "chat_desktop (3) — alice")
        await pair.alice.conversations.set_muted("carol", True)
        await wait_for(lambda: window.windowTitle() == "chat_desktop — alice")
        await pair.alice.conversations.set_muted("carol", False)
        await wait_for(lambda: window.windowTitle() == "chat_desktop (3) — alice")
        await window.open_conversation_now("carol")
        await wait_for(lambda: window.windowTitle() == "chat_desktop — alice")


async def test_notifications_ask_for_the_sound_unless_it_is_turned_off(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        recorder = RecordingNotifier()
        center = NotificationCenter(pair.alice, pair.bridge, window, recorder)
        await carol.messages.send_text("alice", "with a sound")
        await wait_for(lambda: len(recorder.shown) == 1)
        assert recorder.sounds == [True]  # on by default

        window.show_settings()
        settings = window.settings_window
        assert settings is not None
        box = settings.privacy_page.sound_box
        await wait_for(lambda: settings.privacy_page.isEnabled())
        assert box.isChecked()
        box.click()  # the user turns the sound off
        await wait_for(lambda: settings.saves.pending == 0)
        assert not (await pair.alice.preferences.load()).notification_sound
        await carol.messages.send_text("alice", "silently")
        await wait_for(lambda: len(recorder.shown) == 2)
        assert recorder.sounds == [True, False]
        center.stop()
        settings.close()


class HintsServer(NotificationServer):
    """The tests' notification server, also keeping each notification's hints."""

    def __init__(self) -> None:
        super().__init__()
        self.hints: list[dict[str, object]] = []

    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: DBusStrings,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        self.hints.append({key: variant.value for key, variant in hints.items()})
        self.received.append((summary, body, list(actions)))
        return len(self.received)


async def test_the_sound_reaches_the_desktop_as_the_freedesktop_message_sound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with session_bus(monkeypatch) as address:
        bus = await MessageBus(bus_address=address).connect()
        server = HintsServer()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        notifier = NativeNotifier()
        await notifier.notify("carol", "with a sound", lambda: None, sound=True)
        await notifier.notify("carol", "silently", lambda: None)
        assert [body for _title, body, _actions in server.received] == [
            "with a sound",
            "silently",
        ]
        assert server.hints[0].get("sound-name") == "message-new-instant"
        assert "sound-name" not in server.hints[1]
        bus.disconnect()


async def test_closing_the_window_keeps_the_app_in_the_tray_and_says_so_once(
    qtbot: QtBot, tmp_path: Path
) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    try:
        alice, _ = await ChatClient.create(
            profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await alice.close()
        recorder = RecordingNotifier()
        controller = AppController(
            profile, relay.url, idle_lock_s=0, notifier=recorder, tray_available=True
        )
        quits: list[bool] = []
        controller.quitRequested.connect(lambda: quits.append(True))
        controller.start()
        window = await unlock_in(controller, qtbot)
        assert window.keep_running_in_tray

        window.close()  # the window's close button
        await wait_for(lambda: len(recorder.shown) == 1)
        assert not window.isVisible() and controller.window is window
        assert controller.client is not None and quits == []
        title, body, clicked = recorder.shown[0]
        assert title == "chat_desktop"
        assert "still running in the tray" in body
        clicked()  # back from the tray
        await wait_for(window.isVisible)

        await controller.lock()  # said once per profile, across locks and restarts
        window = await unlock_in(controller, qtbot)
        window.close()
        assert not window.isVisible() and quits == []
        controller.raise_window()  # as a second launch does (single instance)
        assert window.isVisible()

        window.show_settings()
        settings = window.settings_window
        assert settings is not None
        await wait_for(lambda: settings.privacy_page.isEnabled())
        settings.privacy_page.close_to_tray_box.click()  # off: closing quits again
        await wait_for(lambda: settings.saves.pending == 0)
        assert not window.keep_running_in_tray
        settings.close()
        window.close()
        assert quits == [True]
        assert len(recorder.shown) == 1
    finally:
        await close_app(controller)
        await relay.stop()


async def test_quit_in_the_tray_and_ctrl_q_still_quit(qtbot: QtBot, tmp_path: Path) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    try:
        alice, _ = await ChatClient.create(
            profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await alice.close()
        controller = AppController(
            profile, relay.url, idle_lock_s=0, notifier=RecordingNotifier(), tray_available=True
        )
        quits: list[bool] = []
        controller.quitRequested.connect(lambda: quits.append(True))
        controller.start()
        window = await unlock_in(controller, qtbot)
        assert window.keep_running_in_tray
        window.quit_action.trigger()  # Ctrl+Q
        assert quits == [True]
        window.show()
        tray = controller.tray
        assert tray is not None
        tray.quit_action.trigger()
        assert quits == [True, True]
    finally:
        await close_app(controller)
        await relay.stop()
