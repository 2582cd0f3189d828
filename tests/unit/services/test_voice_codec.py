"""The voice-note codec: PCM → Ogg/Opus → PCM, waveform, and what it refuses."""

from __future__ import annotations

import math
import struct

import pytest

from chat_desktop.services.voice_codec import (
    DURATION_TOLERANCE_MS,
    WAVEFORM_BARS,
    VoiceRejected,
    check_voice,
    clean_waveform,
    decode_voice,
    encode_voice,
)

pytestmark = pytest.mark.unit
RATE = 48_000


def tone_then_silence(seconds: float) -> bytes:
    """A 440 Hz tone for the first half, silence for the second."""
    count = int(seconds * RATE)
    return struct.pack(
        f"<{count}h",
        *(
            int(16_000 * math.sin(2 * math.pi * 440 * i / RATE)) if i < count // 2 else 0
            for i in range(count)
        ),
    )


def test_encoding_gives_ogg_opus_its_length_and_a_waveform_of_the_sound() -> None:
    encoded = encode_voice(tone_then_silence(1.28))
    assert encoded.data[:4] == b"OggS" and b"OpusHead" in encoded.data[:200]
    assert encoded.duration_ms == 1280
    assert len(encoded.waveform) == WAVEFORM_BARS
    half = WAVEFORM_BARS // 2
    assert min(encoded.waveform[: half - 1]) > 200  # the tone
    assert max(encoded.waveform[half + 1 :]) == 0  # the silence


def test_decoding_measures_the_same_length_and_waveform_shape() -> None:
    encoded = encode_voice(tone_then_silence(1.28))
    decoded = check_voice(encoded.data, encoded.duration_ms, keep_pcm=True)
    assert abs(decoded.duration_ms - encoded.duration_ms) <= 30
    assert len(decoded.pcm) == decoded.duration_ms * 48 * 2
    assert decoded.waveform[5] > 200 and decoded.waveform[-5] < 10


def test_decoding_at_a_lower_rate_for_playback() -> None:
    encoded = encode_voice(tone_then_silence(1.0))
    decoded = decode_voice(encoded.data, sample_rate=24_000)
    assert decoded.sample_rate == 24_000
    assert abs(len(decoded.pcm) // 2 - 24_000) <= 480


def test_a_claim_off_by_more_than_the_tolerance_is_refused() -> None:
    encoded = encode_voice(tone_then_silence(2.0))
    check_voice(encoded.data, 2000 + DURATION_TOLERANCE_MS)  # within the tolerance
    with pytest.raises(VoiceRejected, match="not as long"):
        check_voice(encoded.data, 2000 + DURATION_TOLERANCE_MS + 100)
    with pytest.raises(VoiceRejected, match="longer than it may be"):
        check_voice(encoded.data, 1000)
    with pytest.raises(VoiceRejected, match="out of its bounds"):
        check_voice(encoded.data, 0)


@pytest.mark.parametrize("data", [b"", b"not a sound at all", b"OggS" + bytes(500)])
def test_what_is_not_a_sound_file_is_refused(data: bytes) -> None:
    with pytest.raises(VoiceRejected):
        decode_voice(data)


def test_recordings_that_cannot_be_voice_notes_are_refused() -> None:
    with pytest.raises(VoiceRejected, match="empty"):
        encode_voice(b"")
    with pytest.raises(VoiceRejected, match="sample rate"):
        encode_voice(bytes(4410), sample_rate=44_100)


def test_a_peers_waveform_is_clipped_to_the_bound() -> None:
    assert clean_waveform(bytes(300)) == bytes(100)
    assert clean_waveform(None) == b""
