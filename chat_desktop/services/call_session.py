"""One call's media path: an aiortc peer connection, its sources (mutable) and sinks.

The SDP made and taken here carries the DTLS fingerprint of each side; it travels only
inside end-to-end encrypted call contents (docs/protocol.md §14), so the DTLS-SRTP keys are
bound to the identity keys and the relay (or a TURN server) never holds a media key. aiortc
gathers every ICE candidate before it hands out a description, so the candidates travel in
the SDP itself; candidates that arrive later (``call_ice``) are added as they come.
"""

from __future__ import annotations

import contextlib
import fractions
from collections.abc import Callable

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

from chat_desktop.protocol.message_content import CallCandidate
from chat_desktop.services.call_media import CallMedia, IceServer


class MutableAudio(MediaStreamTrack):
    """Our microphone, sending silence while muted (the peer hears nothing, the timing stays)."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self._source = source
        self.muted = False

    async def recv(self) -> AudioFrame:
        frame = await self._source.recv()
        assert isinstance(frame, AudioFrame)
        if not self.muted:
            return frame
        silent = AudioFrame(
            format=frame.format.name, layout=frame.layout.name, samples=frame.samples
        )
        for plane in silent.planes:
            plane.update(bytes(plane.buffer_size))
        silent.pts = frame.pts
        silent.sample_rate = frame.sample_rate
        silent.time_base = frame.time_base
        return silent

    def stop(self) -> None:
        super().stop()
        self._source.stop()


class SwitchableVideo(MediaStreamTrack):
    """Our camera, sending black frames while it is off (the camera's image never leaves)."""

    kind = "video"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self._source = source
        self.sending = True

    async def recv(self) -> VideoFrame:
        frame = await self._source.recv()
        assert isinstance(frame, VideoFrame)
        if self.sending:
            return frame
        black = VideoFrame(width=frame.width, height=frame.height, format="yuv420p")
        for index, plane in enumerate(black.planes):
            plane.update(bytes([16 if index == 0 else 128]) * plane.buffer_size)
        black.pts = frame.pts
        black.time_base = frame.time_base or fractions.Fraction(1, 90_000)
        return black

    def stop(self) -> None:
        super().stop()
        self._source.stop()


class CallSession:
    """The peer connection of one call (or of one ICE restart of it).

    Args:
        media: Where sound and pictures come from and go to.
        video: Whether we send video.
        ice_servers: STUN/TURN servers; empty: host candidates only.
        on_state: Called with aiortc's ``connectionState`` on every change
            ("connecting", "connected", "failed", "closed").
    """

    def __init__(
        self,
        media: CallMedia,
        video: bool,
        ice_servers: list[IceServer],
        on_state: Callable[[str], None],
    ) -> None:
        self._media = media
        self._video = video
        servers = [
            RTCIceServer(urls=urls, username=username, credential=credential)
            for urls, username, credential in ice_servers
        ]
        # An explicit empty list: aiortc would otherwise ask Google's STUN server.
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.audio: MutableAudio | None = None
        self.camera: SwitchableVideo | None = None
        self._closed = False

        @self._pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                media.play_audio(track)
            else:
                media.show_video(track)

        @self._pc.on("connectionstatechange")
        def on_change() -> None:
            if not self._closed:
                on_state(self._pc.connectionState)

    def _add_sources(self, video: bool) -> None:
        """Adds our microphone (and camera); raises CallDeviceError if one is missing."""
        self.audio = MutableAudio(self._media.audio_source())
        self._pc.addTrack(self.audio)
        if video:
            self.camera = SwitchableVideo(self._media.video_source())
            self._pc.addTrack(self.camera)

    async def offer(self, receive_video: bool) -> str:
        """Our offer SDP (with fingerprint and candidates)."""
        self._add_sources(self._video)
        if receive_video and not self._video:
            self._pc.addTransceiver("video", direction="recvonly")
        await self._pc.setLocalDescription(await self._pc.createOffer())
        return self._pc.localDescription.sdp

    async def answer(self, offer_sdp: str) -> str:
        """Takes the caller's offer; our answer SDP."""
        await self._pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        # Our camera only where the offer has video (an answer cannot add a media line).
        offered_video = any(t.kind == "video" for t in self._pc.getTransceivers())
        self._add_sources(self._video and offered_video)
        await self._pc.setLocalDescription(await self._pc.createAnswer())
        return self._pc.localDescription.sdp

    async def take_answer(self, answer_sdp: str) -> None:
        """Takes the callee's answer: media starts once ICE and DTLS are through."""
        await self._pc.setRemoteDescription(RTCSessionDescription(sdp=answer_sdp, type="answer"))

    async def add_candidates(self, candidates: list[CallCandidate]) -> None:
        """Adds trickled candidates (a malformed one is skipped)."""
        for item in candidates:
            line = item.candidate.removeprefix("candidate:")
            try:
                candidate = candidate_from_sdp(line)
            except (ValueError, IndexError):
                continue
            candidate.sdpMid = item.mid
            # A peer's candidate aiortc cannot use (unknown media id, bad address) is
            # skipped: it is the peer's loss, never the call's.
            with contextlib.suppress(Exception):
                await self._pc.addIceCandidate(candidate)

    @property
    def sends_video(self) -> bool:
        """Whether our camera is on this connection."""
        return self.camera is not None

    def connection_state(self) -> str:
        """aiortc's ``connectionState`` now."""
        return str(self._pc.connectionState)

    def set_muted(self, muted: bool) -> None:
        if self.audio is not None:
            self.audio.muted = muted

    def set_camera(self, on: bool) -> None:
        if self.camera is not None:
            self.camera.sending = on

    async def close(self) -> None:
        """Closes the peer connection and stops our tracks (the media is closed by the call)."""
        if self._closed:
            return
        self._closed = True
        for track in (self.audio, self.camera):
            if track is not None:
                with contextlib.suppress(MediaStreamError):
                    track.stop()
        await self._pc.close()
