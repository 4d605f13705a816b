"""The officer's recording: refusals, trimming, loudness, fades, format, hash, speed."""

from __future__ import annotations

import array
import hashlib
import io
import math
import random
import time
import wave

import pytest
from pydub import AudioSegment
from pydub.generators import Sine, WhiteNoise

from audio import (
    ProcessedAudio,
    RecordingPolicy,
    RecordingRefused,
    Refusal,
    prepare_segment,
    process_recording,
    silence_wav,
    tone_wav,
    wav_duration_ms,
)
from audio._deps import audioop
from audio.speech import rms_dbfs


def sine(ms: int, freq: float = 440, volume: float = -6.0, rate: int = 8000) -> AudioSegment:
    """A pydub Sine tone; ``volume`` is its peak in dBFS (its RMS is 3 dB lower)."""
    return Sine(freq, sample_rate=rate, bit_depth=16).to_audio_segment(ms, volume)


def silence(ms: int, rate: int = 8000) -> AudioSegment:
    return AudioSegment.silent(duration=ms, frame_rate=rate)


def wav(segment: AudioSegment) -> bytes:
    return segment.export(io.BytesIO(), format="wav").getvalue()


def decoded(result: ProcessedAudio) -> AudioSegment:
    return AudioSegment.from_wav(io.BytesIO(result.wav))


def refusal_of(wav_bytes: bytes) -> Refusal:
    with pytest.raises(RecordingRefused) as caught:
        process_recording(wav_bytes)
    return caught.value.reason


# --- acceptance and refusals ---------------------------------------------------------


def test_leading_and_trailing_silence_are_trimmed_to_about_the_speech() -> None:
    result = process_recording(wav(silence(1000) + sine(4000) + silence(1500)))

    assert result.source_duration_ms == 6500
    assert abs(result.duration_ms - 4000) <= 300
    assert wav_duration_ms(result.wav) == result.duration_ms


def test_pauses_inside_the_message_are_kept() -> None:
    spoken = sine(1500) + silence(2000) + sine(1500)
    result = process_recording(wav(silence(800) + spoken + silence(800)))

    assert abs(result.duration_ms - 5000) <= 300


def test_silent_recording_is_refused_as_silent() -> None:
    assert refusal_of(silence_wav(5)) == Refusal.SILENT


def test_empty_recording_is_refused_as_silent() -> None:
    assert refusal_of(silence_wav(0)) == Refusal.SILENT


def test_recording_below_the_silence_floor_is_refused_as_silent() -> None:
    whisper = sine(3000, volume=-55)  # RMS -58 dBFS: nothing a phone line would carry
    assert refusal_of(wav(silence(500) + whisper + silence(500))) == Refusal.SILENT


def test_half_a_second_of_speech_is_refused_as_too_short() -> None:
    assert refusal_of(wav(silence(1000) + sine(500) + silence(1000))) == Refusal.TOO_SHORT
    assert refusal_of(tone_wav(0.5)) == Refusal.TOO_SHORT


def test_short_bursts_count_from_first_to_last_word() -> None:
    two_words = sine(300) + silence(200) + sine(300)  # 0.8 s spoken part
    assert refusal_of(wav(silence(500) + two_words + silence(500))) == Refusal.TOO_SHORT
    enough = sine(300) + silence(500) + sine(300)  # 1.1 s spoken part
    assert process_recording(wav(silence(500) + enough + silence(500))).duration_ms >= 1100


def test_a_click_is_not_speech() -> None:
    click = sine(10, 1000, volume=0)
    assert refusal_of(wav(silence(1000) + click + silence(2000))) == Refusal.SILENT

    recording = silence(500) + click + silence(500) + sine(2000, volume=-20) + silence(500)
    result = process_recording(wav(recording))
    assert abs(result.duration_ms - 2000) <= 300  # starts at the tone, not at the click


def test_refusal_carries_reason_and_detail() -> None:
    with pytest.raises(RecordingRefused) as caught:
        process_recording(tone_wav(0.4, lead_silence_s=1))
    assert caught.value.reason is Refusal.TOO_SHORT
    assert "400 ms" in caught.value.detail
    assert str(caught.value).startswith("too_short")


def test_garbage_and_unsupported_encodings_are_refused_as_unreadable() -> None:
    assert refusal_of(b"this is not a wav file") == Refusal.UNREADABLE
    float_wav = bytearray(tone_wav(2))
    float_wav[20:22] = (3).to_bytes(2, "little")  # WAVE_FORMAT_IEEE_FLOAT
    assert refusal_of(bytes(float_wav)) == Refusal.UNREADABLE


