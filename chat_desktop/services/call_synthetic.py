"""Synthetic call media for tests and benchmarks: tones, counter frames, recording sinks.

A :class:`SyntheticMedia` is a :class:`~chat_desktop.services.call_media.CallMedia` with no
device behind it: its microphone plays a pure tone (and a click on demand), its camera shows
small frames whose number is drawn as black and white blocks (readable back after VP8), and
what the peer sends is recorded and measured (the dominant frequency by Goertzel, in pure
Python: numpy is not a dependency). ``closed`` says the call freed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import math
import time
from array import array
from collections import deque
from typing import Final

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

#: Opus runs at 48 kHz; frames of 20 ms.
SAMPLE_RATE: Final = 48_000
FRAME_SAMPLES: Final = 960
#: Small frames to spare the CPU: 160 x 120, 15 frames a second.
VIDEO_WIDTH: Final = 160
VIDEO_HEIGHT: Final = 120
VIDEO_FPS: Final = 15
_VIDEO_CLOCK: Final = 90_000
#: The counter is drawn as 16 bits, a 4 x 4 grid of 40 x 30 blocks (white = 1).
_GRID: Final = 4
_BITS: Final = _GRID * _GRID
_CLICK_LEVEL: Final = 30_000
_TONE_LEVEL: Final = 8_000
#: A received sample above this is a click (the tone stays well below it).
CLICK_THRESHOLD: Final = 20_000


class _Paced:
    """Sleeps so that frames leave at their real-time pace (like aiortc's own tracks)."""

    def __init__(self, clock_rate: int) -> None:
        self._clock_rate = clock_rate
        self._start: float | None = None

    async def wait(self, timestamp: int) -> None:
        if self._start is None:
            self._start = time.time()
            return
        delay = self._start + timestamp / self._clock_rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)


class ToneTrack(MediaStreamTrack):
    """A microphone that plays a pure tone of ``frequency`` Hz (16-bit mono, 48 kHz).

    :meth:`click` replaces the next frame by a loud impulse (for latency measures).
    """

    kind = "audio"

    def __init__(self, frequency: float) -> None:
        super().__init__()
        self.frequency = frequency
        self._sample = 0
        self._pace = _Paced(SAMPLE_RATE)
        self._click_pending = False
        #: ``time.perf_counter()`` when the last click left, or None.
        self.clicked_at: float | None = None

    def click(self) -> None:
        """The next frame is a click instead of the tone."""
        self._click_pending = True

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        await self._pace.wait(self._sample)
        if self._click_pending:
            self._click_pending = False
            self.clicked_at = time.perf_counter()
            samples = array("h", [_CLICK_LEVEL] * FRAME_SAMPLES)
        else:
            step = 2 * math.pi * self.frequency / SAMPLE_RATE
            samples = array(
                "h",
                (
                    int(_TONE_LEVEL * math.sin(step * (self._sample + i)))
                    for i in range(FRAME_SAMPLES)
                ),
            )
        frame = AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(samples.tobytes())
        frame.pts = self._sample
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._sample += FRAME_SAMPLES
        return frame


