"""Notifications of incoming messages, with real clients on a real relay.

The notifications are captured by a recording :class:`Notifier` (the double stands for the
operating system's notification service, which is not what these tests are about); the
native notifier itself is tested against a real D-Bus session bus with a notification
server of the test's own (the freedesktop protocol every Linux desktop speaks).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated

import msgspec
import pytest
from conversation_helpers import open_pair
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal
from gui_helpers import PASSWORD, close_app, unlock_in, wait_for
from pytestqt.qtbot import QtBot
from test_conversation_list import with_carol

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.account.account_dialogs import UnlockDialog
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.gui.shell.notifications import NativeNotifier, NotificationCenter
from chat_desktop.relay.app import RelayServer
from chat_desktop.relay.config import RelayConfig
from chat_desktop.services.client import ChatClient

pytestmark = [pytest.mark.gui, pytest.mark.asyncio(loop_scope="session")]


class RecordingNotifier:
    """Keeps every notification instead of showing it."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, Callable[[], None]]] = []
        #: Whether each one asked for the message sound.
        self.sounds: list[bool] = []

    async def notify(
        self, title: str, body: str, on_clicked: Callable[[], None], *, sound: bool = False
    ) -> None:
        self.shown.append((title, body, on_clicked))
        self.sounds.append(sound)


async def test_a_background_chat_notifies_the_open_one_does_not_and_a_click_opens_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        recorder = RecordingNotifier()
        raised: list[bool] = []
        center = NotificationCenter(
            pair.alice, pair.bridge, window, recorder, raise_window=lambda: raised.append(True)
        )
        window.activateWindow()
        await wait_for(window.isActiveWindow)
        await pair.from_bob("bob writes in the open chat")
        await carol.messages.send_text("alice", "carol writes in the background")
        await wait_for(lambda: len(recorder.shown) == 1)
        title, body, clicked = recorder.shown[0]
        assert (title, body) == ("carol", "carol writes in the background")
        assert window.open_peer == "bob"

        clicked()  # the user clicks the notification
        await wait_for(lambda: window.open_peer == "carol")
        assert raised == [True]
        center.stop()


async def test_a_group_message_is_titled_with_the_group_and_says_who_wrote_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        recorder = RecordingNotifier()
        center = NotificationCenter(
            pair.alice, pair.bridge, window, recorder, raise_window=lambda: None
        )
        window.activateWindow()
        await wait_for(window.isActiveWindow)
        group = await carol.groups.create("Hiking", ["alice", "bob"])
        await carol.groups.send_text(group, "who brings the map?")
        await wait_for(lambda: len(recorder.shown) == 1, 60)
        title, body, clicked = recorder.shown[0]
        assert (title, body) == ("Hiking", "carol: who brings the map?")
        clicked()
        await wait_for(lambda: window.open_peer == group)
        center.stop()


async def test_muted_chats_and_the_privacy_choices(qtbot: QtBot, tmp_path: Path) -> None:
    async with open_pair(tmp_path, qtbot) as pair, with_carol(pair, tmp_path) as carol:
        window = pair.window
        recorder = RecordingNotifier()
        center = NotificationCenter(pair.alice, pair.bridge, window, recorder)
        await window.open_conversation_now("zed")  # Bob's and Carol's chats are in the background

        await pair.alice.conversations.set_muted("carol", True)
        await carol.messages.send_text("alice", "muted words")
        await pair.bob.messages.send_text("alice", "bob's words")
        await wait_for(lambda: len(recorder.shown) == 1)
        assert [(t, b) for t, b, _ in recorder.shown] == [("bob", "bob's words")]

        preferences = await pair.alice.preferences.load()
        await pair.alice.preferences.save(
            msgspec.structs.replace(preferences, notification_content="sender")
        )
        await pair.bob.messages.send_text("alice", "private words")
        await wait_for(lambda: len(recorder.shown) == 2)
        assert recorder.shown[1][:2] == ("bob", "New message")

        await pair.alice.preferences.save(
            msgspec.structs.replace(preferences, notification_content="none")
        )
        await pair.bob.messages.send_text("alice", "unannounced")
        pane = window.conversation_list
        await wait_for(
            lambda: (
                (n := pane.model.row_of("bob")) is not None
                and pane.model.row_data(n).preview == "unannounced"
            )
        )
        await wait_for(lambda: not center._draining and not center._pending)
        assert len(recorder.shown) == 2
        assert not any("private" in body or "unannounced" in body for _, body, _ in recorder.shown)
        center.stop()