def test_minimum_speech_length_is_a_policy_setting() -> None:
    strict = RecordingPolicy(min_speech_ms=3000)
    with pytest.raises(RecordingRefused):
        process_recording(tone_wav(2, lead_silence_s=1), strict)
    assert process_recording(tone_wav(2, lead_silence_s=1)).duration_ms > 2000


# --- trimming in realistic conditions ------------------------------------------------


def test_background_noise_well_below_the_voice_is_trimmed() -> None:
    def noise(ms: int) -> AudioSegment:
        # peak -38 dBFS, RMS about -43 dBFS: above the absolute floor of -45
        return WhiteNoise(sample_rate=8000, bit_depth=16).to_audio_segment(ms, -38)

    recording = noise(1500) + sine(3000, volume=-6) + noise(1500)

    relative = process_recording(wav(recording))
    assert abs(relative.duration_ms - 3000) <= 300

    # Not the fixed floor (the noise is above it) but the noise floor trims it: with the
    # distance to the voice switched off, the threshold still rises above the noise.
    noise_only = process_recording(wav(recording), RecordingPolicy(silence_relative_db=200))
    assert abs(noise_only.duration_ms - 3000) <= 300
    assert noise_only.noise_floor_dbfs == pytest.approx(-43, abs=1.5)


def test_dc_offset_does_not_count_as_sound() -> None:
    recording = silence(1000) + sine(2000) + silence(1000)
    shifted = recording._spawn(audioop.bias(recording.raw_data, 2, 1500))  # about -27 dBFS

    result = process_recording(wav(shifted))

    assert abs(result.duration_ms - 2000) <= 300


# --- format ---------------------------------------------------------------------------


def test_stereo_44k_input_becomes_8k_mono_16bit() -> None:
    stereo = AudioSegment.from_mono_audiosegments(
        *[silence(500, 44100) + sine(2000, rate=44100) + silence(500, 44100)] * 2
    ).set_sample_width(2)
    assert (stereo.channels, stereo.frame_rate) == (2, 44100)

    result = process_recording(wav(stereo))

    with wave.open(io.BytesIO(result.wav)) as out:
        assert (out.getframerate(), out.getnchannels(), out.getsampwidth()) == (8000, 1, 2)
    assert abs(result.duration_ms - 2000) <= 300


def test_8bit_16k_input_is_widened_and_resampled() -> None:
    source = silence(500, 16000) + sine(2000, rate=16000) + silence(500, 16000)
    result = process_recording(wav(source.set_sample_width(1)))

    out = decoded(result)
    assert (out.frame_rate, out.channels, out.sample_width) == (8000, 1, 2)
    assert result.active_dbfs == pytest.approx(-18, abs=1)


def test_prepare_segment_works_on_audio_segments() -> None:
    out = prepare_segment(silence(1000) + sine(3000, rate=16000).set_frame_rate(8000))

    assert (out.frame_rate, out.channels, out.sample_width) == (8000, 1, 2)
    assert abs(len(out) - 3000) <= 300
    with pytest.raises(RecordingRefused):
        prepare_segment(silence(3000))


# --- loudness ------------------------------------------------------------------------


def test_quiet_recording_is_raised_to_the_target() -> None:
    quiet = sine(3000, volume=-32)  # RMS -35 dBFS
    result = process_recording(wav(silence(500) + quiet + silence(500)))

    assert result.gain_db == pytest.approx(17, abs=0.5)
    assert result.active_dbfs == pytest.approx(-18, abs=0.5)
    assert rms_dbfs(decoded(result)) == pytest.approx(-18, abs=1)


def hiss(ms: int, rms: float, seed: int = 8) -> AudioSegment:
    """Deterministic white noise at an RMS level in dBFS (uniform samples: RMS = a/sqrt 3)."""
    rand = random.Random(seed)
    amplitude = 32768 * 10 ** (rms / 20) * math.sqrt(3)
    samples = array.array("h", (round(rand.uniform(-amplitude, amplitude)) for _ in range(ms * 8)))
    return AudioSegment(data=samples.tobytes(), sample_width=2, frame_rate=8000, channels=1)


def test_faint_voice_in_a_quiet_room_is_raised_all_the_way() -> None:
    faint = sine(3000, volume=-39)  # RMS -42 dBFS: needs +24 dB, more than a fixed cap
    room = hiss(4000, rms=-75)  # the room under it: lifting it 24 dB leaves it at -51
    result = process_recording(wav(room.overlay(silence(500) + faint + silence(500))))

    assert result.noise_floor_dbfs == pytest.approx(-75, abs=1)
    assert result.gain_db == pytest.approx(24, abs=0.5)
    assert result.active_dbfs == pytest.approx(-18, abs=0.5)


