"""WAV bytes <-> ``AudioSegment``, without ffmpeg.

Why not just ``AudioSegment.from_wav``? pydub's own WAV reader only accepts linear PCM
and falls back to ffmpeg for anything else, which is not installed. Recordings reach us
from a carrier and from test files, so this reader also accepts what those produce and
pydub does not handle (correctly):

* G.711 mu-law and A-law WAVs (format tags 7 and 6), the native telephone encodings;
* 24-bit PCM (pydub keeps 24-bit samples unscaled in a 32-bit container, which makes
  them ~48 dB too quiet after any width conversion);
* ``WAVE_FORMAT_EXTENSIBLE`` headers, odd-sized chunks with their pad byte, and data
  chunks whose declared size is wrong (streamed writers put 0 or 0xFFFFFFFF there), or
  truncated in the middle of a frame (a cut-off download).

Everything it cannot read raises :class:`WavDecodeError`, a ``ValueError``, so callers
have one exception to turn into "the recording could not be read".

Encoding always goes through pydub's ffmpeg-free ``export(format="wav")``.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from audio._deps import AudioSegment, audioop

FORMAT_PCM = 0x0001
FORMAT_ALAW = 0x0006
FORMAT_MULAW = 0x0007
FORMAT_EXTENSIBLE = 0xFFFE

_PCM_BITS = (8, 16, 24, 32)


class WavDecodeError(ValueError):
    """The bytes are not a WAV file this package can read (or not a WAV at all)."""


@dataclass(frozen=True)
class WavInfo:
    """What the header of a WAV file says, plus the audio payload.

    ``data`` is already cut to a whole number of frames, so ``frames`` is exact even
    for a truncated download.
    """

    format_tag: int
    channels: int
    frame_rate: int
    bits_per_sample: int
    data: bytes

    @property
    def block_align(self) -> int:
        """Bytes per frame (all channels of one sample instant)."""
        return self.channels * max(1, self.bits_per_sample // 8)

    @property
    def frames(self) -> int:
        """Number of complete frames in ``data``."""
        return len(self.data) // self.block_align

    @property
    def duration_ms(self) -> int:
        """Length in whole milliseconds, rounded to nearest."""
        return round(self.frames * 1000 / self.frame_rate)


def read_wav_info(wav_bytes: bytes) -> WavInfo:
    """Parse the RIFF chunks of a WAV file and validate its format.

    Raises :class:`WavDecodeError` when the file is not RIFF/WAVE, has no ``fmt `` or
    ``data`` chunk, or uses an encoding other than PCM 8/16/24/32-bit, mu-law or A-law.
    """
    buf = memoryview(wav_bytes)
    if len(buf) < 12 or bytes(buf[0:4]) != b"RIFF" or bytes(buf[8:12]) != b"WAVE":
        raise WavDecodeError("not a RIFF/WAVE file")

    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    pos = 12
    while pos + 8 <= len(buf):
        chunk_id = bytes(buf[pos : pos + 4])
        (size,) = struct.unpack_from("<I", buf, pos + 4)
        body_start = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(bytes(buf[body_start : body_start + size]))
        elif chunk_id == b"data":
            # The data chunk runs to the end of the file when its size is bogus
            # (0 or 0xFFFFFFFF from a streaming writer, or larger than what arrived).
            end = body_start + size
            if size == 0 or end > len(buf):
                end = len(buf)
            data = bytes(buf[body_start:end])
            if fmt is not None:
                break
        pos = body_start + size + (size & 1)  # chunks are word-aligned

    if fmt is None:
        raise WavDecodeError("no fmt chunk")
    if data is None:
        raise WavDecodeError("no data chunk")
    format_tag, channels, frame_rate, bits = fmt
    info = WavInfo(format_tag, channels, frame_rate, bits, b"")
    whole = len(data) - len(data) % info.block_align
    return WavInfo(format_tag, channels, frame_rate, bits, data[:whole])


def _parse_fmt(body: bytes) -> tuple[int, int, int, int]:
    """Return (format tag, channels, frame rate, bits per sample) of a ``fmt `` chunk."""
    if len(body) < 16:
        raise WavDecodeError("fmt chunk too short")
    format_tag, channels, frame_rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", body)
    if format_tag == FORMAT_EXTENSIBLE:
        if len(body) < 26:
            raise WavDecodeError("extensible fmt chunk too short")
        # The real format tag is the first two bytes of the SubFormat GUID.
        (format_tag,) = struct.unpack_from("<H", body, 24)
    if channels < 1:
        raise WavDecodeError("no channels")
    if frame_rate < 1:
        raise WavDecodeError("frame rate is zero")
    if format_tag == FORMAT_PCM:
        if bits not in _PCM_BITS:
            raise WavDecodeError(f"unsupported PCM sample size: {bits} bits")
    elif format_tag in (FORMAT_MULAW, FORMAT_ALAW):
        if bits != 8:
            raise WavDecodeError(f"G.711 with {bits} bits per sample")
    else:
        raise WavDecodeError(f"unsupported WAV encoding 0x{format_tag:04X}")
    return format_tag, channels, frame_rate, bits


def decode_wav(wav_bytes: bytes) -> AudioSegment:
    """Turn WAV bytes into an ``AudioSegment`` of signed linear PCM.

    G.711 is expanded to 16-bit, 24-bit PCM is narrowed to 16-bit (both in C, via
    ``audioop``), 8/16/32-bit PCM is kept as is. Rate and channels are untouched; see
    :func:`audio.telephony.to_telephony` for the conversion to the line format.
    """
    info = read_wav_info(wav_bytes)
    data = info.data
    width = info.bits_per_sample // 8
    if info.format_tag == FORMAT_MULAW:
        data, width = audioop.ulaw2lin(data, 2), 2
    elif info.format_tag == FORMAT_ALAW:
        data, width = audioop.alaw2lin(data, 2), 2
    elif width == 1:
        data = audioop.bias(data, 1, -128)  # WAV 8-bit is unsigned, pydub's is signed
    elif width == 3:
        data, width = audioop.lin2lin(data, 3, 2), 2
    return AudioSegment(
        data=data, sample_width=width, frame_rate=info.frame_rate, channels=info.channels
    )


def encode_wav(segment: AudioSegment) -> bytes:
    """Serialise a segment as a plain PCM WAV (pydub's ffmpeg-free export path)."""
    out = io.BytesIO()
    segment.export(out, format="wav")
    return out.getvalue()


def wav_duration_ms(wav_bytes: bytes) -> int:
    """Duration of a WAV file in milliseconds, from its header and payload size only.

    Cheap enough to call on every download (no sample is decoded), and correct for
    mu-law/A-law and truncated files, where the header's data size cannot be trusted.
    """
    return read_wav_info(wav_bytes).duration_ms
