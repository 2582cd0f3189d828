"""The microphone and the speakers, through sounddevice (PortAudio), for voice notes.

sounddevice is imported when a voice note is first recorded or played, never at start-up:
a machine without PortAudio (Debian's ``libportaudio2``), or without any sound device,
still runs the app, and recording then says "No microphone found" (:class:`NoMicrophone`),
playing "No speakers found" (:class:`NoSpeakers`).

Both streams run PortAudio's callbacks on its own thread; what they hand over is plain
16-bit mono PCM, through the callables given to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

from chat_desktop.services.voice_codec import SAMPLE_RATE

#: Frames per PortAudio callback: 20 ms at 48 kHz.
BLOCK_FRAMES: Final = 960


class NoMicrophone(Exception):
    """No microphone can record here (no PortAudio, or no input device)."""


class NoSpeakers(Exception):
    """Nothing can play sound here (no PortAudio, or no output device)."""


class Microphone(Protocol):
    """Something that records 16-bit mono PCM at :data:`SAMPLE_RATE`."""

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        """Starts recording; ``on_pcm`` gets each chunk (on the recording thread)."""
        ...

    def stop(self) -> None:
        """Stops recording (no more chunks after it returns)."""
        ...


class Speakers(Protocol):
    """Something that plays 16-bit mono PCM."""

    def start(self, sample_rate: int, pull: Callable[[int], bytes]) -> None:
        """Starts playing; ``pull(frames)`` gives the next samples (fewer, or none, at the
        end), called on the playing thread."""
        ...

    def stop(self) -> None:
        """Stops playing."""
        ...


def _sounddevice(error: type[Exception], message: str) -> Any:
    """The ``sounddevice`` module, or ``error(message)`` when PortAudio is missing."""
    try:
        import sounddevice  # loads PortAudio: only when sound is used
    except (ImportError, OSError) as failure:
        raise error(message) from failure
    return sounddevice


class SoundDeviceMicrophone:
    """The default input device, through sounddevice."""

    def __init__(self) -> None:
        """Nothing is opened until :meth:`start`."""
        self._stream: Any = None

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        """Opens the default input and starts recording.

        Raises:
            NoMicrophone: No PortAudio, no input device, or it could not be opened.
        """
        sounddevice = _sounddevice(NoMicrophone, "No microphone found")

        def callback(data: Any, _frames: int, _time: Any, _status: Any) -> None:
            on_pcm(bytes(data))

        try:
            sounddevice.query_devices(kind="input")
            self._stream = sounddevice.RawInputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=BLOCK_FRAMES,
                callback=callback,
            )
            self._stream.start()
        except Exception as error:  # PortAudioError, ValueError: no device, or it refused
            self._stream = None
            raise NoMicrophone("No microphone found") from error

    def stop(self) -> None:
        """Stops and closes the input."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()


class SoundDeviceSpeakers:
    """The default output device, through sounddevice."""

    def __init__(self) -> None:
        """Nothing is opened until :meth:`start`."""
        self._stream: Any = None

    def start(self, sample_rate: int, pull: Callable[[int], bytes]) -> None:
        """Opens the default output and starts playing what ``pull`` gives.

        Raises:
            NoSpeakers: No PortAudio, no output device, or it could not be opened.
        """
        sounddevice = _sounddevice(NoSpeakers, "No speakers found")

        def callback(out: Any, frames: int, _time: Any, _status: Any) -> None:
            data = pull(frames)
            out[: len(data)] = data
            out[len(data) :] = bytes(len(out) - len(data))

        try:
            sounddevice.query_devices(kind="output")
            self._stream = sounddevice.RawOutputStream(
                samplerate=sample_rate,
                channels=1,
                dtype="int16",
                blocksize=BLOCK_FRAMES,
                callback=callback,
            )
            self._stream.start()
        except Exception as error:  # PortAudioError, ValueError: no device, or it refused
            self._stream = None
            raise NoSpeakers("No speakers found") from error

    def stop(self) -> None:
        """Stops and closes the output."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
