"""Where is the speech in a recording, and how loud is it?

pydub's ``silence.detect_nonsilent`` slices the segment once per millisecond step and
builds an ``AudioSegment`` per slice; on a 60 s recording that costs seconds. Here the
level is measured once per 10 ms window (``audioop.rms`` on a memoryview slice, 100
calls per second of audio) and all decisions are made on that short list of levels.

The silence threshold is relative to the recording itself, with an absolute floor:

* ``floor_dbfs`` (-45 dBFS): anything quieter is silence, however quiet the rest is.
  A recording whose loudest part stays under the floor is "silent": even the maximum
  normalisation gain would leave it barely audible over a phone line.
* ``relative_db`` (30 dB) below the loudest *sustained* level: with a loud officer and
  street noise behind, the noise before and after the message is trimmed as well.
  "Sustained" means the level held over ``min_run_ms``, so one click of the handset
  can neither raise the threshold nor count as speech.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audio._deps import AudioSegment, audioop

WINDOW_MS = 10
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
    the RMS over the speech windows only, pauses excluded, which is what loudness
    normalisation must aim at: a message with long pauses is not "quieter".
    """

    start_ms: int
    end_ms: int
    voiced_ms: int
    threshold_dbfs: float
    reference_dbfs: float
    active_dbfs: float

    @property
    def duration_ms(self) -> int:
        """Length of the spoken part, internal pauses included."""
        return self.end_ms - self.start_ms


def find_speech(
    segment: AudioSegment,
    *,
    floor_dbfs: float = -45.0,
    relative_db: float = 30.0,
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
    threshold = max(floor_dbfs, reference - relative_db)

    runs = [r for r in _runs_above(levels, threshold) if r[1] - r[0] >= run]
    if not runs:
        return None
    first, last = runs[0][0], runs[-1][1]
    voiced = [i for start, stop in runs for i in range(start, stop)]
    mean_square = sum(rms[i] ** 2 for i in voiced) / len(voiced)
    length_ms = len(segment)
    return SpeechSpan(
        start_ms=first * window_ms,
        end_ms=min(last * window_ms, length_ms),
        voiced_ms=len(voiced) * window_ms,
        threshold_dbfs=threshold,
        reference_dbfs=reference,
        active_dbfs=amplitude_to_dbfs(math.sqrt(mean_square), width),
    )


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
