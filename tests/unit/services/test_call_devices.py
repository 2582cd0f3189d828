"""A call's real devices (services/call_devices.py): this machine has no sound device and no
camera, so starting a call must say which is missing (acceptance 4), for real; what the
tracks hand aiortc (48 kHz mono s16 frames of 20 ms, camera frames with a clock) is checked
with voice notes' silent speakers, a microphone fed by the test, and a real PyAV container
standing in for the camera."""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from chat_desktop.services.call_audio import MAX_PLAYBACK_BYTES, MAX_QUEUED_CHUNKS
from chat_desktop.services.call_camera import CameraTrack, open_camera
from chat_desktop.services.call_devices import DeviceMedia, device_media_factory
from chat_desktop.services.call_media import CallDeviceError
from chat_desktop.services.preferences import InvalidPreference, Preferences, validate_preferences
from chat_desktop.services.voice_devices import (
    BLOCK_FRAMES,
    MicrophoneBusy,
    input_device_names,
    output_device_names,
)
from chat_desktop.services.voice_playback import NullSpeakers

pytestmark = pytest.mark.unit


class FedMicrophone:
    """A microphone whose chunks the test hands in (what PortAudio's thread would do)."""

    def __init__(self, _name: str | None = None) -> None:
        self.on_pcm: Callable[[bytes], None] | None = None
        self.stopped = False

    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        self.on_pcm = on_pcm

    def stop(self) -> None:
        self.stopped = True


class BusyMicrophone(FedMicrophone):
    def start(self, on_pcm: Callable[[bytes], None]) -> None:
        raise MicrophoneBusy("held")


def chunk(value: int) -> bytes:
    return struct.pack(f"<{BLOCK_FRAMES}h", *([value] * BLOCK_FRAMES))


async def test_this_machine_has_no_microphone_and_a_call_says_so() -> None:
    assert input_device_names() == [] and output_device_names() == []
    media = DeviceMedia(False)
    with pytest.raises(CallDeviceError) as caught:
        media.audio_source()
    assert (caught.value.kind, caught.value.reason) == ("microphone", "missing")
    assert str(caught.value) == "No microphone found"
    await media.close()


async def test_this_machine_has_no_camera_and_a_video_call_says_so() -> None:
    media = DeviceMedia(True, camera="/dev/video7")
    with pytest.raises(CallDeviceError) as caught:
        media.video_source()
    assert (caught.value.kind, caught.value.reason) == ("camera", "missing")
    assert str(caught.value) == "No camera found"
    with pytest.raises(CallDeviceError):
        open_camera("")  # the default camera is missing too
    await media.close()


async def test_a_microphone_held_elsewhere_is_busy_not_missing() -> None:
    media = DeviceMedia(
        False, make_microphone=BusyMicrophone, make_speakers=lambda _n: NullSpeakers()
    )
    with pytest.raises(CallDeviceError) as caught:
        media.audio_source()
    assert caught.value.reason == "busy"
    assert "another program" in str(caught.value)


async def test_missing_speakers_free_the_microphone_again() -> None:
    opened: list[FedMicrophone] = []

    def microphone(name: str | None) -> FedMicrophone:
        opened.append(FedMicrophone(name))
        return opened[-1]

    media = DeviceMedia(False, make_microphone=microphone)  # the real (absent) speakers
    with pytest.raises(CallDeviceError) as caught:
        media.audio_source()
    assert (caught.value.kind, caught.value.reason) == ("speaker", "missing")
    assert opened[0].stopped


async def test_our_voice_goes_out_as_20_ms_frames_of_48_khz_mono_s16() -> None:
    microphone = FedMicrophone()
    media = DeviceMedia(
        False, make_microphone=lambda _n: microphone, make_speakers=lambda _n: NullSpeakers()
    )
    track = media.audio_source()
    assert track.kind == "audio" and media.audio_source() is track  # opened once
    assert microphone.on_pcm is not None
    microphone.on_pcm(chunk(7))
    microphone.on_pcm(chunk(8))
    first = await asyncio.wait_for(track.recv(), 5)
    second = await asyncio.wait_for(track.recv(), 5)
    for frame in (first, second):
        assert isinstance(frame, av.AudioFrame)
        assert (frame.sample_rate, frame.samples, frame.format.name, frame.layout.name) == (
            48_000,
            960,
            "s16",
            "mono",
        )
        assert frame.time_base == Fraction(1, 48_000)
    assert (first.pts, second.pts) == (0, 960)
    assert bytes(second.planes[0])[: 2 * BLOCK_FRAMES] == chunk(8)
    await media.close()
    assert microphone.stopped
    with pytest.raises(MediaStreamError):
        await track.recv()


async def test_a_sender_that_falls_behind_drops_the_oldest_sound() -> None:
    microphone = FedMicrophone()
    media = DeviceMedia(
        False, make_microphone=lambda _n: microphone, make_speakers=lambda _n: NullSpeakers()
    )
    track = media.audio_source()
    assert microphone.on_pcm is not None
    for value in range(MAX_QUEUED_CHUNKS + 5):
        microphone.on_pcm(chunk(value))
    await asyncio.sleep(0)  # the hand-overs run on the loop
    frame = await asyncio.wait_for(track.recv(), 5)
    assert bytes(frame.planes[0])[:2] == struct.pack("<h", 5)  # 0..4 were dropped
    await media.close()


