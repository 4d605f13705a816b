"""The officer's recording: check it, clean it up, hand back line-ready WAV bytes.

The recording line records whatever the officer says after the beep. Before it can be
played to every member it must be (1) worth sending at all: not silent, not a cough, so
the officer can be told at once, in words, why to record again; and (2) pleasant on
the phone: no seconds of dead air before the first word, the same loudness as every
other message whatever phone or distance from the microphone, no click at start or end,
and in the format the carrier plays without transcoding (8 kHz mono 16-bit PCM).

Contract: ``process_recording(wav_bytes) -> ProcessedAudio`` or ``RecordingRefused``.
Refusal is an exception rather than a result variant because the caller (a job) has
nothing useful to do with a refused recording except report the reason; ``reason`` is
a :class:`Refusal`, a string enum the call flow maps to a spoken sentence.

Each step is also a pure ``AudioSegment -> AudioSegment`` function, for reuse and tests.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from enum import StrEnum

from audio._deps import AudioSegment
from audio.speech import SpeechSpan, find_speech, peak_dbfs, rms_dbfs
from audio.telephony import to_telephony
from audio.wavio import WavDecodeError, decode_wav, encode_wav


class Refusal(StrEnum):
    """Why a recording cannot be sent; the values are stable codes for flows and logs."""

    SILENT = "silent"
    """Nothing above the silence floor: muted phone, or nobody spoke."""

    TOO_SHORT = "too_short"
    """Speech found, but from first to last word it lasts less than the minimum."""

    UNREADABLE = "unreadable"
    """The bytes are not a WAV we can decode (corrupt download, unknown encoding)."""


class RecordingRefused(Exception):
    """The recording must not be broadcast; ``reason`` says why, ``detail`` for logs."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class RecordingPolicy:
    """The tunable numbers of the pipeline, with defaults chosen for phone speech.

    * ``min_speech_ms``: the issue's "under a second is refused".
    * ``silence_floor_dbfs``: a recording whose loudest sustained level stays under
      it is refused as silent; ``silence_relative_db``: see :mod:`audio.speech`.
    * ``margin_ms``: silence kept around the speech so the first consonant and the
      decay of the last word are not clipped by the 10 ms analysis grid.
    * ``target_rms_dbfs``: the active speech level aimed at; -18 dBFS leaves room for
      speech's 12-18 dB crest factor under the ``peak_ceiling_dbfs``.
    * ``peak_ceiling_dbfs``: the gain is lowered until the highest peak sits here; the
      pipeline never clips.
    * ``max_noise_dbfs``: the gain never lifts the recording's noise floor above this,
      8 dB under the speech target, so the noise under a faint voice is not
      amplified into a roar. The limit is the recording's own: an officer far from the
      phone in a quiet room (floor -70 dBFS) is lifted by 30 dB and more and sounds
      like everyone else; a faint voice in traffic is lifted until the traffic
      reaches this level. A floor already above it is not lifted, nor lowered for it.
    * ``fade_ms``: fade in and out so playback never starts or ends with a click.
    """

    min_speech_ms: int = 1000
    silence_floor_dbfs: float = -45.0
    silence_relative_db: float = 30.0
    margin_ms: int = 120
    target_rms_dbfs: float = -18.0
    peak_ceiling_dbfs: float = -1.0
    max_noise_dbfs: float = -26.0
    fade_ms: int = 30


DEFAULT_POLICY = RecordingPolicy()


@dataclass(frozen=True)
class ProcessedAudio:
    """A recording ready for broadcast.

    ``wav`` is 8 kHz mono 16-bit PCM; ``sha256`` (hex) of exactly those bytes, usable
    as a content address for storage and to spot an identical re-upload;
    ``duration_ms`` of the processed audio; levels measured on the output
    (``rms_dbfs`` over the whole file, ``active_dbfs`` over the speech only);
    ``gain_db`` applied, ``source_duration_ms`` of the input and its
    ``noise_floor_dbfs`` (``-inf``: none measurable), for the audit log.
    """

    wav: bytes = field(repr=False)
    duration_ms: int
    sha256: str
    peak_dbfs: float
    rms_dbfs: float
    active_dbfs: float
    gain_db: float
    source_duration_ms: int
    noise_floor_dbfs: float = -math.inf


