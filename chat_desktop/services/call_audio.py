"""A call's sound on real devices: the microphone as an aiortc track, the peer's voice to
the speakers.

Both go through the voice notes' PortAudio streams (:mod:`chat_desktop.services.voice_devices`),
which run their callbacks on PortAudio's own thread. What crosses between that thread and
the event loop is kept short, so that a slow side never builds up delay: at most
:data:`MAX_QUEUED_CHUNKS` chunks of our voice wait to be sent (the oldest is dropped), and at
most :data:`MAX_PLAYBACK_BYTES` of the peer's voice wait to be played.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import threading
from typing import Final

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from chat_desktop.services.voice_codec import SAMPLE_RATE
from chat_desktop.services.voice_devices import Microphone, Speakers

logger = logging.getLogger(__name__)

#: Chunks of 20 ms from the microphone waiting for the sender (200 ms): older ones drop.
MAX_QUEUED_CHUNKS: Final = 10
#: The peer's voice waiting for the speakers (300 ms of 16-bit mono): older sound drops.
MAX_PLAYBACK_BYTES: Final = SAMPLE_RATE * 2 * 3 // 10
_TIME_BASE: Final = fractions.Fraction(1, SAMPLE_RATE)


class MicrophoneTrack(MediaStreamTrack):
    """Our voice: 20 ms frames of 48 kHz mono s16 from a started :class:`Microphone`."""

    kind = "audio"

    def __init__(self, microphone: Microphone) -> None:
        """Starts ``microphone`` now (its errors reach the caller: a missing or busy one)."""
        super().__init__()
        self._microphone = microphone
        self._event_loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._samples = 0
        self._stopped = False
        microphone.start(self._from_device)

    def _from_device(self, pcm: bytes) -> None:
        """On PortAudio's thread: hands the chunk to the loop (never blocks)."""
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._event_loop.call_soon_threadsafe(self._push, pcm)

    def _push(self, pcm: bytes | None) -> None:
        if self._queue.qsize() >= MAX_QUEUED_CHUNKS:
            self._queue.get_nowait()  # the sender fell behind: the oldest sound goes
        self._queue.put_nowait(pcm)

    async def recv(self) -> av.AudioFrame:
        """The next 20 ms of our voice.

        Raises:
            MediaStreamError: The track was stopped.
        """
        if self._stopped:
            raise MediaStreamError
        pcm = await self._queue.get()
        if pcm is None or self._stopped:
            raise MediaStreamError
        samples = len(pcm) // 2
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(pcm[: samples * 2])
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._samples
        frame.time_base = _TIME_BASE
        self._samples += samples
        return frame

    def stop(self) -> None:
        """Stops the microphone and ends the track (idempotent)."""
        if not self._stopped:
            self._stopped = True
            try:
                self._microphone.stop()
            except Exception as error:  # a device that vanished must not stop the hang-up
                logger.warning("stopping the microphone failed: %s", type(error).__name__)
            self._push(None)
        super().stop()


class Playback:
    """The peer's voice on its way to started :class:`Speakers` (silence while none comes)."""

    def __init__(self, speakers: Speakers) -> None:
        """Starts ``speakers`` now (its errors reach the caller: missing or busy ones)."""
        self._speakers = speakers
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        self._stopped = False
        speakers.start(SAMPLE_RATE, self._pull)

    def _pull(self, frames: int) -> bytes:
        """On PortAudio's thread: the next ``frames`` samples that arrived (fewer: silence)."""
        wanted = frames * 2
        with self._lock:
            data = bytes(self._buffer[:wanted])
            del self._buffer[:wanted]
        return data

    def feed(self, frame: av.AudioFrame) -> None:
        """Queues one received frame, as 48 kHz mono s16, dropping the oldest sound if the
        speakers fell behind."""
        pcm = b"".join(
            bytes(out.planes[0])[: out.samples * 2] for out in self._resampler.resample(frame)
        )
        with self._lock:
            self._buffer += pcm
            excess = len(self._buffer) - MAX_PLAYBACK_BYTES
            if excess > 0:
                del self._buffer[: excess + excess % 2]

    async def play(self, track: MediaStreamTrack) -> None:
        """Plays ``track`` until it ends or :meth:`stop` (run as a task)."""
        while not self._stopped:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, av.AudioFrame):
                self.feed(frame)

    def stop(self) -> None:
        """Stops the speakers (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self._speakers.stop()
        except Exception as error:  # a device that vanished must not stop the hang-up
            logger.warning("stopping the speakers failed: %s", type(error).__name__)
