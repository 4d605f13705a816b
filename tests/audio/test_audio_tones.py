"""Generated stand-ins for an officer's voice."""

from __future__ import annotations

import io
import wave

import pytest
from pydub import AudioSegment

from audio import silence_wav, tone_wav, wav_duration_ms
from audio._deps import audioop
from audio.speech import peak_dbfs


def read(wav_bytes: bytes) -> AudioSegment:
    return AudioSegment.from_wav(io.BytesIO(wav_bytes))


def test_tone_with_silences_has_the_asked_layout() -> None:
    segment = read(tone_wav(4, 440, lead_silence_s=1, tail_silence_s=1.5))

    assert len(segment) == 6500
    assert segment[:1000].rms == 0
    assert segment[5000:].rms == 0
    assert segment[1000:5000].rms > 1000


def test_tone_has_the_asked_frequency_and_peak() -> None:
    segment = read(tone_wav(1, 440, dbfs=-6))

    crossings = audioop.cross(segment.raw_data, 2)
    assert crossings == pytest.approx(880, abs=3)
    assert peak_dbfs(segment) == pytest.approx(-6, abs=0.1)


def test_non_integer_frequency_is_generated_too() -> None:
    segment = read(tone_wav(1, 440.5))
    assert audioop.cross(segment.raw_data, 2) == pytest.approx(881, abs=3)


def test_tone_in_other_formats() -> None:
    with wave.open(io.BytesIO(tone_wav(2, rate=44100, channels=2, sample_width=1))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 2, 1)
        assert w.getnframes() == 88200


def test_silence_is_digital_zero_of_the_asked_length() -> None:
    wav_bytes = silence_wav(2.5)
    segment = read(wav_bytes)

    assert wav_duration_ms(wav_bytes) == 2500
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (8000, 1, 2)
    assert audioop.max(segment.raw_data, 2) == 0


def test_a_minute_of_tone_is_cheap() -> None:
    assert wav_duration_ms(tone_wav(60, rate=44100, channels=2)) == 60000
