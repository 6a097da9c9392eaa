"""The scripted interviewer's media pieces: speech metrics, the espeak voice cache, the tracks."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from mockroom.app import create_app
from mockroom.scripted import tts as tts_module
from mockroom.scripted.speech import AnswerMetrics, SpeechMeter
from mockroom.scripted.tracks import (
    AUDIO_SAMPLES,
    CardRenderer,
    CardTrack,
    CardView,
    VoiceTrack,
)
from mockroom.scripted.tts import RATE, Tts, read_wav, text_only_ms
from mockroom.settings import Settings
from support.http import create_room


def tone(seconds: float, db: float = -20.0, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    amplitude = 32768 * 10 ** (db / 20) * np.sqrt(2)
    wave: np.ndarray = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return wave


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.int16)


def measure(
    samples: np.ndarray, allowed_ms: int = 5000, chunk: int = 960, stereo: bool = True
) -> AnswerMetrics:
    meter = SpeechMeter()
    meter.open(allowed_ms)
    data = np.repeat(samples, 2) if stereo else samples  # interleaved like aiortc's decoder
    step = chunk * (2 if stereo else 1)
    for i in range(0, len(data), step):
        meter.feed(data[i : i + step].reshape(1, -1), RATE, 2 if stereo else 1)
    return meter.close(round(len(samples) * 1000 / RATE))


def test_talk_pause_first_word_share_on_synthetic_audio() -> None:
    audio = np.concatenate((silence(0.5), tone(1.0), silence(0.8), tone(0.5), silence(1.0)))
    m = measure(audio)
    assert abs(m.talk_ms - 1500) <= 40
    assert abs(m.longest_pause_ms - 800) <= 40
    assert m.first_word_ms is not None and abs(m.first_word_ms - 500) <= 20
    assert m.window_ms == 3800
    assert abs(m.share_used - 2.8 / 5) <= 0.01


def test_gaps_between_words_are_not_pauses() -> None:
    audio = np.concatenate((tone(0.5), silence(0.2), tone(0.5), silence(0.5)))
    m = measure(audio)
    assert abs(m.talk_ms - 1200) <= 40 and m.longest_pause_ms == 0


def test_background_noise_is_not_talk() -> None:
    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(RATE * 4) * 32768 * 10 ** (-45 / 20)).astype(np.int16)
    speech = np.concatenate((silence(1.5), tone(1.0, db=-18), silence(1.5)))
    m = measure(noise + speech)
    assert abs(m.talk_ms - 1000) <= 60
    assert m.first_word_ms is not None and abs(m.first_word_ms - 1500) <= 60


def test_silent_window_and_clicks() -> None:
    m = measure(np.concatenate((silence(1.0), tone(0.02), silence(1.0))))
    assert m.talk_ms == 0 and m.first_word_ms is None and m.share_used == 0.0
    assert m.longest_pause_ms == 0


def test_odd_chunk_sizes_give_the_same_answer() -> None:
    audio = np.concatenate((silence(0.3), tone(0.7), silence(0.4)))
    assert measure(audio, chunk=777, stereo=False) == measure(audio)


def test_closed_meter_ignores_audio() -> None:
    meter = SpeechMeter()
    meter.feed(tone(1.0), RATE)
    meter.open(1000)
    assert meter.close(1000).talk_ms == 0


async def test_espeak_speech_measures_close_to_its_length(tmp_path: Path) -> None:
    tts = Tts(tmp_path / "tts")
    speech = await tts.render("Tell me about a project you are proud of and why it mattered")
    assert speech is not None
    samples = np.frombuffer(speech.pcm, dtype="<i2")
    voiced = np.nonzero(np.abs(samples.astype(np.int32)) > 328)[0]
    truth_ms = (voiced[-1] - voiced[0]) * 1000 / RATE
    m = measure(np.concatenate((silence(0.5), samples, silence(0.5))), allowed_ms=10_000)
    assert abs(m.talk_ms - truth_ms) < 200, (m, truth_ms)
    assert m.first_word_ms is not None and abs(m.first_word_ms - 500) < 100


async def test_tts_renders_once_and_caches_on_disk(tmp_path: Path) -> None:
    tts = Tts(tmp_path / "tts")
    assert tts.available
    text = "What is your greatest strength?"
    speech = await tts.render(text)
    assert speech is not None and 1000 < speech.duration_ms < 4000
    path = tmp_path / "tts" / f"{tts.key(text)}.wav"
    samples, rate = read_wav(path.read_bytes())
    assert rate == RATE and len(samples) * 2 == len(speech.pcm)
    # The line starts at once and ends after a short pause (espeak-ng pads ~50 ms and ~350 ms).
    audible = np.nonzero(np.abs(samples.astype(np.int32)) > tts_module.AUDIBLE)[0]
    assert audible[0] <= tts_module.LEAD_KEEP_MS * RATE // 1000
    assert len(samples) - audible[-1] <= tts_module.TAIL_KEEP_MS * RATE // 1000 + 1
    assert tts.duration_ms(text) == speech.duration_ms
    # A second server reads the cached file: no espeak-ng needed.
    again = Tts(tmp_path / "tts")
    again.executable = "/nonexistent/espeak-ng"
    cached = await again.render(text)
    assert cached is not None and cached.pcm == speech.pcm
    # Both carry the line as 20 ms Opus packets, encoded once for every session (opus.py).
    assert len(speech.opus) >= speech.duration_ms // 20 and cached.opus == speech.opus
    # Many sessions asking at once render once.
    texts = [f"Question number {i}" for i in range(3)]
    await tts.render_all(texts * 4)
    assert len(list((tmp_path / "tts").glob("*.wav"))) == 4


async def test_tts_off_or_missing_runs_text_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    off = Tts(tmp_path / "tts", "off")
    assert not off.available and await off.render("Hello") is None
    assert off.duration_ms("Hello there") == text_only_ms("Hello there")
    monkeypatch.setattr("shutil.which", lambda name: None)
    with caplog.at_level(logging.WARNING):
        missing = Tts(tmp_path / "tts")
    assert not missing.available
    assert "espeak-ng was not found" in caplog.text


async def test_room_without_tts_reports_text_only(aiohttp_client: Any, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", tts="off")
    client = await aiohttp_client(create_app(settings))
    room = await create_room(client, mode="scripted", media="audio", bank="behavioral")
    ws = await client.ws_connect(f"/ws/rooms/{room['room_id']}")
    await ws.send_json({"type": "hello", "version": 1, "token": room["tokens"]["candidate"]})
    assert (await ws.receive_json(timeout=5))["type"] == "welcome"
    state = (await ws.receive_json(timeout=5))["state"]
    assert state["tts"] is False and state["media"] == "audio" and state["phase"] == "waiting"
    await ws.close()


async def test_voice_track_plays_queue_then_silence() -> None:
    track = VoiceTrack()
    clip = (np.arange(AUDIO_SAMPLES * 2 + 100) % 100 + 1).astype("<i2").tobytes()
    track.play([clip])
    frames = [await track.recv() for _ in range(5)]
    assert [f.pts for f in frames] == [i * AUDIO_SAMPLES for i in range(5)]
    arrays = [f.to_ndarray().reshape(-1) for f in frames]
    assert all(a.any() for a in arrays[:3])  # two full frames and a padded tail
    assert not arrays[2][100:].any() and not arrays[3].any() and not arrays[4].any()
    assert not track.speaking
    track.play([clip])
    track.clear()
    assert not (await track.recv()).to_ndarray().any()
    track.stop()


async def test_card_track_redraws_only_when_the_view_changes() -> None:
    views = [CardView("Question 1 of 2 · Think", "Why us?", "0:05")] * 4
    views += [CardView("Question 1 of 2 · Think", "Why us?", "0:04")] * 4
    views += [CardView("Question 1 of 2 · Answer", "Why us?", "1:00")] * 4
    shown = iter(views)
    track = CardTrack(lambda: next(shown), CardRenderer((320, 180)), fps=200)
    frames = [await track.recv() for _ in range(len(views))]
    assert track.renders == 3
    assert len({id(f) for f in frames}) == 1 or len({id(f) for f in frames}) == 3
    assert all(f.width == 320 and f.height == 180 and f.format.name == "yuv420p" for f in frames)
    first, last = frames[0].pts, frames[-1].pts
    assert first is not None and last is not None and last > first
    assert all(f.pict_type == av.video.frame.PictureType.NONE for f in frames)
    track.stop()


def test_card_renders_text_with_a_fallback_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mockroom.scripted.tracks.FONT_DIRS", ())
    frame = CardRenderer().render(CardView("Intro", "Hello " * 40, ""))
    image = np.asarray(frame.to_image())  # type: ignore[no-untyped-call]  # PyAV's stub
    assert image.shape == (360, 640, 3) and image.std() > 5  # something was drawn


def test_dataclass_is_json_friendly() -> None:
    m = measure(tone(0.5))
    assert dataclasses.asdict(m) == m.as_dict()


async def test_voice_track_with_dtx_sends_speech_and_skips_silence() -> None:
    from mockroom.scripted import tracks

    track = VoiceTrack(dtx=True)
    clip = (np.arange(AUDIO_SAMPLES * 2) % 100 + 1).astype("<i2").tobytes()
    track.play([clip])
    spoken = [await track.recv() for _ in range(2)]
    assert all(f.to_ndarray().any() for f in spoken)
    started = time.monotonic()
    # Silent now: the next frame waits for speech (or the keep-alive), then jumps on the clock.
    later = asyncio.create_task(track.recv())
    # The silence itself is under test: no barrier exists for "nothing was sent for a while".
    await asyncio.sleep(0.3)
    assert not later.done()
    track.play([clip])
    resumed = await asyncio.wait_for(later, 1)
    assert time.monotonic() - started < tracks.DTX_KEEPALIVE_S
    assert not resumed.to_ndarray().any()  # one silent frame carries the jump in time
    assert resumed.pts is not None and spoken[1].pts is not None
    assert resumed.pts >= spoken[1].pts + int(0.25 * tracks.AUDIO_RATE)
    speech = await track.recv()
    assert speech.to_ndarray().any()
    assert speech.pts == resumed.pts + AUDIO_SAMPLES
    track.stop()


async def test_closing_the_voice_ends_a_render_in_flight(tmp_path: Path) -> None:
    """A server that stops while espeak-ng renders a line leaves no process behind (it used to
    outlive the loop: an unreaped child and open pipes)."""
    marker = tmp_path / "started"
    slow = tmp_path / "slow-espeak"
    slow.write_text(
        f"#!/bin/sh\necho $$ > {marker}.tmp && mv {marker}.tmp {marker}\nexec sleep 60\n"
    )
    slow.chmod(0o755)
    tts = Tts(tmp_path / "tts")
    tts.executable = str(slow)
    render = asyncio.ensure_future(tts.render("A line that takes a minute to say"))
    # Barrier: the stand-in writes its pid once it runs (a child process gives no other signal).
    for _ in range(1000):
        if marker.exists():
            break
        await asyncio.sleep(0.01)
    pid = int(marker.read_text())
    os.kill(pid, 0)  # running
    await asyncio.wait_for(tts.close(), 10)  # not the minute the stand-in would take
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    with pytest.raises(asyncio.CancelledError):
        await render
