"""Voice notes in the window (issue 23, item 6): record, send, receive, play, seek.

Two real clients on a real relay, Alice in the real window. No microphone or speakers exist
here: the composer's recorder is handed a microphone that "hears" a 440 Hz sine (fed from
another thread, as PortAudio's would be), and the player silent speakers whose blocks the
test pulls; everything between (encoding, the relay, the check and decoding on the other
side, the bubble, its hit-testing and the player's position) is the app's own. With the
real devices and no PortAudio (a machine with only Python and git) the window says "No
microphone found" / "No speakers found", and nothing else happens.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conversation_helpers import Pair, eventually, open_pair
from gui_helpers import wait_for
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from chat_desktop.gui.conversation.message_layout import transfer_state
from chat_desktop.gui.conversation.voice_note_painting import is_voice_note, voice_time_text
from chat_desktop.gui.conversation.voice_recorder import HOLD_MS, VoiceRecorder
from chat_desktop.services.voice_codec import decode_voice
from chat_desktop.services.voice_devices import SoundDeviceMicrophone
from chat_desktop.services.voice_playback import PLAYBACK_RATE, NullSpeakers
from chat_desktop.storage.models import Message

pytestmark = pytest.mark.gui

RATE = 48_000


def sine(frequency: float, seconds: float) -> bytes:
    count = int(seconds * RATE)
    return struct.pack(
        f"<{count}h",
        *(int(16_000 * math.sin(2 * math.pi * frequency * i / RATE)) for i in range(count)),
    )


def pitch(pcm: bytes, rate: int) -> float:
    """A pure tone's frequency, from the zero crossings of the middle of the sound."""
    samples = memoryview(pcm).cast("h")
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]
    crossings = sum(1 for a, b in itertools.pairwise(middle) if (a < 0) != (b < 0))
    return crossings / 2 / (len(middle) / rate)


class SineMicrophone:
    """A microphone that hears a sine: its thread hands the samples over in 20 ms blocks."""

    def __init__(self, seconds: float) -> None:
        self.pcm = sine(440, seconds)
        self.done = threading.Event()
        self.stopped = False

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        def run() -> None:
            block = RATE // 50 * 2
            for start in range(0, len(self.pcm), block):
                on_pcm(self.pcm[start : start + block])
            self.done.set()

        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> None:
        self.stopped = True


def voice_rows(pair: Pair) -> list[Message]:
    return [
        pair.model.message_at(row)
        for row in range(pair.model.rowCount())
        if is_voice_note(pair.model.message_at(row))
    ]


def row_point(pair: Pair, message_id: str, part: Callable[..., QPoint]) -> QPoint:
    """A point of ``message_id``'s row in the viewport, from the delegate's own layout."""
    row = pair.model.row_of(message_id)
    assert row is not None
    index = pair.model.index(row)
    pair.view.scrollTo(index)
    layout = pair.view.delegate.layout_for(
        index, pair.view.delegate.available_width(), pair.view.font()
    )
    assert layout is not None and layout.file is not None
    return pair.view.visualRect(index).topLeft() + part(layout)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_recorded_note_goes_out_and_comes_back_playable(
    qtbot: QtBot, tmp_path: Path
) -> None:
    async with open_pair(tmp_path, qtbot) as pair:
        recorder = pair.pane.composer.voice_recorder
        microphone = SineMicrophone(2.0)
        recorder.microphone = lambda: microphone
        assert recorder.button.isVisible() and recorder.button.accessibleName()

        # Click the microphone, talk, then Send in the bar.
        qtbot.mouseClick(recorder.button, Qt.MouseButton.LeftButton)
        assert recorder.recording and recorder.bar.isVisible()
        await wait_for(microphone.done.is_set)
        assert recorder.recorded_ms() == 2000
        recorder._on_tick()  # the bar's time is the recording's
        assert recorder.bar.time_label.text() == "Recording a voice note 0:02"
        qtbot.mouseClick(recorder.bar.send_button, Qt.MouseButton.LeftButton)
        assert microphone.stopped and not recorder.recording and not recorder.bar.isVisible()

        await wait_for(lambda: len(voice_rows(pair)) == 1)
        sent = voice_rows(pair)[0]
        assert sent.attachment is not None and sent.attachment.voice_ms == 2000
        assert voice_time_text(sent, None) == "0:02"

        # Bob gets it through the relay, checked and decodable: 2 s of 440 Hz.
        async def bob_has_it() -> bool:
            message = await pair.bob.messages.get("alice", sent.id)
            return (
                message is not None
                and message.attachment is not None
                and (message.attachment.local_status == "done")
            )

        await eventually(bob_has_it)
        decoded = decode_voice(await pair.bob.attachments.read("alice", sent.id))
        assert abs(decoded.duration_ms - 2000) <= 60
        assert abs(pitch(decoded.pcm, decoded.sample_rate) - 440) < 10

        # Bob answers with a note of his own; Alice's window shows it, downloaded and checked.
        answer = await pair.bob.attachments.send_voice_note("alice", sine(440, 3.0))
        await wait_for(lambda: pair.shown(answer) is not None)
        await wait_for(
            lambda: (
                (shown := pair.shown(answer)) is not None and transfer_state(shown, None) == "ready"
            )
        )

        # Click its play button: it loads, decodes and plays through (silent) speakers.
        speakers = NullSpeakers()
        pair.pane.voice_notes.speakers = lambda: speakers
        play = row_point(pair, answer, lambda layout: layout.file.badge.center())
        qtbot.mouseClick(pair.view.viewport(), Qt.MouseButton.LeftButton, pos=play)
        await wait_for(lambda: speakers.started == 1)
        playback = pair.pane.voice_notes.playback
        assert playback is not None and playback.message_id == answer and playback.playing
        assert abs(playback.duration_ms - 3000) <= 60
        assert len(speakers.advance(PLAYBACK_RATE)) == PLAYBACK_RATE * 2  # one second played
        assert playback.position_ms == 1000
        position = pair.pane.voice_notes.position(answer)
        assert position is not None and position.playing
        shown = pair.shown(answer)
        assert shown is not None and voice_time_text(shown, position) == "0:01 / 0:03"
        played = pitch(speakers.advance(PLAYBACK_RATE), PLAYBACK_RATE)  # what the speakers got
        assert abs(played - 440) < 10

        # Click three quarters along the waveform: playback moves there.
        seek = row_point(
            pair,
            answer,
            lambda layout: QPoint(
                layout.file.name.left() + (layout.file.name.width() - 1) * 3 // 4,
                layout.file.name.center().y(),
            ),
        )
        qtbot.mouseClick(pair.view.viewport(), Qt.MouseButton.LeftButton, pos=seek)
        assert abs(playback.fraction - 0.75) < 0.02
        # The play button again pauses; nothing more reaches the speakers.
        qtbot.mouseClick(pair.view.viewport(), Qt.MouseButton.LeftButton, pos=play)
        assert not playback.playing
        assert speakers.advance(PLAYBACK_RATE) == b""
        pair.view.viewport().grab().save(str(tmp_path / "voice-bubble.png"))

        # Opening another conversation stops the player.
        pair.pane.voice_notes.stop()
        assert pair.pane.voice_notes.playback is None


