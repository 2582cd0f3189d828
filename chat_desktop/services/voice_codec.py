"""Voice notes as sound: PCM → Ogg/Opus, Ogg/WebM Opus → PCM, a waveform, a length check.

Encoding and decoding go through PyAV (its wheels carry FFmpeg and libopus). The recorder
hands 16-bit mono PCM; a voice note on the wire is one Opus stream in an Ogg (or, from
other clients, WebM) container (docs/protocol.md §5, voice notes).

A received file is a peer's bytes: :func:`decode_voice` accepts only an Ogg or WebM
container holding exactly one Opus audio stream, and stops decoding as soon as the sound
runs past the largest length it was told to accept, so a tiny file that unpacks into hours
(a "decompression bomb") costs no more than the length it may have. Every refusal is a
:class:`VoiceRejected` that names the rule broken, never the content.

PyAV is imported when first used, so the rest of the client starts without it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Final

from chat_desktop.protocol.message_content import (
    MAX_VOICE_DURATION_MS,
    MAX_VOICE_NOTE_SIZE,
    MAX_WAVEFORM_LENGTH,
)

#: Opus's own rate; the recorder records at it and decoding gives it unless told otherwise.
SAMPLE_RATE: Final = 48_000
#: The rates Opus encodes from directly.
OPUS_RATES: Final = (8_000, 12_000, 16_000, 24_000, 48_000)
#: Bits per second of the Opus stream we send (speech is clear at 24–32 kbit/s).
BIT_RATE: Final = 32_000
#: Levels in the waveform we send.
WAVEFORM_BARS: Final = 64
#: How far a decoded length may be from the claimed one and still be taken as true (Opus
#: pads and trims whole frames; a lie is seconds, not frames).
DURATION_TOLERANCE_MS: Final = 500
#: The containers we accept, as FFmpeg names their demuxers.
_CONTAINERS: Final = frozenset({"ogg", "matroska,webm"})
#: Bytes per 16-bit mono sample.
_SAMPLE_BYTES: Final = 2


class VoiceRejected(Exception):
    """Sound that is not an acceptable voice note: not Opus, undecodable, too long, or not
    as long as its sender said. The message names the rule, never the content."""


class VoiceUnavailable(Exception):
    """Voice notes can't be made or played here: PyAV (and its FFmpeg) is missing."""


@dataclass(frozen=True)
class EncodedVoice:
    """A recorded voice note ready to send.

    Attributes:
        data: The Ogg/Opus file.
        duration_ms: Its length in milliseconds.
        waveform: Its levels to draw (:data:`WAVEFORM_BARS` bytes, 0–255).
    """

    data: bytes
    duration_ms: int
    waveform: bytes


@dataclass(frozen=True)
class DecodedVoice:
    """A voice note's sound.

    Attributes:
        pcm: 16-bit little-endian mono samples (empty when not kept).
        sample_rate: Samples per second of ``pcm``.
        duration_ms: The decoded length in milliseconds.
        waveform: Its levels to draw, measured here (0–255 each).
    """

    pcm: bytes
    sample_rate: int
    duration_ms: int
    waveform: bytes


def _av() -> Any:
    """The ``av`` module, imported on first use."""
    try:
        import av  # heavy (FFmpeg): loaded only when a voice note is handled
    except ImportError as error:
        raise VoiceUnavailable("voice notes need PyAV, which is not installed") from error
    return av


def encode_voice(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> EncodedVoice:
    """Encodes 16-bit mono PCM into an Ogg/Opus voice note.

    Raises:
        VoiceRejected: No sound, a rate Opus does not take, or longer than 15 minutes.
    """
    if sample_rate not in OPUS_RATES:
        raise VoiceRejected("the recording's sample rate is not one Opus takes")
    samples = len(pcm) // _SAMPLE_BYTES
    duration_ms = samples * 1000 // sample_rate
    if duration_ms < 1:
        raise VoiceRejected("the recording is empty")
    if duration_ms > MAX_VOICE_DURATION_MS:
        raise VoiceRejected("a voice note may be at most 15 minutes long")
    av = _av()
    buffer = io.BytesIO()
    step = sample_rate // 50  # 20 ms frames
    with av.open(buffer, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=sample_rate, layout="mono")
        stream.bit_rate = BIT_RATE
        for start in range(0, samples, step):
            chunk = pcm[start * _SAMPLE_BYTES : (start + step) * _SAMPLE_BYTES]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk)
            frame.sample_rate = sample_rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    data = buffer.getvalue()
    if len(data) > MAX_VOICE_NOTE_SIZE:
        raise VoiceRejected("the voice note is too large")
    levels = _Levels(sample_rate)
    levels.add(pcm[: samples * _SAMPLE_BYTES])
    return EncodedVoice(data, duration_ms, levels.waveform(WAVEFORM_BARS))


