"""``DeviceMedia``: a call on this computer's real microphone, speakers and camera.

The app sets ``client.calls.media_factory`` to make one per call
(:func:`device_media_factory`), with the devices chosen in Settings (empty names: the
system's defaults). Sound goes through the voice notes' PortAudio streams
(:mod:`.call_audio`), the camera through PyAV (:mod:`.call_camera`).

A device that is missing or busy raises :class:`CallDeviceError` when the engine asks for
the source, before anything is sent: the microphone and the speakers are both opened by
:meth:`DeviceMedia.audio_source` (a call without either is no call), the camera by
:meth:`DeviceMedia.video_source`.

Video goes to the GUI through two callbacks it sets, ``on_local_frame`` (our camera, on the
camera's reader thread) and ``on_remote_frame`` (the peer's, on a thread of this media's own,
so that turning frames into pictures never runs on the event loop, which is the GUI's
thread in the app). No Qt here: services do not draw.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from chat_desktop.services.call_audio import MicrophoneTrack, Playback
from chat_desktop.services.call_camera import CameraTrack, FrameCallback, open_camera
from chat_desktop.services.call_media import CallDeviceError, MediaFactory
from chat_desktop.services.voice_devices import (
    Microphone,
    MicrophoneBusy,
    NoMicrophone,
    NoSpeakers,
    SoundDeviceMicrophone,
    SoundDeviceSpeakers,
    Speakers,
    SpeakersBusy,
)

logger = logging.getLogger(__name__)

#: Makes a microphone or speakers for a device name (None: the system's default).
MicrophoneMaker = Callable[[str | None], Microphone]
SpeakersMaker = Callable[[str | None], Speakers]
#: Opens a camera by name (empty: the default), as a PyAV input container.
CameraOpener = Callable[[str], Any]


class DeviceMedia:
    """The microphone, speakers and camera of one call.

    Attributes:
        on_local_frame: Gets each frame of our camera (the preview), or None.
        on_remote_frame: Gets each frame of the peer's video, or None.
    """

    def __init__(
        self,
        video: bool,
        *,
        microphone: str = "",
        speaker: str = "",
        camera: str = "",
        make_microphone: MicrophoneMaker = SoundDeviceMicrophone,
        make_speakers: SpeakersMaker = SoundDeviceSpeakers,
        camera_opener: CameraOpener = open_camera,
    ) -> None:
        """Nothing opens until the engine asks for a source.

        Args:
            video: Whether the call wants video (the camera is opened only then).
            microphone, speaker, camera: The devices chosen in Settings ("": default).
            make_microphone, make_speakers, camera_opener: How devices are opened (the
                real ones unless a test gives its own).
        """
        self.video = video
        self.on_local_frame: FrameCallback | None = None
        self.on_remote_frame: FrameCallback | None = None
        self._names = (microphone, speaker, camera)
        self._make_microphone = make_microphone
        self._make_speakers = make_speakers
        self._camera_opener = camera_opener
        self._microphone: MicrophoneTrack | None = None
        self._playback: Playback | None = None
        self._camera: CameraTrack | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._frames = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="call-video")
        self._frame_pending = False
        self._closed = False

    def audio_source(self) -> MediaStreamTrack:
        """Our voice; opens the microphone, and the speakers the peer's voice will need.

        Raises:
            CallDeviceError: No microphone or speakers, or one held by another program.
        """
        if self._microphone is None:
            microphone_name, speaker_name, _camera = self._names
            try:
                self._microphone = MicrophoneTrack(self._make_microphone(microphone_name or None))
            except MicrophoneBusy as error:
                raise CallDeviceError("microphone", "busy") from error
            except NoMicrophone as error:
                raise CallDeviceError("microphone", "missing") from error
            try:
                self._playback = Playback(self._make_speakers(speaker_name or None))
            except NoSpeakers as error:
                self._microphone.stop()
                self._microphone = None
                if isinstance(error, SpeakersBusy):
                    raise CallDeviceError("speaker", "busy") from error
                raise CallDeviceError("speaker", "missing") from error
        return self._microphone

    def video_source(self) -> MediaStreamTrack:
        """Our camera's frames (also handed to :attr:`on_local_frame`).

        Raises:
            CallDeviceError: No camera, or one held by another program.
        """
        if self._camera is None:
            container = self._camera_opener(self._names[2])
            self._camera = CameraTrack(container, lambda: self.on_local_frame)
        return self._camera

    def play_audio(self, track: MediaStreamTrack) -> None:
        """Plays the peer's voice on the speakers opened by :meth:`audio_source`."""
        playback = self._playback
        if playback is None:  # no source asked for first: nothing to play on; still drained
            self._start(_drain(track))
            return
        self._start(playback.play(track))

    def show_video(self, track: MediaStreamTrack) -> None:
        """Hands the peer's frames to :attr:`on_remote_frame` (off the event loop)."""
        self._start(self._show(track))

    async def _show(self, track: MediaStreamTrack) -> None:
        while not self._closed:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, av.VideoFrame) and not self._frame_pending:
                self._frame_pending = True  # one frame at a time; newer ones wait their turn
                self._frames.submit(self._deliver, frame)

    def _deliver(self, frame: av.VideoFrame) -> None:
        """On the media's frame thread: the GUI's callback converts and posts the frame."""
        try:
            callback = self.on_remote_frame
            if callback is not None and not self._closed:
                callback(frame)
        except Exception as error:  # a broken picture must not stop the call
            logger.warning("showing a video frame failed: %s", type(error).__name__)
        finally:
            self._frame_pending = False

    def _start(self, work: Any) -> None:
        self._tasks.append(asyncio.ensure_future(work))

    async def close(self) -> None:
        """Stops the tracks, frees the devices, ends the frame thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        microphone, self._microphone = self._microphone, None
        if microphone is not None:
            microphone.stop()
        playback, self._playback = self._playback, None
        if playback is not None:
            playback.stop()
        camera, self._camera = self._camera, None
        if camera is not None:
            await asyncio.to_thread(camera.stop)  # joins the reader thread
        self._frames.shutdown(wait=False, cancel_futures=True)


async def _drain(track: MediaStreamTrack) -> None:
    """Reads a track nobody plays, so that it does not pile up frames."""
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


def device_media_factory(
    choice: Callable[[], tuple[str, str, str]],
    prepare: Callable[[DeviceMedia], None] | None = None,
) -> MediaFactory:
    """The factory the app gives ``client.calls.media_factory``.

    Args:
        choice: The devices chosen now (microphone, speaker, camera names; "" = default),
            read at each call so that a change in Settings applies to the next call.
        prepare: Called with each new media (the GUI sets its frame callbacks there).
    """

    def make(video: bool) -> DeviceMedia:
        microphone, speaker, camera = choice()
        media = DeviceMedia(video, microphone=microphone, speaker=speaker, camera=camera)
        if prepare is not None:
            prepare(media)
        return media

    return make