@pytest.mark.asyncio(loop_scope="session")
async def test_without_a_microphone_or_speakers_the_window_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a machine with only Python and git: sounddevice cannot load PortAudio.
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    async with open_pair(tmp_path, qtbot) as pair:
        recorder = pair.pane.composer.voice_recorder
        assert recorder.microphone is SoundDeviceMicrophone  # the real one
        qtbot.mouseClick(recorder.button, Qt.MouseButton.LeftButton)
        notice = pair.pane.voice_notes.notice
        assert notice is not None and notice.text() == "No microphone found"
        assert not recorder.recording and not recorder.bar.isVisible()
        notice.close()

        answer = await pair.bob.attachments.send_voice_note("alice", sine(440, 1.0))
        await wait_for(
            lambda: (
                (shown := pair.shown(answer)) is not None and transfer_state(shown, None) == "ready"
            )
        )
        pair.pane.voice_notes.toggle(answer)  # the real speakers: PortAudio is missing
        await wait_for(lambda: pair.pane.voice_notes.notice is not notice)
        told = pair.pane.voice_notes.notice
        assert told is not None and told.text() == "No speakers found"
        playback = pair.pane.voice_notes.playback
        assert playback is not None and not playback.playing
        assert [m.id for m in voice_rows(pair)] == [answer]  # nothing was sent


@pytest.mark.asyncio(loop_scope="session")
async def test_holding_the_button_records_while_held_and_cancel_throws_it_away(
    qtbot: QtBot,
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    recorder = VoiceRecorder(parent)
    microphone = SineMicrophone(1.0)
    recorder.microphone = lambda: microphone
    sent: list[tuple[bytes, int]] = []
    recorder.recorded.connect(lambda pcm, rate: sent.append((pcm, rate)))
    parent.show()

    # Hold to talk: recording while the button is down, sent when it is let go.
    qtbot.mousePress(recorder.button, Qt.MouseButton.LeftButton)
    assert recorder.recording
    await wait_for(lambda: microphone.done.is_set() and recorder._held.elapsed() >= HOLD_MS)
    qtbot.mouseRelease(recorder.button, Qt.MouseButton.LeftButton)
    assert not recorder.recording and microphone.stopped
    assert sent == [(microphone.pcm, 48_000)]

    # A click starts; Cancel throws the recording away and sends nothing.
    again = SineMicrophone(0.5)
    recorder.microphone = lambda: again
    qtbot.mouseClick(recorder.button, Qt.MouseButton.LeftButton)
    assert recorder.recording and recorder.bar.isVisible()
    await wait_for(again.done.is_set)
    qtbot.mouseClick(recorder.bar.cancel_button, Qt.MouseButton.LeftButton)
    assert not recorder.recording and again.stopped and not recorder.bar.isVisible()
    assert len(sent) == 1
