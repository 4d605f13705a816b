"""Audio for Buurtlijn: the officer's recording and the recorded prompts, WAV only.

Pure functions, no HTTP, database or Redis, and no ffmpeg: every step works on WAV
bytes or pydub ``AudioSegment`` objects, with the heavy lifting in C (``audioop``).

* :func:`process_recording` - WAV bytes in, :class:`ProcessedAudio` out (trimmed,
  normalised, faded, 8 kHz mono 16-bit) or :class:`RecordingRefused` with a
  :class:`Refusal` reason the call flow turns into a spoken sentence.
* :func:`prompt_file` / :func:`available_prompts` - recorded prompts on disk.
* :func:`tone_wav` / :func:`silence_wav` - fake recordings for demo and tests.
* :func:`wav_duration_ms` - length of a WAV from its header.
"""

from audio.prompts import LANGUAGES, PROMPTS_DIR, available_prompts, prompt_file, prompt_problems
from audio.recording import (
    DEFAULT_POLICY,
    ProcessedAudio,
    RecordingPolicy,
    RecordingRefused,
    Refusal,
    prepare_segment,
    process_recording,
)
from audio.telephony import to_telephony
from audio.tones import silence_wav, tone_wav
from audio.wavio import WavDecodeError, decode_wav, encode_wav, wav_duration_ms

__all__ = [
    "DEFAULT_POLICY",
    "LANGUAGES",
    "PROMPTS_DIR",
    "ProcessedAudio",
    "RecordingPolicy",
    "RecordingRefused",
    "Refusal",
    "WavDecodeError",
    "available_prompts",
    "decode_wav",
    "encode_wav",
    "prepare_segment",
    "process_recording",
    "prompt_file",
    "prompt_problems",
    "silence_wav",
    "to_telephony",
    "tone_wav",
    "wav_duration_ms",
]
