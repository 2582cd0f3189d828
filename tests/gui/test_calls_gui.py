"""Calls in the GUI (issue 24, acceptances 4 and 5).

- The windows on their own, fed the engine's ``CallInfo``: the ringing window (Enter
  accepts, Escape declines, rings until dismissed), the in-call window (clock, mute, camera,
  hang up once), the video view (a frame converted on another thread reaches the GUI
  thread), the call notes' sentences (a garbled or hostile body still reads).
- The real app (``AppController``) on this machine, which has no sound device and no camera:
  the header's call button says so in a message box, and Settings → Calls lists none.
- Alice calls Bob through the windows on a real relay with synthetic media: Bob's ringing
  window, Enter accepts with video, both in-call windows show the peer's counter frames and
  the own preview, Alice hangs up, both windows close, the note is in Alice's chat.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import av
import msgspec
import pytest
from conversation_helpers import open_pair
from gui_helpers import PASSWORD, account_on_relay, close_app, unlock_in, wait_for
from PySide6.QtCore import Qt, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from qasync_loop import new_gui_loop

from chat_desktop.crypto.vault import FLOOR_PARAMS
from chat_desktop.gui.calls.call_controller import CallController
from chat_desktop.gui.calls.call_words import refusal_text
from chat_desktop.gui.calls.in_call_window import InCallWindow
from chat_desktop.gui.calls.incoming_window import IncomingCallWindow
from chat_desktop.gui.calls.video_view import VideoView
from chat_desktop.gui.conversation.call_notes import call_note_text
from chat_desktop.gui.conversation.conversation_header import ConversationHeader
from chat_desktop.gui.settings.window import CALLS_SECTION
from chat_desktop.gui.shell.app_controller import AppController
from chat_desktop.services.call_errors import CallBusy, CallNotAllowed
from chat_desktop.services.call_media import CallDeviceError, CallMedia
from chat_desktop.services.call_synthetic_shown import ShownSyntheticMedia
from chat_desktop.services.client import ChatClient
from chat_desktop.services.events import CallInfo
from chat_desktop.services.types import CALL_NOTE_KIND, Direction, Message, MessageStatus

pytestmark = [pytest.mark.gui]


def info(**changes: object) -> CallInfo:
    fields: dict[str, object] = {
        "call_id": "c" * 32,
        "peer": "bob",
        "outgoing": True,
        "video": True,
        "state": "ringing",
        "started_at_ms": int(time.time() * 1000),
        "connected_at_ms": None,
        "muted": False,
        "camera_on": True,
    }
    fields.update(changes)
    return CallInfo(**fields)  # type: ignore[arg-type]


def note(body: str) -> Message:
    return Message(
        id="n1",
        conversation_id="bob",
        sender="alice",
        direction=Direction.OUTGOING,
        sort_key=1,
        kind=CALL_NOTE_KIND,
        body=body,
        status=MessageStatus.READ,
    )


def body(outcome: str, *, outgoing: bool = True, video: bool = False, duration: object = 0) -> str:
    return json.dumps(
        {"outgoing": outgoing, "video": video, "outcome": outcome, "duration_s": duration}
    )


# ---- the windows on their own ----------------------------------------------------------------


def test_the_ringing_window_accepts_on_enter_with_video_and_declines_on_escape(
    qtbot: QtBot,
) -> None:
    window = IncomingCallWindow("c" * 32, "Bob Builder", True)
    qtbot.addWidget(window)
    accepted: list[bool] = []
    declined: list[bool] = []
    window.acceptRequested.connect(accepted.append)
    window.declineRequested.connect(lambda: declined.append(True))
    window.show()
    qtbot.waitExposed(window)
    assert window.ringing and window.rings == 1
    assert window.name_label.text() == "Bob Builder"
    assert window.what_label.text() == "Incoming video call"
    assert window.accept_video_button.isVisible() and window.accept_video_button.isDefault()
    for button in (window.accept_video_button, window.accept_voice_button, window.decline_button):
        assert button.accessibleName()
    qtbot.keyClick(window.accept_video_button, Qt.Key.Key_Return)
    assert accepted == [True] and not declined and not window.ringing

    voice = IncomingCallWindow("d" * 32, "bob", False)
    qtbot.addWidget(voice)
    voice.acceptRequested.connect(accepted.append)
    voice.declineRequested.connect(lambda: declined.append(True))
    voice.show()
    qtbot.waitExposed(voice)
    assert not voice.accept_video_button.isVisible()  # a voice call offers no video
    qtbot.keyClick(voice, Qt.Key.Key_Escape)
    assert declined == [True] and accepted == [True]


def test_a_call_answered_elsewhere_closes_the_ringing_window_without_declining(
    qtbot: QtBot,
) -> None:
    window = IncomingCallWindow("c" * 32, "bob", False)
    qtbot.addWidget(window)
    declined: list[bool] = []
    window.declineRequested.connect(lambda: declined.append(True))
    window.show()
    window.dismiss()
    assert not window.ringing and not declined


def test_the_in_call_window_shows_the_clock_and_asks_to_mute_and_hang_up_once(
    qtbot: QtBot,
) -> None:
    window = InCallWindow(info(), "Bob Builder")
    qtbot.addWidget(window)
    asks: list[tuple[str, bool]] = []
    window.muteRequested.connect(lambda on: asks.append(("mute", on)))
    window.cameraRequested.connect(lambda on: asks.append(("camera", on)))
    window.hangUpRequested.connect(lambda: asks.append(("hang up", True)))
    window.show()
    assert window.clock == "Ringing…"
    assert window.camera_button.isVisible() and window.local_view.isVisible()
    connected_at = int(time.time() * 1000) - 151_000
    window.show_info(info(state="connected", connected_at_ms=connected_at))
    assert window.clock in ("2:31", "2:32")
    qtbot.mouseClick(window.mute_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.camera_button, Qt.MouseButton.LeftButton)
    assert asks == [("mute", True), ("camera", False)]
    # What the engine reports is what shows (the window only asks).
    window.show_info(info(state="connected", connected_at_ms=connected_at, muted=True))
    assert window.mute_button.isChecked() and window.mute_button.text() == "Unmute"
    qtbot.mouseClick(window.hang_up_button, Qt.MouseButton.LeftButton)
    assert asks[-1] == ("hang up", True) and asks.count(("hang up", True)) == 1
    assert not window.isVisible()

    voice = InCallWindow(info(video=False, camera_on=False), "bob")
    qtbot.addWidget(voice)
    voice.hangUpRequested.connect(lambda: asks.append(("hang up", True)))
    voice.show()
    assert not voice.camera_button.isVisible() and not voice.local_view.isVisible()
    voice.end()  # the call ended by itself: no hang-up asked
    assert asks.count(("hang up", True)) == 1


async def test_a_frame_converted_on_another_thread_is_painted_by_the_gui_thread(
    qtbot: QtBot,
) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.show()
    frame = av.VideoFrame(1280, 720, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([200]) * plane.buffer_size)
    worker = threading.Thread(target=view.post, args=(frame,))
    worker.start()
    worker.join(10)
    await wait_for(lambda: view.frames_shown == 1)
    image = view.image
    assert image is not None and image.width() == 960 and image.height() == 540  # scaled down
    assert image.pixelColor(10, 10).red() > 150  # the frame's (light grey) pixels


def test_call_notes_read_as_sentences_and_hostile_bodies_still_read() -> None:
    assert call_note_text(note(body("missed", outgoing=False))) == "Missed voice call"
    assert (
        call_note_text(note(body("completed", video=True, duration=151)))
        == "Outgoing video call, 2:31"
    )
    assert call_note_text(note(body("declined", outgoing=False))) == "Declined voice call"
    assert call_note_text(note(body("missed"))) == "Outgoing voice call, no answer"
    assert call_note_text(note(body("completed", duration=0))) == "Outgoing voice call, 0:00"
    # Garbled, wrong types, out of bounds, unknown outcomes: a plain sentence, no failure.
    for hostile in (
        "",
        "{",
        "[]",
        body("exploded"),
        json.dumps({"outgoing": "yes", "video": 1, "outcome": None}),
    ):
        assert call_note_text(note(hostile)) in ("Voice call", "Video call")
    # A length out of bounds or of the wrong type reads as none.
    for duration in (10**12, -5, "3", True):
        assert call_note_text(note(body("completed", duration=duration))).endswith(", 0:00")


def test_the_header_call_buttons_ask_for_voice_or_video_only_when_allowed(qtbot: QtBot) -> None:
    header = ConversationHeader()
    qtbot.addWidget(header)
    asked: list[bool] = []
    header.callRequested.connect(asked.append)
    assert not header.voice_call_button.isEnabled()  # until the chat is known to allow it
    header.allow_calls(True)
    qtbot.mouseClick(header.voice_call_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(header.video_call_button, Qt.MouseButton.LeftButton)
    assert asked == [False, True]
    assert header.voice_call_button.accessibleName() == "Voice call"
    header.allow_calls(False)
    assert not header.video_call_button.isEnabled()


# ---- the real app on this machine (no sound device, no camera) -----------------------------


def _notice_text() -> str | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            return widget.text()
    return None


async def test_calling_without_devices_says_so_and_settings_lists_none(
    qtbot: QtBot, tmp_path: Path
) -> None:
    controller: AppController | None = None
    async with account_on_relay(tmp_path, "dana") as (relay, profile, client):
        bob, _key = await ChatClient.create(
            tmp_path / "bob", relay.url, "bob", PASSWORD, kdf_params=FLOOR_PARAMS
        )
        try:
            await client.connect()
            await client.wait_connected()
            await client.conversations.start("bob")
            chosen = await client.preferences.load()
            await client.preferences.save(
                msgspec.structs.replace(chosen, call_microphone="USB Headset")
            )
            await client.close()
            controller = AppController(profile, relay.url, idle_lock_s=0)
            controller.start()
            window = await unlock_in(controller, qtbot)
            calls = controller.calls
            assert calls is not None and controller.client is not None
            assert controller.client.calls.media_factory == calls.device_media  # real devices
            await window.open_conversation_now("bob")
            header = window.conversation_view.header
            await wait_for(header.voice_call_button.isEnabled)
            qtbot.mouseClick(header.voice_call_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: _notice_text() is not None)
            assert _notice_text() == (
                "No microphone found. Connect one, or choose another in Settings, Calls."
            )
            assert calls.call_window is None and controller.client.calls.current() is None
            assert calls.last_notice is not None
            calls.last_notice.close()

            window.show_settings(CALLS_SECTION)
            settings = window.settings_window
            assert settings is not None
            page = settings.calls_page
            await wait_for(page.isEnabled)
            # The headset chosen earlier is unplugged: kept, marked, not lost.
            assert page.microphone_combo.currentText() == "USB Headset (not found)"
            assert page.speaker_combo.count() == 1  # "System default" only
            shown = [label.text() for label in page.missing_labels.values() if not label.isHidden()]
            assert shown == ["No microphone found.", "No speakers found.", "No camera found."]
            page.microphone_combo.setCurrentIndex(0)  # back to the system's default
            await wait_for(lambda: not settings.saving)
            saved = await controller.client.preferences.load()
            assert saved.call_microphone == ""
        finally:
            await bob.close()
            await close_app(controller)


def test_refusals_are_said_in_the_users_words() -> None:
    assert refusal_text(CallDeviceError("camera", "busy")).startswith(
        "The camera is being used by another program"
    )
    assert refusal_text(CallDeviceError("speaker", "missing")).startswith("No speakers")
    assert refusal_text(CallBusy()) == "You are already in a call. Hang up first."
    assert refusal_text(CallNotAllowed()).startswith("You can only call a contact")


# ---- Alice calls Bob through the windows -----------------------------------------------------


def synthetic_factory(
    calls: CallController, frequency: float, made: list[ShownSyntheticMedia]
) -> Callable[[bool], CallMedia]:
    def make(video: bool) -> CallMedia:
        media = ShownSyntheticMedia(frequency, video)
        calls.prepare(media)
        made.append(media)
        return media

    return make


async def test_alice_calls_bob_through_the_windows_and_hangs_up(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        alice_calls = CallController(pair.alice, pair.window)
        bob_calls = CallController(pair.bob)
        made: list[ShownSyntheticMedia] = []
        pair.alice.calls.media_factory = synthetic_factory(alice_calls, 1000.0, made)
        pair.bob.calls.media_factory = synthetic_factory(bob_calls, 440.0, made)
        header = pair.pane.header
        header.callRequested.connect(lambda video: alice_calls.start_call("bob", video))
        try:
            await wait_for(header.video_call_button.isEnabled)
            qtbot.mouseClick(header.video_call_button, Qt.MouseButton.LeftButton)

            # Bob's computer rings; Alice's in-call window waits for him.
            await wait_for(lambda: bob_calls.incoming_window is not None, timeout=30)
            incoming = bob_calls.incoming_window
            assert incoming is not None
            assert incoming.name_label.text() == "alice" and incoming.video
            await wait_for(lambda: alice_calls.call_window is not None)
            alice_window = alice_calls.call_window
            assert alice_window is not None and alice_window.clock == "Ringing…"

            qtbot.keyClick(incoming.accept_video_button, Qt.Key.Key_Return)  # Enter: video
            await wait_for(lambda: bob_calls.call_window is not None, timeout=30)
            bob_window = bob_calls.call_window
            assert bob_window is not None and bob_calls.incoming_window is None
            for window in (alice_window, bob_window):
                await wait_for(lambda w=window: w.info.state == "connected", timeout=30)
                await wait_for(
                    lambda w=window: (
                        w.remote_view.frames_shown > 3 and w.local_view.frames_shown > 3
                    ),
                    timeout=30,
                )
                assert ":" in window.clock  # the clock runs ("0:01")

            # Mute goes through the engine and back.
            qtbot.mouseClick(alice_window.mute_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: alice_window.info.muted and alice_window.mute_button.isChecked())

            qtbot.mouseClick(alice_window.hang_up_button, Qt.MouseButton.LeftButton)
            await wait_for(
                lambda: alice_calls.call_window is None and bob_calls.call_window is None,
                timeout=30,
            )
            assert pair.alice.calls.current() is None and pair.bob.calls.current() is None
            await wait_for(lambda: all(media.closed for media in made), timeout=30)

            # The history note shows in Alice's open chat.
            def shown_notes() -> list[str]:
                model = pair.model
                return [
                    call_note_text(model.message_at(row))
                    for row in range(model.rowCount())
                    if model.message_at(row).kind == CALL_NOTE_KIND
                ]

            await wait_for(lambda: bool(shown_notes()), timeout=30)
            assert shown_notes()[0].startswith("Outgoing video call, 0:")
        finally:
            alice_calls.stop()
            bob_calls.stop()
            await asyncio.sleep(0)


class RecordingNotifier:
    """Keeps every notification instead of showing it."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, Callable[[], None]]] = []

    async def notify(
        self, title: str, body: str, on_clicked: Callable[[], None], *, sound: bool = False
    ) -> None:
        self.shown.append((title, body, on_clicked))


