"""The voice-note player's position, play, pause and seek, with silent speakers."""

from __future__ import annotations

import struct

import pytest

from chat_desktop.services.voice_devices import NoSpeakers
from chat_desktop.services.voice_playback import NullSpeakers, VoicePlayback

pytestmark = pytest.mark.unit
RATE = 1_000  # one sample a millisecond: positions read as sample counts


def counting_pcm(samples: int) -> bytes:
    return struct.pack(f"<{samples}h", *range(samples))


def test_playing_hands_the_sound_over_in_order_and_the_position_follows() -> None:
    speakers = NullSpeakers()
    playback = VoicePlayback("m1", counting_pcm(2000), speakers, RATE)
    assert (playback.duration_ms, playback.position_ms, playback.playing) == (2000, 0, False)
    assert speakers.advance(10) == b""  # not started
    playback.play()
    assert playback.playing and speakers.started == 1
    assert speakers.advance(3) == counting_pcm(3)
    assert playback.position_ms == 3
    playback.pause()
    assert not playback.playing and speakers.advance(10) == b""
    playback.play()
    assert speakers.advance(2) == struct.pack("<2h", 3, 4)  # resumed where it stopped


def test_seek_moves_the_position_playing_or_not_and_is_clamped() -> None:
    speakers = NullSpeakers()
    playback = VoicePlayback("m1", counting_pcm(2000), speakers, RATE)
    playback.seek(0.5)
    assert playback.position_ms == 1000 and playback.fraction == 0.5
    playback.play()
    assert speakers.advance(1) == struct.pack("<h", 1000)
    playback.seek(7.0)
    assert playback.fraction == 1.0 and not playback.playing  # at the end
    playback.seek(-1.0)
    assert playback.position_ms == 0


def test_the_end_stops_and_play_starts_over() -> None:
    speakers = NullSpeakers()
    playback = VoicePlayback("m1", counting_pcm(100), speakers, RATE)
    playback.play()
    assert len(speakers.advance(500)) == 200  # fewer at the end
    assert not playback.playing and playback.position_ms == 100
    playback.toggle()
    assert playback.playing and playback.position_ms == 0
    assert speakers.advance(1) == struct.pack("<h", 0)


class NoDevice:
    def start(self, sample_rate: int, pull: object) -> None:
        raise NoSpeakers("No speakers found")

    def stop(self) -> None:
        raise AssertionError("never started")


def test_without_speakers_nothing_plays() -> None:
    playback = VoicePlayback("m1", counting_pcm(100), NoDevice(), RATE)
    with pytest.raises(NoSpeakers):
        playback.play()
    assert not playback.playing
    assert playback.pull(10) == b""
