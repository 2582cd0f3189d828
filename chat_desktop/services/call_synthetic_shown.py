"""Synthetic call media whose pictures reach the windows, as the real devices' do.

:class:`~chat_desktop.services.call_synthetic.SyntheticMedia` (a tone and counter frames, no
device) with the two video callbacks of
:class:`~chat_desktop.services.call_devices.DeviceMedia`: ``on_local_frame`` gets each
frame our "camera" sends, ``on_remote_frame`` each frame the peer's sends. For the GUI tests
and the screenshots of the call windows (this machine has no camera).
"""

from __future__ import annotations

from collections.abc import Callable

import av
from aiortc.mediastreams import MediaStreamTrack

from chat_desktop.services.call_synthetic import SyntheticMedia

#: Takes a frame (the GUI converts and shows it).
FrameCallback = Callable[[av.VideoFrame], None]


class FrameTap(MediaStreamTrack):
    """A video track passed through, each frame also handed to a callback."""

    kind = "video"

    def __init__(self, inner: MediaStreamTrack, callback: Callable[[], FrameCallback | None]):
        """Reads ``inner``; ``callback()`` gives the current callback at each frame."""
        super().__init__()
        self._inner = inner
        self._callback = callback

    async def recv(self) -> av.VideoFrame:
        """The inner track's next frame (after the callback saw it)."""
        frame = await self._inner.recv()
        assert isinstance(frame, av.VideoFrame)
        callback = self._callback()
        if callback is not None:
            callback(frame)
        return frame

    def stop(self) -> None:
        """Stops the inner track too."""
        self._inner.stop()
        super().stop()


class ShownSyntheticMedia(SyntheticMedia):
    """Synthetic media with ``on_local_frame`` and ``on_remote_frame``, like the devices'."""

    def __init__(self, frequency: float, video: bool) -> None:
        """A tone of ``frequency`` Hz and, if ``video``, counter frames."""
        super().__init__(frequency, video)
        self.on_local_frame: FrameCallback | None = None
        self.on_remote_frame: FrameCallback | None = None

    def video_source(self) -> MediaStreamTrack:
        """The counter frames, each also shown as our preview."""
        return FrameTap(super().video_source(), lambda: self.on_local_frame)

    def show_video(self, track: MediaStreamTrack) -> None:
        """Records the peer's frames, each also shown as their video."""
        super().show_video(FrameTap(track, lambda: self.on_remote_frame))