async def test_the_controller_brings_the_tray_and_notifications_with_the_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    relay = RelayServer(RelayConfig(data_dir=tmp_path / "relay", port=0))
    await relay.start()
    profile = tmp_path / "profile"
    controller: AppController | None = None
    bob: ChatClient | None = None
    try:
        alice, _ = await ChatClient.create(
            profile, relay.url, "alice", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await alice.run_in_store(alice.store.conversations.ensure, "zed")  # opened at start
        await alice.close()
        bob, _ = await ChatClient.create(
            tmp_path / "bob", relay.url, "bob", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        await bob.connect()
        await bob.wait_connected()
        recorder = RecordingNotifier()
        controller = AppController(
            profile, relay.url, idle_lock_s=0, notifier=recorder, tray_available=False
        )
        controller.start()
        window = await unlock_in(controller, qtbot)
        await wait_for(lambda: window.open_peer == "zed")
        tray = controller.tray
        assert tray is not None and controller.notifications is not None

        await bob.messages.send_text("alice", "hello from bob")
        await wait_for(lambda: len(recorder.shown) == 1)
        assert recorder.shown[0][:2] == ("bob", "hello from bob")
        await wait_for(lambda: tray.unread_count == 1)

        tray.lock_action.trigger()  # the tray's "Lock"
        await wait_for(
            lambda: controller is not None and isinstance(controller.dialog, UnlockDialog)
        )
        assert controller.tray is None and controller.notifications is None
    finally:
        await close_app(controller)
        if bob is not None:
            await bob.close()
        await relay.stop()


# ---- the native notifier against a real D-Bus session bus -------------------------------------


DBusStrings = Annotated[list[str], DBusSignature("as")]
ServerInformation = Annotated[list[str], DBusSignature("ssss")]
ActionSignal = Annotated[list[object], DBusSignature("us")]
ClosedSignal = Annotated[list[object], DBusSignature("uu")]


class NotificationServer(ServiceInterface):
    """A minimal freedesktop notification server (what GNOME / KDE / dunst implement)."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.received: list[tuple[str, str, list[str]]] = []

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
        self.received.append((summary, body, list(actions)))
        return len(self.received)

    @dbus_method()
    def GetCapabilities(self) -> DBusStrings:
        return ["actions", "body"]

    @dbus_method()
    def GetServerInformation(self) -> ServerInformation:
        return ["test-server", "chat_desktop tests", "1.0", "1.2"]

    @dbus_method()
    def CloseNotification(self, notification_id: DBusUInt32):  # type: ignore[no-untyped-def]
        return None

    @dbus_signal()
    def ActionInvoked(self, notification_id: int, action_key: str) -> ActionSignal:
        return [notification_id, action_key]

    @dbus_signal()
    def NotificationClosed(self, notification_id: int, reason: int) -> ClosedSignal:
        return [notification_id, reason]


@contextlib.asynccontextmanager
async def session_bus(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A private D-Bus session bus (dbus-daemon) for the test's duration."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = (await asyncio.to_thread(daemon.stdout.readline)).strip()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        daemon.terminate()
        await asyncio.to_thread(daemon.wait)


async def test_the_native_notifier_shows_through_dbus_and_reports_the_click(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with session_bus(monkeypatch) as address:
        bus = await MessageBus(bus_address=address).connect()
        server = NotificationServer()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        fallback: list[str] = []

        def bubble(title: str, _body: str, _clicked: Callable[[], None]) -> bool:
            fallback.append(title)
            return True

        notifier = NativeNotifier(fallback=bubble)
        clicks: list[bool] = []

        def click() -> None:
            clicks.append(True)

        await notifier.notify("carol", "the secret is 1234", click)
        assert [(t, b) for t, b, _ in server.received] == [("carol", "the secret is 1234")]
        assert "default" in server.received[0][2]  # a click on the body is an action
        assert fallback == []
        server.ActionInvoked(1, "default")  # the user clicks it
        await wait_for(lambda: clicks == [True])
        bus.disconnect()
    assert not any("1234" in record.getMessage() for record in caplog.records)


async def test_without_a_notification_service_the_tray_bubble_is_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    shown: list[tuple[str, str]] = []

    def bubble(title: str, body: str, _clicked: Callable[[], None]) -> bool:
        shown.append((title, body))
        return True

    notifier = NativeNotifier(fallback=bubble)
    await notifier.notify("carol", "the secret is 1234", lambda: None)  # never raises
    assert shown == [("carol", "the secret is 1234")]
    notifier.fallback = None
    await notifier.notify("carol", "the secret is 1234", lambda: None)  # nothing at all: fine
    messages = [record.getMessage() for record in caplog.records]
    assert messages  # the failure is in the log, by its kind
    assert not any("1234" in message for message in messages)
    assert all(record.exc_info is None for record in caplog.records)


async def test_markup_in_a_notification_reaches_the_desktop_escaped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Freedesktop servers draw <b>, <a href> and <img> in a body: a peer's text must not.
    hostile = '<b>x</b><img src="file:///etc/passwd"> & <a href="https://evil.example">y</a>'
    escaped = (
        '&lt;b&gt;x&lt;/b&gt;&lt;img src="file:///etc/passwd"&gt; &amp; '
        '&lt;a href="https://evil.example"&gt;y&lt;/a&gt;'
    )
    async with session_bus(monkeypatch) as address:
        bus = await MessageBus(bus_address=address).connect()
        server = NotificationServer()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        notifier = NativeNotifier()
        await notifier.notify("<i>carol</i>", hostile, lambda: None)
        assert [(t, b) for t, b, _ in server.received] == [("&lt;i&gt;carol&lt;/i&gt;", escaped)]
        bus.disconnect()

    # Without the service, the tray's bubble (a notification or a rich-text tip) gets the same.
    shown: list[tuple[str, str]] = []

    def bubble(title: str, body: str, _clicked: Callable[[], None]) -> bool:
        shown.append((title, body))
        return True

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/no-bus")
    await NativeNotifier(fallback=bubble).notify("carol", hostile, lambda: None)
    assert shown == [("carol", escaped)]
