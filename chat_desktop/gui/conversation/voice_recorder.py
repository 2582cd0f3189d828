"""The composer's microphone button and recording bar: record a voice note, then send it.

Two ways to record: **hold** the button and talk, and letting go sends; or **click** it,
talk, and finish with the bar's Send (or the button again), or Cancel. While recording, the
bar shows a red dot and the time; recording stops by itself at 15 minutes, and sends.

The microphone runs on PortAudio's thread and only appends the samples it hands over; the
GUI thread never waits for it. The recording goes out through :attr:`VoiceRecorder.recorded`
as plain PCM: encoding happens in the engine, in a worker thread
(``client.attachments.send_voice_note``). Without a microphone the button says so ("No
microphone found") through :attr:`VoiceRecorder.failed`, and nothing else happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from chat_desktop.gui.common.icons import icon
from chat_desktop.gui.conversation.voice_note_painting import duration_text
from chat_desktop.protocol.message_content import MAX_VOICE_DURATION_MS
from chat_desktop.services.voice_codec import SAMPLE_RATE
from chat_desktop.services.voice_devices import Microphone, NoMicrophone, SoundDeviceMicrophone

#: A press held at least this long is "hold to talk": letting go sends.
HOLD_MS: Final = 400
#: How often the bar's time is brought up to date.
TICK_MS: Final = 200
#: Bytes per 16-bit mono sample.
_SAMPLE_BYTES: Final = 2


class VoiceRecordingBar(QWidget):
    """What shows while recording: a red dot, the time, Cancel and Send."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the bar (hidden)."""
        super().__init__(parent)
        self.setObjectName("voiceRecordingBar")
        self.dot = QLabel(self)
        self.dot.setFixedSize(10, 10)
        self.dot.setStyleSheet("background: #e0245e; border-radius: 5px;")
        self.time_label = QLabel(self)
        self.time_label.setObjectName("voiceRecordingTime")
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("voiceCancelButton")
        self.cancel_button.setAccessibleDescription(self.tr("Throws the recording away"))
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("voiceSendButton")
        self.send_button.setDefault(True)
        self.send_button.setAccessibleDescription(self.tr("Sends the voice note"))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.dot)
        row.addWidget(self.time_label, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.send_button)
        self.show_time(0)
        self.hide()

    def show_time(self, milliseconds: int) -> None:
        """Shows how long the recording is."""
        self.time_label.setText(
            self.tr("Recording a voice note %1").replace("%1", duration_text(milliseconds))
        )


class VoiceRecorder(QObject):
    """Records voice notes from the microphone for the composer.

    Signals:
        recorded(bytes, int): A finished recording: 16-bit mono PCM and its sample rate.
        failed(str): Recording could not start (the text says why, for the user).
    """

    recorded = Signal(bytes, int)
    failed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        microphone: Callable[[], Microphone] = SoundDeviceMicrophone,
    ) -> None:
        """Builds the button and the bar as children of ``parent`` (the composer lays them
        out); ``microphone`` makes the microphone each recording uses."""
        super().__init__(parent)
        #: Makes the microphone each recording uses (a test may hand in its own).
        self.microphone = microphone
        self.button = QToolButton(parent)
        self.button.setObjectName("voiceButton")
        self.button.setIcon(icon("mic"))
        self.button.setToolTip(self.tr("Record a voice note: click, or hold to talk"))
        self.button.setAccessibleName(self.tr("Record a voice note"))
        self.button.setAccessibleDescription(
            self.tr("Click to record and click Send, or hold while you talk")
        )
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.bar = VoiceRecordingBar(parent)
        self._microphone: Microphone | None = None
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._held = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.button.pressed.connect(self._on_pressed)
        self.button.released.connect(self._on_released)
        self.bar.cancel_button.clicked.connect(self.cancel)
        self.bar.send_button.clicked.connect(self.finish)
        self._pressed_to_start = False

    def apply_style(self, padding: int, hover: str, accent: str) -> None:
        """Draws the button as the composer's emoji button (round, flat), ``padding`` px."""
        sheet = (
            "QToolButton#voiceButton { border: 2px solid transparent; background: transparent;"
            f" border-radius: {padding * 2 + 2}px; padding: {padding}px; }}"
            f" QToolButton#voiceButton:hover {{ background: {hover}; }}"
            f" QToolButton#voiceButton:focus {{ border-color: {accent}; }}"
        )
        if self.button.styleSheet() != sheet:
            self.button.setStyleSheet(sheet)

    @property
    def recording(self) -> bool:
        """Whether a recording is under way."""
        return self._microphone is not None

    def recorded_ms(self) -> int:
        """How long the recording under way is, in milliseconds."""
        with self._lock:
            samples = sum(len(chunk) for chunk in self._chunks) // _SAMPLE_BYTES
        return samples * 1000 // SAMPLE_RATE

    def start(self) -> bool:
        """Starts recording; False (and :attr:`failed` said why) without a microphone."""
        if self.recording:
            return True
        microphone = self.microphone()
        with self._lock:
            self._chunks = []
        try:
            microphone.start(self._on_pcm)
        except NoMicrophone:
            self.failed.emit(self.tr("No microphone found"))
            return False
        self._microphone = microphone
        self.bar.show_time(0)
        self.bar.show()
        self._tick.start()
        return True

    def finish(self) -> None:
        """Stops recording and hands the recording over (nothing if it is empty)."""
        pcm = self._stop()
        if pcm:
            self.recorded.emit(pcm, SAMPLE_RATE)

    def cancel(self) -> None:
        """Stops recording and throws it away."""
        self._stop()

    def _stop(self) -> bytes:
        microphone, self._microphone = self._microphone, None
        self._tick.stop()
        self.bar.hide()
        if microphone is None:
            return b""
        microphone.stop()
        with self._lock:
            pcm, self._chunks = b"".join(self._chunks), []
        limit = MAX_VOICE_DURATION_MS * SAMPLE_RATE // 1000 * _SAMPLE_BYTES
        return pcm[:limit]

    def _on_pcm(self, chunk: bytes) -> None:
        """The microphone's thread: keeps the samples (nothing else happens here)."""
        with self._lock:
            self._chunks.append(chunk)

    def _on_pressed(self) -> None:
        if self.recording:
            self._pressed_to_start = False
            self.finish()  # a click while recording sends
            return
        self._pressed_to_start = self.start()
        self._held.start()

    def _on_released(self) -> None:
        if self._pressed_to_start and self.recording and self._held.elapsed() >= HOLD_MS:
            self.finish()  # held to talk: letting go sends
        self._pressed_to_start = False

    def _on_tick(self) -> None:
        elapsed = self.recorded_ms()
        self.bar.show_time(elapsed)
        if elapsed >= MAX_VOICE_DURATION_MS:
            self.finish()