class RemoteAudio(MediaStreamTrack):
    """The peer's voice: a few frames at 24 kHz stereo (resampled to what we play)."""

    kind = "audio"

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.left = frames

    async def recv(self) -> av.AudioFrame:
        if self.left == 0:
            raise MediaStreamError
        self.left -= 1
        frame = av.AudioFrame(format="s16", layout="stereo", samples=480)
        frame.planes[0].update(struct.pack("<960h", *([1000] * 960)))
        frame.sample_rate = 24_000
        frame.pts = None
        return frame


async def test_the_peers_voice_reaches_the_speakers_at_48_khz_mono_with_bounded_delay() -> None:
    speakers = NullSpeakers()
    media = DeviceMedia(False, make_microphone=FedMicrophone, make_speakers=lambda _n: speakers)
    media.audio_source()
    assert speakers.started == 1
    remote = RemoteAudio(100)  # two seconds: far more than the speakers may hold
    media.play_audio(remote)
    while remote.left:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    held = speakers.advance(48_000)  # everything queued, at most the bound
    assert 0 < len(held) <= MAX_PLAYBACK_BYTES
    assert set(struct.unpack(f"<{len(held) // 2}h", held)[-100:]) != {0}
    await media.close()
    assert speakers.advance(10) == b""  # stopped


def camera_file(path: Path, frames: int) -> Path:
    """A short real video (what a camera container yields, without a camera)."""
    with av.open(str(path), "w") as output:
        stream = output.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame(64, 48, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 10 % 256]) * plane.buffer_size)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


class CameraPace:
    """A real PyAV container of a file, read at a camera's pace (a file decodes at once)."""

    def __init__(self, path: Path) -> None:
        self._container = av.open(str(path))

    def decode(self, video: int = 0) -> Iterator[av.VideoFrame]:
        for frame in self._container.decode(video=video):
            time.sleep(1 / 30)
            yield frame

    def close(self) -> None:
        self._container.close()


async def test_the_camera_track_sends_the_newest_frames_and_feeds_the_preview(
    tmp_path: Path,
) -> None:
    previews: list[av.VideoFrame] = []
    media = DeviceMedia(
        True, camera_opener=lambda _name: CameraPace(camera_file(tmp_path / "c.mp4", 20))
    )
    media.on_local_frame = previews.append
    track = media.video_source()
    assert track.kind == "video" and isinstance(track, CameraTrack)
    frame = await asyncio.wait_for(track.recv(), 5)
    assert isinstance(frame, av.VideoFrame) and frame.width == 64
    assert frame.time_base == Fraction(1, 90_000) and frame.pts is not None
    with pytest.raises(MediaStreamError):  # the file ends: the camera "stopped"
        for _ in range(40):
            await asyncio.wait_for(track.recv(), 5)
    assert len(previews) == 20
    await media.close()


class RemoteVideo(MediaStreamTrack):
    kind = "video"

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.left = frames

    async def recv(self) -> av.VideoFrame:
        if self.left == 0:
            raise MediaStreamError
        self.left -= 1
        await asyncio.sleep(0.005)
        return av.VideoFrame(32, 24, "yuv420p")


async def test_peer_frames_go_to_the_callback_off_the_loop_and_a_broken_one_stops_nothing() -> None:
    import threading

    seen: list[str] = []
    loop_thread = threading.current_thread().name
    media = DeviceMedia(True)

    def broken(_frame: av.VideoFrame) -> None:
        seen.append(threading.current_thread().name)
        raise ValueError("hostile frame")

    media.on_remote_frame = broken
    remote = RemoteVideo(10)
    media.show_video(remote)
    while remote.left:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert seen and loop_thread not in seen  # several frames, none on the loop's thread
    await media.close()


async def test_the_factory_reads_the_chosen_devices_at_each_call() -> None:
    chosen = ["mic A", "", ""]
    prepared: list[DeviceMedia] = []
    factory = device_media_factory(lambda: (chosen[0], chosen[1], chosen[2]), prepared.append)
    first = factory(False)
    chosen[0] = "mic B"
    second = factory(True)
    assert isinstance(first, DeviceMedia) and isinstance(second, DeviceMedia)
    assert prepared == [first, second] and second.video and not first.video
    with pytest.raises(CallDeviceError):
        second.audio_source()  # "mic B" is not on this machine either
    await first.close()
    await second.close()


def test_a_chosen_device_name_is_bounded_and_printable() -> None:
    validate_preferences(Preferences(call_microphone="USB Headset", call_camera="/dev/video2"))
    for bad in ("x" * 257, "mic\x00", "mic\nname"):
        with pytest.raises(InvalidPreference) as caught:
            validate_preferences(Preferences(call_speaker=bad))
        assert caught.value.field == "call_speaker"
