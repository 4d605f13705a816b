"""Recorded prompts: human-voice WAV files that replace text-to-speech when present.

A prompt key (e.g. ``callback_notice``) is spoken with ``<Say>`` unless a recording
``<base>/<lang>/<key>.wav`` exists; the base is ``audio/prompts/`` by default. There is
deliberately no fallback to another language: a Dutch recording played to a French
member is worse than French text-to-speech, so a missing file means "use TTS".

Lookups are plain file-system checks, so a prompt dropped into the folder is used on the
next call without a restart. :func:`prompt_problems` checks the files' format, for a
deploy check or a CLI command.
"""

from __future__ import annotations

import re
from pathlib import Path

from audio.wavio import FORMAT_ALAW, FORMAT_MULAW, WavDecodeError, read_wav_info

LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en")
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
SUFFIX = ".wav"

# Keys become file names: no separators, no leading dot, so a key cannot leave the folder.
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def _check(key: str, lang: str) -> None:
    """Reject unknown languages and keys that are not safe file names (caller's bug)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid prompt key {key!r}")


def prompt_file(key: str, lang: str, base_dir: Path = PROMPTS_DIR) -> Path | None:
    """The recorded prompt for ``key`` in ``lang``, or ``None`` when there is none.

    ``None`` means the caller speaks the text with TTS. An empty file counts as missing
    (an aborted copy must not turn a prompt into silence). Raises ``ValueError`` for a
    language outside :data:`LANGUAGES` or a key that is not a plain file name.
    """
    _check(key, lang)
    path = Path(base_dir) / lang / f"{key}{SUFFIX}"
    try:
        return path if path.is_file() and path.stat().st_size > 0 else None
    except OSError:
        return None


def available_prompts(base_dir: Path = PROMPTS_DIR) -> dict[str, list[str]]:
    """Keys with a recorded prompt, per language (every language present, sorted keys)."""
    found: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        folder = Path(base_dir) / lang
        keys = []
        if folder.is_dir():
            for path in folder.iterdir():
                key = path.name[: -len(SUFFIX)]
                if (
                    path.name.endswith(SUFFIX)
                    and _KEY.fullmatch(key)
                    and prompt_file(key, lang, base_dir)
                ):
                    keys.append(key)
        found[lang] = sorted(keys)
    return found


def prompt_problems(base_dir: Path = PROMPTS_DIR) -> list[str]:
    """Human-readable problems with the recorded prompts; an empty list means all is well.

    Prompts are played as they are, so they should already be in the line format:
    8 kHz mono, 16-bit PCM (or G.711 mu-law/A-law, which phones play natively).
    Anything else costs a transcode at the carrier or does not play at all.
    """
    problems: list[str] = []
    for lang, keys in available_prompts(base_dir).items():
        for key in keys:
            name = f"{lang}/{key}{SUFFIX}"
            try:
                info = read_wav_info((Path(base_dir) / name).read_bytes())
            except (OSError, WavDecodeError) as exc:
                problems.append(f"{name}: unreadable ({exc})")
                continue
            g711 = info.format_tag in (FORMAT_MULAW, FORMAT_ALAW)
            if (
                info.frame_rate != 8000
                or info.channels != 1
                or not (g711 or info.bits_per_sample == 16)
            ):
                problems.append(
                    f"{name}: {info.frame_rate} Hz, {info.channels} channel(s), "
                    f"{info.bits_per_sample}-bit; expected 8000 Hz mono 16-bit"
                )
            elif info.frames == 0:
                problems.append(f"{name}: no audio")
    return problems
