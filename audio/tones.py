"""Generated audio that stands in for an officer's voice in the demo and in tests.

The sandbox phone cannot speak, so whatever "records" a message there uploads one of
these: a tone framed by silence looks to the pipeline exactly like a spoken message
framed by the pause before and after it.

Unlike ``pydub.generators.Sine`` (a Python loop per sample), a tone is computed for
one repeating block only, the shortest whole number of periods that fits a whole number
of samples, and then repeated as bytes; a minute of tone costs milliseconds.
"""

from __future__ import annotations

import array
import math

from audio._deps import AudioSegment
from audio.wavio import encode_wav

_FULL_SCALE_16 = 32767


def tone_segment(
    seconds: float,
    freq: float = 440.0,
    *,
    dbfs: float = -12.0,
    rate: int = 8000,
    channels: int = 1,
    sample_width: int = 2,
) -> AudioSegment:
    """A sine of ``seconds`` at ``freq`` Hz whose *peak* sits at ``dbfs``.

    The same signal is written to every channel; ``sample_width`` 1, 2 or 4 bytes.
    """
    frames = round(seconds * rate)
    if frames <= 0:
        return silence_segment(0, rate=rate, channels=channels, sample_width=sample_width)
    amplitude = _FULL_SCALE_16 * 10 ** (dbfs / 20)
    block = _sine_block(freq, rate, amplitude, limit=frames)
    reps, rest = divmod(frames, len(block))
    data = block * reps + block[:rest]
    segment = AudioSegment(data=data.tobytes(), sample_width=2, frame_rate=rate, channels=1)
    return _shape(segment, channels, sample_width)


def silence_segment(
    seconds: float, *, rate: int = 8000, channels: int = 1, sample_width: int = 2
) -> AudioSegment:
    """Digital silence of ``seconds`` in the given format."""
    frames = round(seconds * rate)
    data = bytes(frames * channels * sample_width)
    return AudioSegment(data=data, sample_width=sample_width, frame_rate=rate, channels=channels)


def tone_wav(
    seconds: float,
    freq: float = 440.0,
    lead_silence_s: float = 0.0,
    tail_silence_s: float = 0.0,
    rate: int = 8000,
    *,
    dbfs: float = -12.0,
    channels: int = 1,
    sample_width: int = 2,
) -> bytes:
    """WAV bytes of silence, then a tone, then silence: a fake spoken message."""
    fmt = {"rate": rate, "channels": channels, "sample_width": sample_width}
    segment = (
        silence_segment(lead_silence_s, **fmt)
        + tone_segment(seconds, freq, dbfs=dbfs, **fmt)
        + silence_segment(tail_silence_s, **fmt)
    )
    return encode_wav(segment)


def silence_wav(
    seconds: float, rate: int = 8000, *, channels: int = 1, sample_width: int = 2
) -> bytes:
    """WAV bytes of digital silence: a recording where the officer said nothing."""
    return encode_wav(
        silence_segment(seconds, rate=rate, channels=channels, sample_width=sample_width)
    )


def _sine_block(freq: float, rate: int, amplitude: float, limit: int) -> array.array:
    """Samples of a sine that can be repeated seamlessly (or ``limit`` samples if none can).

    For an integer frequency the pattern repeats every ``rate / gcd(rate, freq)``
    samples (200 samples for 440 Hz at 8 kHz).
    """
    if float(freq).is_integer() and freq > 0:
        period = rate // math.gcd(rate, int(freq))
        length = min(period, limit)
    else:
        length = limit
    step = 2 * math.pi * freq / rate
    return array.array("h", (round(amplitude * math.sin(step * i)) for i in range(length)))


def _shape(segment: AudioSegment, channels: int, sample_width: int) -> AudioSegment:
    """Convert a mono 16-bit segment to the requested channel count and sample width."""
    if sample_width != 2:
        segment = segment.set_sample_width(sample_width)
    if channels > 1:
        segment = AudioSegment.from_mono_audiosegments(*([segment] * channels))
    return segment