def test_gain_stops_where_the_noise_would_become_a_roar() -> None:
    faint = sine(3000, volume=-39)  # RMS -42 dBFS, needs about +24 dB ...
    traffic = hiss(4000, rms=-44)  # ... but this noise would then be at -20 dBFS
    result = process_recording(wav(traffic.overlay(silence(500) + faint + silence(500))))

    policy = RecordingPolicy()
    assert result.gain_db < policy.target_rms_dbfs - (-42) - 3
    assert result.noise_floor_dbfs + result.gain_db == pytest.approx(policy.max_noise_dbfs, abs=0.1)
    out = decoded(result)
    assert rms_dbfs(out[50:450]) == pytest.approx(policy.max_noise_dbfs, abs=1.5)  # noise only


def test_a_quiet_recording_keeps_the_soft_syllables_a_loud_one_keeps() -> None:
    def word(peak: float) -> AudioSegment:
        soft = sine(200, 300, volume=peak - 35)  # a breathy onset and a trailing "f"
        return soft + sine(1500, volume=peak) + soft

    loud = process_recording(wav(silence(1000) + word(-6) + silence(1000)))
    quiet = process_recording(wav(silence(1000) + word(-36) + silence(1000)))

    assert loud.duration_ms >= 1900  # 1.9 s of sound plus the margins
    assert quiet.duration_ms == loud.duration_ms


def test_loud_recording_is_brought_down_to_the_target() -> None:
    result = process_recording(wav(sine(3000, volume=0)))  # full scale, RMS -3 dBFS

    assert result.active_dbfs == pytest.approx(-18, abs=0.5)
    assert result.peak_dbfs < -1


def test_loud_peaks_are_limited_not_clipped() -> None:
    voice = sine(3000, volume=-20)  # RMS -23 dBFS: the target wants about +3 dB
    shout = sine(20, 1000, volume=0)  # a full-scale peak that +3 dB would clip
    result = process_recording(wav(silence(500) + voice.overlay(shout, position=1500)))

    out = decoded(result)
    assert result.gain_db == pytest.approx(-1, abs=0.2)  # limited by the peak, not the target
    assert result.peak_dbfs == pytest.approx(-1, abs=0.2)
    assert audioop.max(out.raw_data, 2) < 32767


# --- fades -----------------------------------------------------------------------------


def test_start_and_end_are_faded() -> None:
    out = decoded(process_recording(wav(sine(3000, volume=-6))))  # nothing to trim
    steady = out[1000:1100].rms

    assert out[:1].rms < 0.1 * steady
    assert out[-1:].rms < 0.1 * steady
    assert out[:10].rms < out[20:30].rms < steady * 1.05
    assert out[100:110].rms == pytest.approx(steady, rel=0.05)  # fade is short


# --- hash ------------------------------------------------------------------------------


def test_hash_is_that_of_the_wav_and_stable() -> None:
    recording = tone_wav(3, lead_silence_s=1, tail_silence_s=1)
    first, second = process_recording(recording), process_recording(recording)

    assert first.sha256 == hashlib.sha256(first.wav).hexdigest()
    assert first.sha256 == second.sha256
    assert first.wav == second.wav


def test_hash_differs_for_different_recordings() -> None:
    a = process_recording(tone_wav(3, 440, lead_silence_s=1))
    b = process_recording(tone_wav(3, 523, lead_silence_s=1))
    c = process_recording(tone_wav(3.5, 440, lead_silence_s=1))

    assert len({a.sha256, b.sha256, c.sha256}) == 3


def test_wav_bytes_are_kept_out_of_repr() -> None:
    result = process_recording(tone_wav(2))
    assert "RIFF" not in repr(result) and "sha256=" in repr(result)


# --- speed -----------------------------------------------------------------------------


def _minute_of_speech(rate: int, channels: int) -> bytes:
    """60 s of 0.7 s "words" and 0.3 s pauses, framed by silence."""
    from audio.tones import silence_segment, tone_segment

    fmt = {"rate": rate, "channels": channels}
    word = tone_segment(0.7, 300, dbfs=-20, **fmt) + silence_segment(0.3, **fmt)
    body = silence_segment(1, **fmt) + word * 58 + silence_segment(1, **fmt)
    return wav(body)


@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (44100, 2)])
def test_a_minute_of_recording_processes_well_under_a_second(rate: int, channels: int) -> None:
    recording = _minute_of_speech(rate, channels)
    assert wav_duration_ms(recording) == 60000

    started = time.perf_counter()
    result = process_recording(recording)
    elapsed = time.perf_counter() - started

    assert abs(result.duration_ms - 57940) <= 300
    assert elapsed < 1.0, f"{elapsed:.3f} s for 60 s of {rate} Hz x{channels}"
