"""The synthetic call media measures what it should: frequencies and frame numbers."""

from __future__ import annotations

import math

from av.codec import CodecContext

from chat_desktop.services.call_synthetic import (
    SAMPLE_RATE,
    dominant_frequency,
    draw_counter,
    read_counter,
)


def _tone(frequency: float, count: int = 9600) -> list[int]:
    return [int(8000 * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)) for i in range(count)]


def test_the_dominant_frequency_of_a_tone_is_found_within_one_percent() -> None:
    for frequency in (440.0, 1000.0, 2750.0):
        assert abs(dominant_frequency(_tone(frequency)) - frequency) <= frequency * 0.01


def test_frame_numbers_survive_vp8() -> None:
    encoder = CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 160, 120, "yuv420p"
    encoder.options = {"deadline": "realtime"}
    decoder = CodecContext.create("libvpx", "r")
    numbers = [0, 1, 2, 255, 4660, 65535]
    decoded: list[int] = []
    for number in numbers:
        for packet in encoder.encode(draw_counter(number)):
            decoded.extend(read_counter(frame) for frame in decoder.decode(packet))
    for packet in encoder.encode(None):
        decoded.extend(read_counter(frame) for frame in decoder.decode(packet))
    assert decoded == numbers
