"""What a call reads from and plays to: the :class:`CallMedia` contract and its device error.

One :class:`CallMedia` serves one call. The client makes it with ``client.calls.media_factory``
(``MediaFactory``: its argument says whether video is wanted): real microphone, speakers and
camera in the app (``services/call_devices.py``), synthetic tones and counter frames in tests
and benchmarks (``services/call_synthetic.py``). Sources are aiortc ``MediaStreamTrack``s the
engine adds to the peer connection; the remote tracks are handed back to be played or shown.

Mute and camera-off are done by the engine (it wraps the source tracks to send silence or no
frames), so the media has no mute of its own. ``close`` must stop every track and free every
device: the engine calls it once when the call ends, however it ends.

An ICE restart (the network changed) makes a new peer connection within the same call: the
engine then stops the source tracks it had and asks ``audio_source`` / ``video_source``
again, and hands the new remote tracks to ``play_audio`` / ``show_video`` (they replace the
old ones, which have ended). So each source call must return a fresh, live track.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # aiortc loads with the first call, not at the app's start
    from aiortc.mediastreams import MediaStreamTrack

#: The devices a call may need.
CallDeviceKind = Literal["microphone", "speaker", "camera"]

#: Why a device cannot be used.
CallDeviceProblem = Literal["missing", "busy", "failed"]

_KIND_WORDS: dict[CallDeviceKind, str] = {
    "microphone": "microphone",
    "speaker": "speakers",
    "camera": "camera",
}


class CallDeviceError(Exception):
    """A device a call needs is missing or busy.

    Attributes:
        kind: ``"microphone"``, ``"speaker"`` or ``"camera"``.
        reason: ``"missing"`` (none on this machine), ``"busy"`` (used by another program) or
            ``"failed"`` (it stopped working).

    ``str()`` is an English sentence with no secrets, e.g. "No microphone found".
    """

    def __init__(self, kind: CallDeviceKind, reason: CallDeviceProblem) -> None:
        """Names the device and what is wrong with it."""
        self.kind: CallDeviceKind = kind
        self.reason: CallDeviceProblem = reason
        word = _KIND_WORDS[kind]
        if reason == "missing":
            text = f"No {word} found"
        elif reason == "busy":
            text = f"The {word} is being used by another program"
        else:
            text = f"The {word} stopped working"
        super().__init__(text)


class CallMedia(Protocol):
    """The sources and sinks of one call; made per call by a :data:`MediaFactory`."""

    def audio_source(self) -> MediaStreamTrack:
        """The track of our voice (raises :class:`CallDeviceError`)."""
        ...

    def video_source(self) -> MediaStreamTrack:
        """The track of our camera (raises :class:`CallDeviceError`)."""
        ...

    def play_audio(self, track: MediaStreamTrack) -> None:
        """Starts consuming (playing) the peer's audio track."""
        ...

    def show_video(self, track: MediaStreamTrack) -> None:
        """Starts consuming (showing) the peer's video track."""
        ...

    async def close(self) -> None:
        """Stops everything and frees the devices (called once, when the call ends)."""
        ...


#: Makes the media of one call; the argument says whether video is wanted.
MediaFactory = Callable[[bool], CallMedia]

#: ``(urls, username, credential)`` of one ICE server (STUN or TURN) a call may use.
IceServer = tuple[list[str], str | None, str | None]
