"""A call's camera through PyAV: which cameras there are, opening one, and its frames as an
aiortc video track.

PyAV opens the camera with FFmpeg's capture input of the platform: ``v4l2`` on Linux (the
device files ``/dev/video*``), ``avfoundation`` on macOS, ``dshow`` on Windows. A reader
thread decodes frames as the camera delivers them; the track hands the newest one to the
sender (an older one not sent yet is dropped: a call wants the present, not a backlog) and
each frame also goes to ``on_frame`` (the user's own preview), on the reader thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fractions
import glob
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from chat_desktop.services.call_media import CallDeviceError

logger = logging.getLogger(__name__)

#: Takes each frame the camera gives (the preview); called on the reader thread.
FrameCallback = Callable[[av.VideoFrame], None]
#: The size and rate asked of the camera (one that cannot is opened with its own).
CAPTURE_OPTIONS: Final = {"video_size": "640x480", "framerate": "30"}
_CLOCK_RATE: Final = 90_000
_TIME_BASE: Final = fractions.Fraction(1, _CLOCK_RATE)
#: How long closing waits for the reader thread (it notices within one frame).
_JOIN_TIMEOUT_S: Final = 2.0
#: The platform, as a plain string (so that every branch below is type-checked everywhere).
_PLATFORM: str = sys.platform


def capture_format() -> str:
    """FFmpeg's capture input on this platform."""
    if _PLATFORM == "darwin":
        return "avfoundation"
    if _PLATFORM == "win32":
        return "dshow"
    return "v4l2"


def camera_names() -> list[str]:
    """The cameras that can be chosen (Linux: the ``/dev/video*`` files; elsewhere none are
    listed and the system's default camera is used)."""
    if _PLATFORM.startswith("linux"):
        return sorted(glob.glob("/dev/video[0-9]*"))
    return []


def default_camera() -> str:
    """The camera used when the user chose none."""
    if _PLATFORM == "darwin":
        return "0"  # avfoundation's first video device
    if _PLATFORM == "win32":
        return "video=Integrated Camera"  # dshow needs a name; Settings lists none yet
    names = camera_names()
    return names[0] if names else "/dev/video0"


def open_camera(name: str = "") -> Any:
    """Opens the camera ``name`` (empty: :func:`default_camera`) as a PyAV input container.

    Raises:
        CallDeviceError: ``camera`` ``missing`` (no such device), ``busy`` (another program
            holds it) or ``failed`` (it refused in another way).
    """
    device = name or default_camera()
    if _PLATFORM.startswith("linux") and not glob.glob(device):
        raise CallDeviceError("camera", "missing")
    last: Exception | None = None
    for options in (CAPTURE_OPTIONS, {}):  # some cameras refuse 640x480 at 30
        try:
            return av.open(device, format=capture_format(), options=options)
        except FileNotFoundError as error:
            raise CallDeviceError("camera", "missing") from error
        except OSError as error:
            if error.errno in (errno.EBUSY, errno.EACCES):
                raise CallDeviceError("camera", "busy") from error
            last = error
        except Exception as error:  # av.error.* of another kind: try without options
            last = error
    raise CallDeviceError("camera", "failed") from last


class CameraTrack(MediaStreamTrack):
    """The frames of an opened camera, newest first, stamped on a 90 kHz clock."""

    kind = "video"

    def __init__(self, container: Any, on_frame: Callable[[], FrameCallback | None]) -> None:
        """Starts reading ``container`` (from :func:`open_camera`) on a thread of its own.

        ``on_frame`` gives the preview's callback at each frame (it may be set later).
        """
        super().__init__()
        self._container = container
        self._on_frame = on_frame
        self._event_loop = asyncio.get_running_loop()
        self._latest: asyncio.Queue[av.VideoFrame | None] = asyncio.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._read, name="camera", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        """On the reader thread: decodes frames until stopped or the camera fails."""
        try:
            for frame in self._container.decode(video=0):
                if self._stopping.is_set():
                    break
                preview = self._on_frame()
                if preview is not None:
                    try:
                        preview(frame)
                    except Exception as error:  # a broken preview must not stop the camera
                        logger.warning("the camera preview failed: %s", type(error).__name__)
                self._hand_over(frame)
        except Exception as error:  # unplugged, or the container closed under us
            if not self._stopping.is_set():
                logger.warning("the camera stopped: %s", type(error).__name__)
        finally:
            self._hand_over(None)

    def _hand_over(self, frame: av.VideoFrame | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._event_loop.call_soon_threadsafe(self._replace, frame)

    def _replace(self, frame: av.VideoFrame | None) -> None:
        if self._latest.full():
            self._latest.get_nowait()  # not sent yet: the newer frame wins
        self._latest.put_nowait(frame)

    async def recv(self) -> av.VideoFrame:
        """The newest frame of the camera.

        Raises:
            MediaStreamError: The track was stopped or the camera stopped working.
        """
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._latest.get()
        if frame is None:
            raise MediaStreamError
        frame.pts = int((time.monotonic() - self._start) * _CLOCK_RATE)
        frame.time_base = _TIME_BASE
        return frame

    def stop(self) -> None:
        """Stops reading and closes the camera (idempotent)."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._thread.join(_JOIN_TIMEOUT_S)
            try:
                self._container.close()
            except Exception as error:
                logger.warning("closing the camera failed: %s", type(error).__name__)
        super().stop()
