"""Recorded prompts on disk: lookup without language fallback, listing, format check."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio import PROMPTS_DIR, available_prompts, prompt_file, prompt_problems, tone_wav


def put(base: Path, lang: str, key: str, data: bytes) -> Path:
    path = base / lang / f"{key}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_recorded_prompt_is_found_in_its_language(tmp_path: Path) -> None:
    path = put(tmp_path, "fr", "goodbye", tone_wav(1))

    assert prompt_file("goodbye", "fr", tmp_path) == path


def test_no_fallback_to_another_language(tmp_path: Path) -> None:
    put(tmp_path, "nl", "goodbye", tone_wav(1))

    assert prompt_file("goodbye", "nl", tmp_path) is not None
    assert prompt_file("goodbye", "fr", tmp_path) is None
    assert prompt_file("goodbye", "en", tmp_path) is None


def test_missing_and_empty_files_mean_text_to_speech(tmp_path: Path) -> None:
    assert prompt_file("callback_notice", "nl", tmp_path) is None
    put(tmp_path, "nl", "callback_notice", b"")
    assert prompt_file("callback_notice", "nl", tmp_path) is None


@pytest.mark.parametrize("key", ["../secret", "nl/goodbye", ".hidden", "", "Goodbye"])
def test_keys_that_are_not_plain_file_names_are_rejected(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        prompt_file(key, "nl", tmp_path)


def test_unknown_language_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        prompt_file("goodbye", "es", tmp_path)


def test_available_prompts_lists_keys_per_language(tmp_path: Path) -> None:
    put(tmp_path, "nl", "goodbye", tone_wav(1))
    put(tmp_path, "nl", "callback_notice", tone_wav(1))
    put(tmp_path, "de", "goodbye", tone_wav(1))
    put(tmp_path, "de", "empty", b"")
    (tmp_path / "de" / "notes.txt").write_text("not a prompt")

    assert available_prompts(tmp_path) == {
        "nl": ["callback_notice", "goodbye"],
        "fr": [],
        "de": ["goodbye"],
        "en": [],
    }


def test_prompt_problems_names_files_in_the_wrong_format(tmp_path: Path) -> None:
    put(tmp_path, "nl", "goodbye", tone_wav(1))  # 8 kHz mono 16-bit: fine
    put(tmp_path, "fr", "goodbye", tone_wav(1, rate=44100, channels=2))
    put(tmp_path, "en", "goodbye", b"RIFF garbage")

    problems = prompt_problems(tmp_path)

    assert len(problems) == 2
    assert any(p.startswith("fr/goodbye.wav: 44100 Hz, 2 channel(s)") for p in problems)
    assert any(p.startswith("en/goodbye.wav: unreadable") for p in problems)


def test_default_folder_is_the_package_prompts_folder() -> None:
    assert Path(__file__).resolve().parents[2] / "audio" / "prompts" == PROMPTS_DIR
    assert (PROMPTS_DIR / "README.md").is_file()
