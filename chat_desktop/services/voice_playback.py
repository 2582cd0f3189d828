"""Playing one voice note: its decoded sound, where playback is, play, pause and seek.

The sound is decoded once (:func:`~chat_desktop.services.voice_codec.decode_voice`, at
:data:`PLAYBACK_RATE`: 15 minutes fit in about 43 MB) and handed to the speakers a block at
a time through :meth:`VoicePlayback.pull`, on the speakers' own thread; the position is
the count of samples handed over, so what the bubble shows is what was played. A lock
keeps the GUI's seek and the speakers' pull from crossing.
"""

from __future__ import annotations

import threading
from typing import Final

from chat_desktop.services.voice_devices import Speakers

#: The rate voice notes are decoded to for playing (speech loses nothing at 24 kHz).
PLAYBACK_RATE: Final = 24_000
#: Bytes per 16-bit mono sample.
_SAMPLE_BYTES: Final = 2


class VoicePlayback:
    """One voice note's sound and its playing state.

    Attributes:
        message_id: The message whose note this is.
    """

    def __init__(
        self, message_id: str, pcm: bytes, speakers: Speakers, sample_rate: int = PLAYBACK_RATE
    ) -> None:
        """``pcm``: 16-bit mono samples at ``sample_rate``, played through ``speakers``."""
        self.message_id = message_id
        self._pcm = pcm
        self._rate = sample_rate
        self._speakers = speakers
        self._frames = len(pcm) // _SAMPLE_BYTES
        self._position = 0
        self._playing = False
        self._lock = threading.Lock()

    @property
    def duration_ms(self) -> int:
        """The sound's length in milliseconds."""
        return self._frames * 1000 // self._rate

    @property
    def position_ms(self) -> int:
        """How much has been played, in milliseconds."""
        with self._lock:
            return self._position * 1000 // self._rate

    @property
    def playing(self) -> bool:
        """Whether it is playing (False once paused or at the end)."""
        with self._lock:
            return self._playing and self._position < self._frames

    @property
    def fraction(self) -> float:
        """How much has been played, 0.0 … 1.0."""
        with self._lock:
            return self._position / self._frames if self._frames else 0.0

    def play(self) -> None:
        """Starts or resumes playing (from the start again once it reached the end).

        Raises:
            NoSpeakers: Nothing can play sound here.
        """
        with self._lock:
            if self._playing:
                return
            if self._position >= self._frames:
                self._position = 0
            self._playing = True
        try:
            self._speakers.start(self._rate, self.pull)
        except BaseException:
            with self._lock:
                self._playing = False
            raise

    def pause(self) -> None:
        """Stops playing; :meth:`play` resumes from here."""
        with self._lock:
            was_playing, self._playing = self._playing, False
        if was_playing:
            self._speakers.stop()

    def toggle(self) -> None:
        """Pauses when playing, plays when not."""
        if self.playing:
            self.pause()
        else:
            self.pause()  # at the end: release the speakers before starting again
            self.play()

    def seek(self, fraction: float) -> None:
        """Moves to ``fraction`` (clamped to 0.0 … 1.0) of the sound, playing or not."""
        share = min(1.0, max(0.0, fraction))
        with self._lock:
            self._position = min(self._frames, round(self._frames * share))

    def pull(self, frames: int) -> bytes:
        """The next ``frames`` samples for the speakers (fewer at the end, none if paused)."""
        with self._lock:
            if not self._playing:
                return b""
            start = self._position
            end = min(self._frames, start + max(0, frames))
            self._position = end
            return self._pcm[start * _SAMPLE_BYTES : end * _SAMPLE_BYTES]

    def close(self) -> None:
        """Stops playing for good."""
        self.pause()


class NullSpeakers:
    """Speakers that play nowhere: the sound goes only as far as someone pulls it.

    For a machine or a test without sound: :meth:`advance` stands in for the speakers'
    thread asking for the next block.
    """

    def __init__(self) -> None:
        """Not playing until started."""
        self._pull: object = None
        self.started = 0

    def start(self, sample_rate: int, pull: object) -> None:
        """Remembers whom to pull from."""
        self._pull = pull
        self.started += 1

    def stop(self) -> None:
        """Forgets it."""
        self._pull = None

    def advance(self, frames: int) -> bytes:
        """Pulls ``frames`` samples, as the speakers would; empty when not started."""
        pull = self._pull
        return pull(frames) if callable(pull) else b""