def draw_counter(number: int) -> VideoFrame:
    """A small grey frame with ``number`` (16 bits) drawn as a grid of black/white blocks."""
    block_w, block_h = VIDEO_WIDTH // _GRID, VIDEO_HEIGHT // _GRID
    luma = bytearray(VIDEO_WIDTH * VIDEO_HEIGHT)
    for bit in range(_BITS):
        value = 235 if number >> bit & 1 else 16
        top, left = (bit // _GRID) * block_h, (bit % _GRID) * block_w
        row = bytes([value]) * block_w
        for y in range(top, top + block_h):
            start = y * VIDEO_WIDTH + left
            luma[start : start + block_w] = row
    frame = VideoFrame(width=VIDEO_WIDTH, height=VIDEO_HEIGHT, format="yuv420p")
    frame.planes[0].update(_with_stride(luma, VIDEO_WIDTH, frame.planes[0].line_size))
    chroma = bytes([128]) * (VIDEO_WIDTH // 2 * VIDEO_HEIGHT // 2)
    for plane in frame.planes[1:]:
        plane.update(_with_stride(chroma, VIDEO_WIDTH // 2, plane.line_size))
    return frame


def _with_stride(rows: bytes | bytearray, width: int, stride: int) -> bytes:
    if stride == width:
        return bytes(rows)
    pad = bytes(stride - width)
    return b"".join(bytes(rows[y : y + width]) + pad for y in range(0, len(rows), width))


def read_counter(frame: VideoFrame) -> int:
    """The number :func:`draw_counter` drew, read back from a (decoded) frame."""
    image = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
    plane = image.planes[0]
    data = bytes(plane)
    stride = plane.line_size
    block_w, block_h = image.width // _GRID, image.height // _GRID
    number = 0
    for bit in range(_BITS):
        y = (bit // _GRID) * block_h + block_h // 2
        x = (bit % _GRID) * block_w + block_w // 2
        if data[y * stride + x] > 128:
            number |= 1 << bit
    return number


class CounterTrack(MediaStreamTrack):
    """A camera whose frames show their own number (0, 1, 2 ...) as blocks."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._count = 0
        self._pace = _Paced(_VIDEO_CLOCK)

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        timestamp = self._count * (_VIDEO_CLOCK // VIDEO_FPS)
        await self._pace.wait(timestamp)
        frame = draw_counter(self._count & 0xFFFF)
        frame.pts = timestamp
        frame.time_base = fractions.Fraction(1, _VIDEO_CLOCK)
        self._count += 1
        return frame


def goertzel_power(samples: list[int], rate: int, frequency: float) -> float:
    """The power of ``frequency`` in ``samples`` (Goertzel's algorithm)."""
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    return previous * previous + before * before - coefficient * previous * before


def dominant_frequency(samples: list[int], rate: int = SAMPLE_RATE) -> float:
    """The strongest frequency between 100 Hz and 4 kHz: a coarse scan, then a fine one."""
    coarse = samples[:2400]
    best = max(range(100, 4001, 20), key=lambda f: goertzel_power(coarse, rate, f))
    fine = samples[:9600]
    return float(max(range(best - 20, best + 21), key=lambda f: goertzel_power(fine, rate, f)))


class AudioRecorder:
    """Consumes a received audio track; keeps its last second (mono) and when it began."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.samples: deque[int] = deque(maxlen=SAMPLE_RATE)
        self.frames = 0
        #: ``time.perf_counter()`` of the first frame, and of the first click heard.
        self.first_frame_at: float | None = None
        self.click_heard_at: float | None = None
        self.first_frame = asyncio.Event()
        self.click_heard = asyncio.Event()
        self._armed = False
        self._task = asyncio.get_running_loop().create_task(self._consume(track))

    def arm_click(self) -> None:
        """The next click heard (after this call) sets :attr:`click_heard_at`."""
        self.click_heard_at = None
        self.click_heard.clear()
        self._armed = True

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, AudioFrame)
                channels = len(frame.layout.channels)
                raw = array("h", bytes(frame.planes[0]))[: frame.samples * channels]
                mono = raw[::channels]
                if self.first_frame_at is None:
                    self.first_frame_at = time.perf_counter()
                    self.first_frame.set()
                self.frames += 1
                self.samples.extend(mono)
                if self._armed and max(abs(s) for s in mono) > CLICK_THRESHOLD:
                    self.click_heard_at = time.perf_counter()
                    self._armed = False
                    self.click_heard.set()

    def frequency(self) -> float:
        """The dominant frequency of the audio received last."""
        return dominant_frequency(list(self.samples)[-9600:])

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class VideoRecorder:
    """Consumes a received video track and reads each frame's number."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.counters: list[int] = []
        self._task = asyncio.get_running_loop().create_task(self._consume(track))

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, VideoFrame)
                self.counters.append(read_counter(frame))

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class SyntheticMedia:
    """A :class:`~chat_desktop.services.call_media.CallMedia` of a tone and counter frames.

    Attributes:
        tone: Our microphone (None until the call asked for it).
        audio, video: What we received (None until the peer's track arrived).
        closed: The call freed the media.
    """

    def __init__(self, frequency: float, video: bool) -> None:
        self.frequency = frequency
        self.wants_video = video
        self.tone: ToneTrack | None = None
        self.camera: CounterTrack | None = None
        self.audio: AudioRecorder | None = None
        self.video: VideoRecorder | None = None
        self.closed = False
        self.audio_arrived = asyncio.Event()

    def audio_source(self) -> MediaStreamTrack:
        self.tone = ToneTrack(self.frequency)
        return self.tone

    def video_source(self) -> MediaStreamTrack:
        self.camera = CounterTrack()
        return self.camera

    def play_audio(self, track: MediaStreamTrack) -> None:
        self.audio = AudioRecorder(track)
        self.audio_arrived.set()

    def show_video(self, track: MediaStreamTrack) -> None:
        self.video = VideoRecorder(track)

    async def close(self) -> None:
        for source in (self.tone, self.camera):
            if source is not None:
                source.stop()
        for sink in (self.audio, self.video):
            if sink is not None:
                await sink.close()
        self.closed = True