async def test_a_call_hung_up_before_the_answer_stops_ringing_and_leaves_a_missed_call(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Bob rings Alice's window, then gives up: her ringing window closes by itself (it
    declines nothing), her notification was shown, and her chat says she missed a call."""
    async with open_pair(tmp_path, qtbot) as pair:
        notifier = RecordingNotifier()
        alice_calls = CallController(pair.alice, pair.window, notifier)
        made: list[ShownSyntheticMedia] = []
        pair.alice.calls.media_factory = synthetic_factory(alice_calls, 1000.0, made)
        pair.bob.calls.media_factory = lambda video: ShownSyntheticMedia(440.0, video)
        try:
            call_id = await pair.bob.calls.start("alice", video=False)
            await wait_for(lambda: alice_calls.incoming_window is not None, timeout=30)
            incoming = alice_calls.incoming_window
            assert incoming is not None and incoming.ringing
            assert incoming.what_label.text() == "Incoming voice call"
            declined: list[bool] = []
            incoming.declineRequested.connect(lambda: declined.append(True))
            await wait_for(lambda: bool(notifier.shown))
            assert notifier.shown[0][:2] == ("bob", "Incoming voice call")

            await pair.bob.calls.hang_up(call_id)
            await wait_for(lambda: alice_calls.incoming_window is None, timeout=30)
            assert not declined and pair.alice.calls.current() is None
            assert not made  # she never answered: no media was opened on her side

            def notes() -> list[str]:
                model = pair.model
                return [
                    call_note_text(model.message_at(row))
                    for row in range(model.rowCount())
                    if model.message_at(row).kind == CALL_NOTE_KIND
                ]

            await wait_for(lambda: bool(notes()), timeout=30)
            assert notes() == ["Missed voice call"]
        finally:
            alice_calls.stop()


def test_the_call_windows_name_every_control_for_screen_readers(qtbot: QtBot) -> None:
    """The ringing and in-call windows, walked like every other window (the catalogue's
    completeness is test_translations' and the accessibility walk's)."""
    from ui_walk import problems

    incoming = IncomingCallWindow("c" * 32, "bob", True)
    in_call = InCallWindow(info(state="connected", connected_at_ms=1), "bob")
    for window in (incoming, in_call):
        qtbot.addWidget(window)
        window.show()
        found = [p for p in problems(window, "en") if "untranslated" not in p]
        assert not found, found
    incoming.dismiss()


async def test_accepting_without_a_microphone_says_so_and_the_call_rings_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Alice's computer has no devices (this machine): accepting Bob's call says so, and her
    ringing window comes back (the call rings on) until Bob gives up."""
    async with open_pair(tmp_path, qtbot) as pair:
        alice_calls = CallController(pair.alice, pair.window)
        pair.alice.calls.media_factory = alice_calls.device_media  # the real devices: none
        pair.bob.calls.media_factory = lambda video: ShownSyntheticMedia(440.0, video)
        try:
            call_id = await pair.bob.calls.start("alice", video=True)
            await wait_for(lambda: alice_calls.incoming_window is not None, timeout=30)
            first = alice_calls.incoming_window
            assert first is not None
            qtbot.mouseClick(first.accept_voice_button, Qt.MouseButton.LeftButton)
            await wait_for(lambda: _notice_text() is not None, timeout=30)
            assert _notice_text() == (
                "No microphone found. Connect one, or choose another in Settings, Calls."
            )
            await wait_for(lambda: alice_calls.incoming_window is not None, timeout=30)
            again = alice_calls.incoming_window
            assert again is not None and again is not first and again.ringing
            assert alice_calls.call_window is None
            info_now = pair.alice.calls.current()
            assert info_now is not None and info_now.state == "ringing"
            assert alice_calls.last_notice is not None
            alice_calls.last_notice.close()

            await pair.bob.calls.hang_up(call_id)
            await wait_for(lambda: alice_calls.incoming_window is None, timeout=30)
        finally:
            alice_calls.stop()


