"""Conversion of any PCM segment to the line format: 8 kHz, mono, 16-bit.

Everything the carrier plays to a member ends up as 8 kHz narrow-band audio anyway, so
the recording pipeline converts *first* and does all its analysis on the small 8 kHz
copy: a 60 s recording is then 480 000 samples whatever it came in as.

All steps run in C (``audioop``); there is no Python loop over samples.
"""

from __future__ import annotations

import array

from audio._deps import AudioSegment, audioop

LINE_RATE = 8000
LINE_WIDTH = 2
LINE_CHANNELS = 1


def to_telephony(segment: AudioSegment, rate: int = LINE_RATE) -> AudioSegment:
    """Return the segment as mono 16-bit at ``rate`` (default 8 kHz), DC offset removed.

    Order matters for speed and quality: widen to 16-bit first (8-bit input would lose
    precision in the mix), mix down to mono (halves the work for stereo), remove DC
    (a constant offset would read as "not silent"), then low-pass and resample.
    """
    seg = segment
    if seg.sample_width != LINE_WIDTH:
        seg = seg.set_sample_width(LINE_WIDTH)
    data = _mix_to_mono(seg.raw_data, seg.channels)
    data = remove_dc(data)
    if seg.frame_rate != rate and data:
        if seg.frame_rate > rate:
            data = _anti_alias(data, seg.frame_rate, rate)
        data, _ = audioop.ratecv(data, LINE_WIDTH, 1, seg.frame_rate, rate, None)
    return AudioSegment(data=data, sample_width=LINE_WIDTH, frame_rate=rate, channels=1)


def _mix_to_mono(data: bytes, channels: int) -> bytes:
    """Average all channels of 16-bit interleaved audio into one.

    Stereo uses ``audioop.tomono``; more channels are split with strided array slices
    (C speed, unlike pydub's per-sample loop for that case).
    """
    if channels == 1:
        return data
    if channels == 2:
        return audioop.tomono(data, LINE_WIDTH, 0.5, 0.5)
    samples = array.array("h", data)
    mixed = b""
    for channel in range(channels):
        part = audioop.mul(samples[channel::channels].tobytes(), LINE_WIDTH, 1 / channels)
        mixed = part if not mixed else audioop.add(mixed, part, LINE_WIDTH)
    return mixed


def remove_dc(data: bytes) -> bytes:
    """Subtract the mean of 16-bit mono audio, unless that would overflow a sample.

    Cheap phone front-ends and some sound cards add a constant offset; left in, it
    makes true silence measure as, say, -40 dBFS and defeats silence trimming.
    ``audioop.bias`` wraps around on overflow, so the shift is skipped in the (only
    theoretical for real recordings) case that it would push a sample out of range.
    """
    if not data:
        return data
    offset = audioop.avg(data, LINE_WIDTH)
    if offset == 0:
        return data
    low, high = audioop.minmax(data, LINE_WIDTH)
    if low - offset < -32768 or high - offset > 32767:
        return data
    return audioop.bias(data, LINE_WIDTH, -offset)


def _anti_alias(data: bytes, from_rate: int, to_rate: int) -> bytes:
    """Low-pass 16-bit mono audio before decimation with a moving-average filter.

    ``audioop.ratecv`` interpolates without filtering, so 4-20 kHz content of a
    44.1 kHz file would fold back into the telephone band as hiss. A box-car over
    ``from_rate / to_rate`` samples (built from shifted copies, mul + add in C) puts its
    first null at the new sampling rate and damps the fold-back by 8-14 dB (5-10 kHz
    input), for a loss of about 2.5 dB at 3 kHz, which a telephone line loses anyway.
    """
    taps = round(from_rate / to_rate)
    if taps < 2:
        return data
    frame = LINE_WIDTH
    total = len(data)
    scaled = audioop.mul(data, frame, 1 / taps)
    out = scaled
    for shift in range(1, taps):
        out = audioop.add(out, bytes(shift * frame) + scaled[: total - shift * frame], frame)
    return out
