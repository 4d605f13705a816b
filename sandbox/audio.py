"""WAV helpers: what a phone "hears" from <Play> and what a caller "says" into <Record>.

Only the stdlib (``wave``, ``audioop``) is used so the sandbox needs no ffmpeg. Recordings
are stored as 16-bit mono PCM WAV, like the WAV media Twilio serves.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import wave

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000


class NotAudio(ValueError):
    """The bytes are not audio the sandbox understands (Twilio would log 12300)."""


def tone(seconds: float, freq: float = 440.0, rate: int = RATE) -> bytes:
    """A sine tone as 16-bit mono WAV: the stand-in for a caller's voice."""
    n = max(0, int(seconds * rate))
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )
    return _write(frames, rate)


def _write(frames: bytes, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def wav_duration(data: bytes) -> float:
    """Length in seconds of a WAV file; raises NotAudio when it is not one."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            return w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, struct.error) as exc:
        raise NotAudio(str(exc)) from exc


def normalize(data: bytes, max_s: float | None = None) -> tuple[bytes, float]:
    """Convert any PCM WAV to 16-bit mono WAV, cut at ``max_s``; returns (wav, seconds)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise NotAudio(str(exc)) from exc
    if width != 2:
        if width == 1:
            frames = audioop.bias(frames, 1, -128)
        frames = audioop.lin2lin(frames, width, 2)
    if channels == 2:
        frames = audioop.tomono(frames, 2, 0.5, 0.5)
    elif channels != 1:
        raise NotAudio(f"{channels} channels not supported")
    if max_s is not None:
        frames = frames[: int(max_s * rate) * 2]
    return _write(frames, rate), len(frames) / 2 / rate