# ---- what the calls tests leave behind -------------------------------------------------------


def test_a_closed_test_loop_leaves_no_qt_timer_for_another_thread_to_free() -> None:
    """The segfault in the tests that ran after the calls tests: each test's closed qasync loop
    kept its pending Qt timers (a hundred cancelled timeouts of a call over the relay), and when
    Python's collector freed the loop on an executor thread, Qt could not unregister them there
    and the next one fired into freed memory. Closed, the loop frees them on the GUI thread."""
    messages: list[str] = []
    previous = qInstallMessageHandler(lambda _kind, _context, text: messages.append(text))
    gc.disable()  # the loop must be freed by the worker below, not by a collection here
    try:
        loop = new_gui_loop()
        loop.call_later(3600, lambda: None).cancel()  # pending at the close, like a timeout
        loop.close()
        with pytest.raises(RuntimeError):
            loop.call_soon(lambda: None)  # nothing is scheduled on a closed loop
        gone = weakref.ref(loop)
        held = [loop]
        del loop

        def free_elsewhere() -> None:
            held.clear()
            gc.collect()

        worker = threading.Thread(target=free_elsewhere)
        worker.start()
        worker.join(30)
        assert gone() is None  # freed on the worker's thread
    finally:
        gc.enable()
        qInstallMessageHandler(previous)
    assert not [text for text in messages if "Timers cannot be stopped" in text], messages
