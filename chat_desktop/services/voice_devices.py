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


#: What each kind of device is called when it is missing or busy (the errors' messages).
_MISSING: Final = {"input": "No microphone found", "output": "No speakers found"}
_BUSY: Final = {
    "input": "The microphone is being used by another program",
    "output": "The speakers are being used by another program",
}


def _open_stream(
    kind: str,
    device: str | None,
    sample_rate: int,
    callback: Callable[..., None],
    missing: type[Exception],
    busy: type[Exception],
) -> Any:
    """Opens and starts a 16-bit mono raw stream of ``kind`` (``input`` or ``output``) on
    ``device`` (None: the default), PortAudio calling ``callback`` on its own thread.

    Raises:
        missing: No PortAudio, or no such device.
        busy: The device exists but refused to open (another program holds it).
    """
    sounddevice = _sounddevice(missing, _MISSING[kind])
    try:
        sounddevice.query_devices(device, kind=kind)
    except Exception as error:  # PortAudioError, ValueError: no such device
        raise missing(_MISSING[kind]) from error
    stream_type = sounddevice.RawInputStream if kind == "input" else sounddevice.RawOutputStream
    try:
        stream = stream_type(
            samplerate=sample_rate,
            channels=1,
            dtype="int16",
            blocksize=BLOCK_FRAMES,
            device=device,
            callback=callback,
        )
        stream.start()
    except Exception as error:  # PortAudioError: it refused (held by another program)
        raise busy(_BUSY[kind]) from error
    return stream


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


class _SoundDeviceStream:
    """One PortAudio stream on a named device (None: the default), opened by ``start``."""

    def __init__(self, device: str | None = None) -> None:
        """Nothing is opened until ``start``; ``device`` names the device (None: default)."""
        self._device = device
        self._stream: Any = None

    def stop(self) -> None:
        """Stops and closes the stream (nothing when it is not open)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()


class SoundDeviceMicrophone(_SoundDeviceStream):
    """An input device (the default one unless named), through sounddevice."""

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        """Opens the input and starts recording.

        Raises:
            NoMicrophone: No PortAudio, or no such input device.
            MicrophoneBusy: It exists but could not be opened.
        """

        def callback(data: Any, _frames: int, _time: Any, _status: Any) -> None:
            on_pcm(bytes(data))

        self._stream = _open_stream(
            "input", self._device, SAMPLE_RATE, callback, NoMicrophone, MicrophoneBusy
        )


class SoundDeviceSpeakers(_SoundDeviceStream):
    """An output device (the default one unless named), through sounddevice."""

    def start(self, sample_rate: int, pull: Callable[[int], bytes]) -> None:
        """Opens the output and starts playing what ``pull`` gives.

        Raises:
            NoSpeakers: No PortAudio, or no such output device.
            SpeakersBusy: It exists but could not be opened.
        """

        def callback(out: Any, frames: int, _time: Any, _status: Any) -> None:
            data = pull(frames)
            out[: len(data)] = data
            out[len(data) :] = bytes(len(out) - len(data))

        self._stream = _open_stream(
            "output", self._device, sample_rate, callback, NoSpeakers, SpeakersBusy
        )
