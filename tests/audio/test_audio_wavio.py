"""Reading WAV files the way carriers and test tools write them, without ffmpeg."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable

import pytest

from audio import WavDecodeError, decode_wav, encode_wav, process_recording, wav_duration_ms
from audio._deps import AudioSegment, audioop
from audio.speech import rms_dbfs
from audio.tones import tone_segment
from audio.wavio import FORMAT_ALAW, FORMAT_EXTENSIBLE, FORMAT_MULAW, read_wav_info


def riff(
    fmt_tag: int,
    channels: int,
    rate: int,
    bits: int,
    data: bytes,
    *,
    extra_chunks: bytes = b"",
    data_size: int | None = None,
    extensible: bool = False,
) -> bytes:
    """Hand-built WAV file, for encodings Python's ``wave`` module cannot write."""
    align = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH",
        FORMAT_EXTENSIBLE if extensible else fmt_tag,
        channels,
        rate,
        rate * align,
        align,
        bits,
    )
    if extensible:
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", fmt_tag) + guid_tail
    size = len(data) if data_size is None else data_size
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + extra_chunks
        + b"data"
        + struct.pack("<I", size)
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm16(seconds: float = 1.0, rate: int = 8000) -> bytes:
    return tone_segment(seconds, 440, dbfs=-6, rate=rate).raw_data


def test_duration_from_header_and_payload() -> None:
    assert wav_duration_ms(encode_wav(tone_segment(2.5, rate=8000))) == 2500
    assert wav_duration_ms(encode_wav(tone_segment(1.25, rate=44100, channels=2))) == 1250
    assert wav_duration_ms(encode_wav(tone_segment(0, rate=8000))) == 0


@pytest.mark.parametrize(
    ("tag", "encode"), [(FORMAT_MULAW, audioop.lin2ulaw), (FORMAT_ALAW, audioop.lin2alaw)]
)
def test_g711_wav_is_expanded_to_16_bit(tag: int, encode: Callable[[bytes, int], bytes]) -> None:
    linear = pcm16(2)
    file = riff(tag, 1, 8000, 8, encode(linear, 2))

    segment = decode_wav(file)

    assert (segment.sample_width, segment.frame_rate, segment.channels) == (2, 8000, 1)
    assert len(segment) == 2000 == wav_duration_ms(file)
    original = AudioSegment(data=linear, sample_width=2, frame_rate=8000, channels=1)
    assert rms_dbfs(segment) == pytest.approx(rms_dbfs(original), abs=0.5)
    assert process_recording(file).duration_ms == 2000


def test_24_bit_pcm_keeps_its_level() -> None:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(3)
        out.setframerate(16000)
        out.writeframes(audioop.lin2lin(pcm16(1, 16000), 2, 3))

    segment = decode_wav(buf.getvalue())

    assert segment.sample_width == 2
    assert rms_dbfs(segment) == pytest.approx(-9.0, abs=0.3)  # -6 dBFS peak sine


def test_8_bit_unsigned_pcm_is_centred() -> None:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000)  # unsigned 8-bit silence

    segment = decode_wav(buf.getvalue())

    assert segment.sample_width == 1
    assert audioop.max(segment.raw_data, 1) == 0


def test_extensible_header_is_read() -> None:
    file = riff(1, 1, 8000, 16, pcm16(1), extensible=True)
    assert len(decode_wav(file)) == 1000


def test_odd_chunk_before_data_is_skipped_with_its_pad_byte() -> None:
    odd = b"LIST" + struct.pack("<I", 3) + b"abc" + b"\x00"
    file = riff(1, 1, 8000, 16, pcm16(1), extra_chunks=odd)
    assert decode_wav(file).raw_data == pcm16(1)


@pytest.mark.parametrize("declared", [0, 0xFFFFFFFF])
def test_streamed_wav_with_bogus_data_size_reads_to_the_end(declared: int) -> None:
    file = riff(1, 1, 8000, 16, pcm16(1), data_size=declared)
    assert wav_duration_ms(file) == 1000


def test_truncated_download_is_cut_to_whole_frames() -> None:
    file = encode_wav(tone_segment(1, rate=8000, channels=2))[:-3]
    info = read_wav_info(file)
    assert len(info.data) % 4 == 0
    assert info.frames == 8000 - 1
    assert len(decode_wav(file).raw_data) == len(info.data)


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"RIFF\x04\x00\x00\x00WAVEdata\x00\x00\x00\x00",  # no fmt
        riff(1, 1, 8000, 16, b"")[:36],  # fmt, no data
        riff(3, 1, 8000, 32, b"\x00" * 8),  # float
        riff(1, 1, 8000, 12, b"\x00" * 8),  # 12-bit PCM
        riff(1, 0, 8000, 16, b""),  # no channels
    ],
)
def test_unreadable_files_raise_one_error_type(bad: bytes) -> None:
    with pytest.raises(WavDecodeError):
        decode_wav(bad)
    assert issubclass(WavDecodeError, ValueError)


def test_encode_and_decode_round_trip() -> None:
    segment = tone_segment(0.5, 1000, rate=8000)
    assert decode_wav(encode_wav(segment)).raw_data == segment.raw_data
