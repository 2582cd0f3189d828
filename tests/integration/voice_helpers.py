"""Synthetic sound for voice-note tests: a sine, its pitch by zero crossings, hostile files.

No microphone exists on the test machines: the tests feed these samples through the same
encoder the recorder uses and measure what comes out on the other side.
"""

from __future__ import annotations

import io
import itertools
import math
import struct

import av

RATE = 48_000


def sine_pcm(frequency: float, seconds: float, rate: int = RATE) -> bytes:
    """16-bit little-endian mono samples of a sine at about half of full scale."""
    count = int(seconds * rate)
    return struct.pack(
        f"<{count}h",
        *(int(16_000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(count)),
    )


def dominant_frequency(pcm: bytes, rate: int = RATE) -> float:
    """The frequency of a pure tone, from its zero crossings in the middle of the sound."""
    samples = memoryview(pcm).cast("h")
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]
    crossings = sum(1 for a, b in itertools.pairwise(middle) if (a < 0) != (b < 0))
    return crossings / 2 / (len(middle) / rate)


def opus_silence(seconds: float) -> bytes:
    """An Ogg/Opus file of silence, as small as Opus makes it (120 ms frames, 6 kbit/s):
    minutes of sound in a file of a few tens of kilobytes (a "bomb" beside a short claim)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="ogg") as container:
        stream = container.add_stream(
            "libopus", rate=RATE, layout="mono", options={"frame_duration": "120"}
        )
        stream.bit_rate = 6_000
        frame_samples = RATE // 10
        silence = bytes(frame_samples * 2)
        for index in range(int(seconds * 10)):
            frame = av.AudioFrame(format="s16", layout="mono", samples=frame_samples)
            frame.planes[0].update(silence)
            frame.sample_rate = RATE
            frame.pts = index * frame_samples
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def flac_in_ogg(seconds: float) -> bytes:
    """A real Ogg file whose sound is FLAC, not Opus (a voice note must be Opus)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="ogg") as container:
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        pcm = sine_pcm(440, seconds)
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = RATE
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
