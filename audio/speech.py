"""Where is the speech in a recording, and how loud is it?

pydub's ``silence.detect_nonsilent`` slices the segment once per millisecond step and
builds an ``AudioSegment`` per slice; on a 60 s recording that costs seconds. Here the
level is measured once per 10 ms window (``audioop.rms`` on a memoryview slice, 100
calls per second of audio) and all decisions are made on that short list of levels.

Every threshold follows the recording's own levels; one absolute number remains:

* ``floor_dbfs`` (-45 dBFS) decides only whether there is speech at all: a recording
  whose loudest *sustained* level stays under it is "silent" (muted phone, nobody
  spoke). It is not a threshold for the words themselves: an officer far from the
  phone speaks at -40 dBFS, and the syllables that trail off under -45 dBFS are
  still speech.
* The noise floor (:func:`noise_floor_dbfs`): the level the recording falls back to
  between words and around the message. Speech is what rises ``noise_margin_db``
  above it, so road noise around the message is trimmed like silence.
* ``relative_db`` (30 dB) below the loudest sustained level: with no noise to speak
  of (a quiet room, a clean line), the threshold still sits at a fixed distance under
  the voice, so a quiet recording is cut at the same syllable as a loud one.
  "Sustained" means the level held over ``min_run_ms``, so one click of the handset
  can neither raise the threshold nor count as speech.

The first and last syllables start and end softer than the words between them (an
"h", a final "f"), so the speech found is widened, window by window, for as long as
the level stays above the noise (``edge_margin_db``), at most ``edge_relative_db``
under the loudest level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audio._deps import AudioSegment, audioop

WINDOW_MS = 10
NOISE_BLOCK_WINDOWS = 10
"""The noise floor is judged on 100 ms blocks: a 10 ms window of low rumble holds under
two periods of it and reads several dB under its true level, a 100 ms block about 2 dB."""
NOISE_PERCENTILE = 10
GATE_BLOCK_MS, GATE_HOP_MS, GATE_RELATIVE = 400, 100, 0.1  # -10 dB
MIN_DYNAMICS_DB = 6.0
"""The speech threshold stays at least this far under the loudest sustained level."""
FULL_SCALE = {1: 128.0, 2: 32768.0, 4: 2147483648.0}


def amplitude_to_dbfs(amplitude: float, sample_width: int = 2) -> float:
    """dBFS of a linear amplitude (RMS or peak); ``-inf`` for digital silence."""
    if amplitude <= 0:
        return -math.inf
    return 20 * math.log10(amplitude / FULL_SCALE[sample_width])


def peak_dbfs(segment: AudioSegment) -> float:
    """Highest absolute sample of the segment, in dBFS (0.0 = full scale)."""
    if not segment.raw_data:
        return -math.inf
    return amplitude_to_dbfs(
        audioop.max(segment.raw_data, segment.sample_width), segment.sample_width
    )


def rms_dbfs(segment: AudioSegment) -> float:
    """RMS level of the whole segment in dBFS (pauses included)."""
    if not segment.raw_data:
        return -math.inf
    return amplitude_to_dbfs(
        audioop.rms(segment.raw_data, segment.sample_width), segment.sample_width
    )


def window_rms(segment: AudioSegment, window_ms: int = WINDOW_MS) -> list[float]:
    """Linear RMS of each ``window_ms`` window of a mono segment (last one may be short)."""
    width = segment.sample_width
    step = max(1, segment.frame_rate * window_ms // 1000) * width * segment.channels
    view = memoryview(segment.raw_data)
    return [audioop.rms(view[i : i + step], width) for i in range(0, len(view), step)]


@dataclass(frozen=True)
class SpeechSpan:
    """The part of a recording judged to be speech, from the first to the last word.

    ``start_ms``/``end_ms`` bound the speech (without any margin); ``active_dbfs`` is
    the RMS of the speech with its pauses left out, which is what loudness
    normalisation must aim at: a message with long pauses is not "quieter". It is
    gated as ITU-R BS.1770 gates loudness (400 ms blocks, those 10 dB under the mean
    left out), so it does not depend on where the threshold fell: in traffic, where the
    threshold sits high, the level is not read off the loudest syllables alone.
    ``noise_dbfs`` is the recording's noise floor (:func:`noise_floor_dbfs`), ``-inf``
    when there is none to measure: what a gain would lift along with the voice.
    """

    start_ms: int
    end_ms: int
    voiced_ms: int
    threshold_dbfs: float
    reference_dbfs: float
    active_dbfs: float
    noise_dbfs: float = -math.inf

    @property
    def duration_ms(self) -> int:
        """Length of the spoken part, internal pauses included."""
        return self.end_ms - self.start_ms


def find_speech(
    segment: AudioSegment,
    *,
    floor_dbfs: float = -45.0,
    relative_db: float = 30.0,
    noise_margin_db: float = 10.0,
    edge_margin_db: float = 3.0,
    edge_relative_db: float = 50.0,
    min_run_ms: int = 40,
    window_ms: int = WINDOW_MS,
) -> SpeechSpan | None:
    """Locate the speech in a mono segment, or return ``None`` when there is none.

    Runs of above-threshold windows shorter than ``min_run_ms`` (clicks, pops, a key
    bump) are ignored. Returns ``None`` when no run is left: the recording is silent.
    """
    rms = window_rms(segment, window_ms)
    if not rms:
        return None
    width = segment.sample_width
    levels = [amplitude_to_dbfs(value, width) for value in rms]
    run = max(1, math.ceil(min_run_ms / window_ms))

    reference = _loudest_sustained(levels, run)
    if reference < floor_dbfs:
        return None
    noise = noise_floor_dbfs(rms, width)
    # A "floor" close under the loudest level is the voice itself (no pause at all,
    # or a steady tone), not noise: then the threshold stays just under the voice.
    threshold = max(reference - relative_db,
                    min(noise + noise_margin_db, reference - MIN_DYNAMICS_DB))
    edge = max(reference - edge_relative_db, min(noise + edge_margin_db, threshold))

    runs = [r for r in _runs_above(levels, threshold) if r[1] - r[0] >= run]
    if not runs:
        return None
    first, last = runs[0][0], runs[-1][1]
    while first > 0 and levels[first - 1] > edge:
        first -= 1
    while last < len(levels) and levels[last] > edge:
        last += 1
    voiced = sum(stop - start for start, stop in runs)
    mean_square = _gated_mean_square([value * value for value in rms[first:last]], window_ms)
    length_ms = len(segment)
    return SpeechSpan(
        start_ms=first * window_ms,
        end_ms=min(last * window_ms, length_ms),
        voiced_ms=voiced * window_ms,
        threshold_dbfs=threshold,
        reference_dbfs=reference,
        active_dbfs=amplitude_to_dbfs(math.sqrt(mean_square), width),
        noise_dbfs=noise,
    )


def noise_floor_dbfs(rms: list[float], sample_width: int = 2) -> float:
    """The level a recording keeps falling back to: its quietest tenth, on 100 ms blocks.

    Around the message and between the words, that is the room, the road or the line;
    ``-inf`` when a tenth of the recording is digital silence (a gated line has no
    noise to lift). ``rms`` is :func:`window_rms` of the segment.
    """
    blocks = [
        sum(value * value for value in rms[i : i + NOISE_BLOCK_WINDOWS])
        / len(rms[i : i + NOISE_BLOCK_WINDOWS])
        for i in range(0, len(rms), NOISE_BLOCK_WINDOWS)
    ]
    quietest = sorted(blocks)[len(blocks) * NOISE_PERCENTILE // 100]
    return amplitude_to_dbfs(math.sqrt(quietest), sample_width)


def _gated_mean_square(powers: list[float], window_ms: int) -> float:
    """Mean power of the speech's 400 ms blocks (hop 100 ms) that are not 10 dB under it.

    The relative gate of BS.1770: blocks that are mostly pause fall under it, and the
    mean of the rest is the level of the voice while it speaks.
    """
    size = max(1, GATE_BLOCK_MS // window_ms)
    hop = max(1, GATE_HOP_MS // window_ms)
    starts = range(0, max(1, len(powers) - size + 1), hop)
    blocks = [sum(powers[i : i + size]) / len(powers[i : i + size]) for i in starts]
    gate = sum(blocks) / len(blocks) * GATE_RELATIVE
    kept = [block for block in blocks if block >= gate]
    return sum(kept) / len(kept)


def _loudest_sustained(levels: list[float], run: int) -> float:
    """The highest level held for ``run`` consecutive windows (max of sliding minima)."""
    if len(levels) <= run:
        return min(levels)
    return max(min(levels[i : i + run]) for i in range(len(levels) - run + 1))


def _runs_above(levels: list[float], threshold: float) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of consecutive windows above threshold."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, level in enumerate(levels):
        if level > threshold:
            if start is None:
                start = i
        elif start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(levels)))
    return runs