def process_recording(wav_bytes: bytes, policy: RecordingPolicy = DEFAULT_POLICY) -> ProcessedAudio:
    """Check and clean up a recording given as WAV bytes of any rate/width/channels.

    Raises :class:`RecordingRefused` with ``Refusal.UNREADABLE``, ``SILENT`` or
    ``TOO_SHORT``; otherwise returns the processed audio and its facts.
    """
    try:
        source = decode_wav(wav_bytes)
    except WavDecodeError as exc:
        raise RecordingRefused(Refusal.UNREADABLE, str(exc)) from exc
    out, span, gain = _pipeline(source, policy)
    wav = encode_wav(out)
    return ProcessedAudio(
        wav=wav,
        duration_ms=len(out),
        sha256=hashlib.sha256(wav).hexdigest(),
        peak_dbfs=round(peak_dbfs(out), 2),
        rms_dbfs=round(rms_dbfs(out), 2),
        active_dbfs=round(span.active_dbfs + gain, 2),
        gain_db=round(gain, 2),
        source_duration_ms=len(source),
        noise_floor_dbfs=round(span.noise_dbfs, 2),
    )


def prepare_segment(
    segment: AudioSegment, policy: RecordingPolicy = DEFAULT_POLICY
) -> AudioSegment:
    """The whole pipeline on an ``AudioSegment``: line format, checked, trimmed, levelled.

    Raises :class:`RecordingRefused` (``SILENT`` or ``TOO_SHORT``) like
    :func:`process_recording`.
    """
    return _pipeline(segment, policy)[0]


def _pipeline(
    segment: AudioSegment, policy: RecordingPolicy
) -> tuple[AudioSegment, SpeechSpan, float]:
    """Run the steps in order; return the result, the speech found and the gain used."""
    line = to_telephony(segment)
    span = assess(line, policy)
    trimmed = trim_to_speech(line, span, policy.margin_ms)
    gain = normalisation_gain(trimmed, span.active_dbfs, policy, span.noise_dbfs)
    return with_fades(trimmed.apply_gain(gain), policy.fade_ms), span, gain


def assess(segment: AudioSegment, policy: RecordingPolicy = DEFAULT_POLICY) -> SpeechSpan:
    """Find the speech or refuse the recording. Expects mono (use :func:`to_telephony`)."""
    span = find_speech(
        segment,
        floor_dbfs=policy.silence_floor_dbfs,
        relative_db=policy.silence_relative_db,
    )
    if span is None:
        raise RecordingRefused(Refusal.SILENT, "no speech above the silence threshold")
    if span.duration_ms < policy.min_speech_ms:
        raise RecordingRefused(
            Refusal.TOO_SHORT,
            f"speech lasts {span.duration_ms} ms, minimum {policy.min_speech_ms} ms",
        )
    return span


def trim_to_speech(segment: AudioSegment, span: SpeechSpan, margin_ms: int) -> AudioSegment:
    """Cut leading and trailing silence, keeping ``margin_ms`` around the speech."""
    start = max(0, span.start_ms - margin_ms)
    end = min(len(segment), span.end_ms + margin_ms)
    return segment[start:end]


def normalisation_gain(
    segment: AudioSegment,
    active_dbfs: float,
    policy: RecordingPolicy = DEFAULT_POLICY,
    noise_dbfs: float = -math.inf,
) -> float:
    """The gain in dB that brings the speech level to the target without clipping.

    The smallest of: what reaches ``target_rms_dbfs``, what puts the highest peak at
    ``peak_ceiling_dbfs``, and what lifts the noise floor ``noise_dbfs`` to
    ``max_noise_dbfs`` (never below 0 dB: noise is no reason to turn a voice down).
    Attenuation is not capped: a shouted message is brought down to the target like
    any other.
    """
    wanted = policy.target_rms_dbfs - active_dbfs
    peak = peak_dbfs(segment)
    headroom = policy.peak_ceiling_dbfs - peak if math.isfinite(peak) else wanted
    noise_room = max(0.0, policy.max_noise_dbfs - noise_dbfs)
    return min(wanted, headroom, noise_room)


def with_fades(segment: AudioSegment, fade_ms: int) -> AudioSegment:
    """Fade in and out over ``fade_ms`` (per-sample ramps), against clicks at the edges."""
    if fade_ms <= 0 or len(segment) < 2 * fade_ms:
        return segment
    return segment.fade_in(fade_ms).fade_out(fade_ms)
