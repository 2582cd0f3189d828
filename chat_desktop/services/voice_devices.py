"""The microphone and the speakers, through sounddevice (PortAudio), for voice notes.

sounddevice is imported when a voice note is first recorded or played, never at start-up:
a machine without PortAudio (Debian's ``libportaudio2``), or without any sound device,
still runs the app, and recording then says "No microphone found" (:class:`NoMicrophone`),
playing "No speakers found" (:class:`NoSpeakers`).

Both streams run PortAudio's callbacks on its own thread; what they hand over is plain
16-bit mono PCM, through the callables given to them.

Calls use the same streams (``services/call_devices.py``) with the device the user chose in
Settings (``device``: a name from :func:`input_device_names` / :func:`output_device_names`;
None for the system's default), and tell a device that exists but cannot be opened
(:class:`MicrophoneBusy`, :class:`SpeakersBusy`) from one that is not there.
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


class MicrophoneBusy(NoMicrophone):
    """The microphone exists but could not be opened (another program holds it)."""


class SpeakersBusy(NoSpeakers):
    """The output device exists but could not be opened (another program holds it)."""


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


def _device_names(kind: str) -> list[str]:
    """The names of the devices that can record (``input``) or play (``output``); none
    without PortAudio."""
    try:
        import sounddevice
    except (ImportError, OSError):
        return []
    try:
        devices = sounddevice.query_devices()
    except Exception:  # PortAudioError: no host API at all
        return []
    names: list[str] = []
    for device in devices:
        if device.get(f"max_{kind}_channels", 0) > 0 and device["name"] not in names:
            names.append(str(device["name"]))
    return names


def input_device_names() -> list[str]:
    """The microphones PortAudio lists, by name (what Settings offers)."""
    return _device_names("input")


def output_device_names() -> list[str]:
    """The speakers and headphones PortAudio lists, by name (what Settings offers)."""
    return _device_names("output")


class SoundDeviceMicrophone:
    """An input device (the default one unless named), through sounddevice."""

    def __init__(self, device: str | None = None) -> None:
        """Nothing is opened until :meth:`start`; ``device`` names the input (None: default)."""
        self._device = device
        self._stream: Any = None

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        """Opens the input and starts recording.

        Raises:
            NoMicrophone: No PortAudio, or no such input device.
            MicrophoneBusy: It exists but could not be opened.
        """
        sounddevice = _sounddevice(NoMicrophone, "No microphone found")

        def callback(data: Any, _frames: int, _time: Any, _status: Any) -> None:
            on_pcm(bytes(data))

        try:
            sounddevice.query_devices(self._device, kind="input")
        except Exception as error:  # PortAudioError, ValueError: no such device
            raise NoMicrophone("No microphone found") from error
        try:
            self._stream = sounddevice.RawInputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                blocksize=BLOCK_FRAMES,
                device=self._device,
                callback=callback,
            )
            self._stream.start()
        except Exception as error:  # PortAudioError: it refused (held by another program)
            self._stream = None
            raise MicrophoneBusy("The microphone is being used by another program") from error

    def stop(self) -> None:
        """Stops and closes the input."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()


class SoundDeviceSpeakers:
    """An output device (the default one unless named), through sounddevice."""

    def __init__(self, device: str | None = None) -> None:
        """Nothing is opened until :meth:`start`; ``device`` names the output (None: default)."""
        self._device = device
        self._stream: Any = None

    def start(self, sample_rate: int, pull: Callable[[int], bytes]) -> None:
        """Opens the output and starts playing what ``pull`` gives.

        Raises:
            NoSpeakers: No PortAudio, or no such output device.
            SpeakersBusy: It exists but could not be opened.
        """
        sounddevice = _sounddevice(NoSpeakers, "No speakers found")

        def callback(out: Any, frames: int, _time: Any, _status: Any) -> None:
            data = pull(frames)
            out[: len(data)] = data
            out[len(data) :] = bytes(len(out) - len(data))

        try:
            sounddevice.query_devices(self._device, kind="output")
        except Exception as error:  # PortAudioError, ValueError: no such device
            raise NoSpeakers("No speakers found") from error
        try:
            self._stream = sounddevice.RawOutputStream(
                samplerate=sample_rate,
                channels=1,
                dtype="int16",
                blocksize=BLOCK_FRAMES,
                device=self._device,
                callback=callback,
            )
            self._stream.start()
        except Exception as error:  # PortAudioError: it refused (held by another program)
            self._stream = None
            raise SpeakersBusy("The speakers are being used by another program") from error

    def stop(self) -> None:
        """Stops and closes the output."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
