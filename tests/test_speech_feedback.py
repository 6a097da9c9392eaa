"""Speaking feedback is pure: known timed words in, exact figures (with their moments) out."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mockroom.settings import ConfigError, load_settings
from mockroom.speech.feedback import parse_fillers, rubric_terms, speaking_feedback
from mockroom.speech.recognizer import RecognizerUnavailable, Word
from mockroom.speech.transcripts import make_recognizer


def timed(
    text: str, start: float = 1.0, step: float = 0.4, pauses: dict[int, float] | None = None
) -> list[Word]:
    """One word every `step` seconds from `start`; pauses[i] adds silence before word i."""
    words, at = [], start
    for i, token in enumerate(text.split()):
        at += (pauses or {}).get(i, 0.0)
        words.append(Word(token, round(at, 2), round(at + step * 0.8, 2), 0.9))
        at += step
    return words


def test_planted_fillers_are_counted_exactly_with_their_moments() -> None:
    text = "um so I think uh we you know sort of shipped it like on time um yes"
    words = timed(text)
    fb = speaking_feedback(words)
    assert [f for f, _ in fb.fillers] == ["um", "uh", "you know", "sort of", "like", "um"]
    assert fb.fillers[0][1] == words[0].start_s and fb.fillers[2][1] == words[6].start_s
    figure = fb.figure("fillers_per_min")
    minutes = (words[-1].end_s - words[0].start_s) / 60
    assert figure.number == pytest.approx(6 / minutes, abs=0.01)
    assert figure.at_s == words[0].start_s and "filler" in figure.advice.lower()
    # "know" alone and "sort" alone are not fillers.
    assert speaking_feedback(timed("I know the sort we need")).fillers == ()


def test_configured_filler_list() -> None:
    assert parse_fillers(" Um , basically,,YOU  know ") == ("um", "basically", "you know")
    fb = speaking_feedback(timed("basically um it works"), fillers=parse_fillers("basically"))
    assert fb.fillers == (("basically", 1.0),)


def test_pace_pause_pronouns_and_their_moments() -> None:
    # 30 words, one every 0.4 s: 150 words a minute over the spoken span, a 3.5 s pause at 20.
    words = timed(" ".join(["we"] * 4 + ["I"] * 2 + ["word"] * 24), pauses={20: 3.5})
    fb = speaking_feedback(words)
    span_min = (words[-1].end_s - words[0].start_s) / 60
    assert fb.figure("wpm").number == pytest.approx(30 / span_min, rel=0.001)
    pause = fb.figure("longest_pause")
    assert pause.number == pytest.approx(3.5 + 0.4 * 0.2, abs=0.01)
    assert pause.at_s == words[19].end_s and "think" in pause.advice
    pronouns = fb.figure("i_vs_we")
    assert pronouns.value == "I 2 · we 4" and pronouns.at_s == words[0].start_s
    assert "we" in pronouns.advice.lower()


def test_star_cues_and_rubric_terms() -> None:
    text = (
        "at the time our billing was slow my task was to fix it so i rewrote the queue "
        "as a result latency dropped forty percent"
    )
    words = timed(text)
    rubric = ["Quantified result", "Explains the trade-off"]
    fb = speaking_feedback(words, rubric=rubric)
    assert set(fb.star) == {"situation", "task", "action", "result"}
    assert all(at is not None for at in fb.star.values())
    assert fb.figure("star").value.startswith("4 of 4")
    assert rubric_terms(rubric) == ["quantified", "result", "explains", "trade-off"]
    assert rubric_terms(["Own actions, not the team's"]) == ["actions", "team's"]
    assert [t for t, _ in fb.terms_used] == ["result"]
    assert fb.terms_missed == ("quantified", "explains", "trade-off")
    assert "quantified" in fb.figure("rubric_terms").advice
    empty = speaking_feedback([])
    assert empty.figure("wpm").number is None and empty.figure("star").number == 0


def test_settings_and_backend_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings({"MOCKROOM_ASR": "off", "MOCKROOM_FILLER_WORDS": "um, er"})
    assert settings.asr is False and settings.filler_words == "um, er"
    with pytest.raises(ConfigError, match="MOCKROOM_ASR_BACKEND"):
        load_settings({"MOCKROOM_ASR_BACKEND": "cloud"})
    whisper = load_settings({"MOCKROOM_ASR_BACKEND": "faster-whisper"})
    with pytest.raises(RecognizerUnavailable, match="MOCKROOM_ASR_MODEL_DIR"):
        make_recognizer(whisper)
    empty_dir = load_settings(
        {"MOCKROOM_ASR_BACKEND": "faster-whisper", "MOCKROOM_ASR_MODEL_DIR": str(tmp_path)}
    )
    with pytest.raises(RecognizerUnavailable, match=r"no model\.bin"):
        make_recognizer(empty_dir)
    (tmp_path / "model.bin").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # as if it were not installed
    with pytest.raises(RecognizerUnavailable, match="pip install faster-whisper"):
        make_recognizer(empty_dir)
    assert make_recognizer(load_settings({})).name == "pocketsphinx"