def decode_voice(
    data: bytes,
    *,
    sample_rate: int = SAMPLE_RATE,
    max_duration_ms: int = MAX_VOICE_DURATION_MS,
    keep_pcm: bool = True,
) -> DecodedVoice:
    """Decodes a voice note into 16-bit mono PCM at ``sample_rate``.

    Args:
        data: The file (Ogg or WebM holding one Opus stream).
        sample_rate: The rate of the PCM returned.
        max_duration_ms: Decoding stops, and the file is refused, past this length.
        keep_pcm: False to only measure (length and waveform) without keeping the sound.

    Raises:
        VoiceRejected: Too large, not Ogg/WebM, not exactly one Opus stream, undecodable,
            empty, or longer than ``max_duration_ms``.
    """
    if len(data) > MAX_VOICE_NOTE_SIZE:
        raise VoiceRejected("the voice note is too large")
    av = _av()
    limit = (max_duration_ms + DURATION_TOLERANCE_MS) * sample_rate // 1000
    pcm = bytearray()
    levels = _Levels(sample_rate)
    decoded = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.format.name not in _CONTAINERS:
                raise VoiceRejected("a voice note must be Ogg or WebM")
            streams = list(container.streams)
            if len(streams) != 1 or streams[0].type != "audio":
                raise VoiceRejected("a voice note must hold exactly one sound stream")
            stream = streams[0]
            if stream.codec_context.name != "opus":
                raise VoiceRejected("a voice note must be Opus")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
            for packet in container.demux(stream):
                for frame in packet.decode():
                    for out in resampler.resample(frame):
                        decoded += _take(out, pcm if keep_pcm else None, levels)
                if decoded > limit:
                    raise VoiceRejected("the voice note is longer than it may be")
            for out in resampler.resample(None):
                decoded += _take(out, pcm if keep_pcm else None, levels)
    except VoiceRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as error:
        raise VoiceRejected("the voice note cannot be decoded") from error
    if decoded > limit:
        raise VoiceRejected("the voice note is longer than it may be")
    duration_ms = decoded * 1000 // sample_rate
    if duration_ms < 1:
        raise VoiceRejected("the voice note holds no sound")
    return DecodedVoice(bytes(pcm), sample_rate, duration_ms, levels.waveform(WAVEFORM_BARS))


def check_voice(data: bytes, claimed_ms: int, *, keep_pcm: bool = False) -> DecodedVoice:
    """Decodes a received voice note and checks it is as long as its sender said.

    Decoding stops just past the claimed length (plus :data:`DURATION_TOLERANCE_MS`), so a
    file that claims seconds and unpacks into hours is refused early.

    Raises:
        VoiceRejected: Undecodable (:func:`decode_voice`), or its length differs from
            ``claimed_ms`` by more than :data:`DURATION_TOLERANCE_MS`.
    """
    if not 1 <= claimed_ms <= MAX_VOICE_DURATION_MS:
        raise VoiceRejected("the voice note's length is out of its bounds")
    decoded = decode_voice(data, max_duration_ms=claimed_ms, keep_pcm=keep_pcm)
    if abs(decoded.duration_ms - claimed_ms) > DURATION_TOLERANCE_MS:
        raise VoiceRejected("the voice note is not as long as its sender said")
    return decoded


def clean_waveform(waveform: bytes | None) -> bytes:
    """A peer's waveform as we draw it: at most :data:`MAX_WAVEFORM_LENGTH` levels."""
    return bytes(waveform or b"")[:MAX_WAVEFORM_LENGTH]


def _take(frame: Any, pcm: bytearray | None, levels: _Levels) -> int:
    """Adds one decoded frame's samples to ``pcm`` (when kept) and ``levels``."""
    count = int(frame.samples)
    chunk = bytes(frame.planes[0])[: count * _SAMPLE_BYTES]
    if pcm is not None:
        pcm += chunk
    levels.add(chunk)
    return count


class _Levels:
    """Loudness of a sound, 10 ms at a time, folded into a waveform at the end.

    Keeps one number per 10 ms (90,000 for 15 minutes), never the sound itself.
    """

    def __init__(self, sample_rate: int) -> None:
        """Measures sound of ``sample_rate`` samples per second."""
        self._block = max(1, sample_rate // 100)
        self._peaks: list[int] = []
        self._carry = b""

    def add(self, chunk: bytes) -> None:
        """Measures more 16-bit little-endian samples."""
        data = self._carry + chunk
        size = self._block * _SAMPLE_BYTES
        whole = len(data) - len(data) % size
        view = memoryview(data[:whole]).cast("h")
        for start in range(0, len(view), self._block):
            block = view[start : start + self._block]
            self._peaks.append(max(max(block), -min(block)))
        self._carry = data[whole:]

    def waveform(self, bars: int) -> bytes:
        """``bars`` levels (fewer for a very short sound), 0–255, scaled to the loudest.

        Each level is the mean of its slice's 10 ms peaks: the loudness of the stretch, so
        syllables and pauses show (the single loudest peak would flatten them).
        """
        peaks = self._peaks or [0]
        count = min(bars, len(peaks))
        grouped = []
        for index in range(count):
            part = peaks[index * len(peaks) // count : (index + 1) * len(peaks) // count] or [0]
            grouped.append(sum(part) // len(part))
        loudest = max(grouped) or 1
        return bytes(min(255, level * 255 // loudest) for level in grouped)
