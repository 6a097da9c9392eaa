"""Recorded takes get transcripts: upload a WebM/Opus clip of synthesised speech through the real
clip API, let the recogniser (pocketsphinx, off the event loop) hear it, read it back in the review
JSON and review.md. Plus back-pressure (a full queue marks takes pending, nothing is lost), the
off switch, and deletion."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web

from mockroom.app import create_app
from mockroom.keys import STORE
from mockroom.settings import Settings
from mockroom.speech.transcripts import TRANSCRIPTS
from support.http import auth
from support.speech import (
    FIXTURES,
    RECOGNITION_TEST_TIMEOUT_S,
    RECOGNITION_WAIT_S,
    SPHINX_WER_BOUND,
    PlantedRecognizer,
    audio_room,
    review,
    silence,
    speech_samples,
    takes,
    upload_take,
    webm_opus,
    word_error_rate,
)

QUESTION = "conflict-with-teammate"
pytestmark = pytest.mark.timeout(RECOGNITION_TEST_TIMEOUT_S)


@pytest.fixture(scope="module")
def fixture_clips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes, float]]:
    """(text, WebM/Opus bytes, seconds from first to last sound) per fixture, 0.5 s lead-in."""
    tmp = tmp_path_factory.mktemp("speech")
    out = []
    for i, text in enumerate(FIXTURES):
        (tmp / str(i)).mkdir()
        speech = speech_samples(tmp / str(i), [text])
        voiced = np.nonzero(np.abs(speech.astype(np.int32)) > 328)[0]  # above 1 % of full scale
        audio = webm_opus(np.concatenate((silence(0.5), speech, silence(0.5))))
        out.append((text, audio, (voiced[-1] - voiced[0]) / 48_000))
    return out


async def test_takes_are_transcribed_with_timings_and_figures(
    client: Any, fixture_clips: list[tuple[str, bytes, float]]
) -> None:
    room = await audio_room(client)
    ids = [await upload_take(client, room, audio, take=i + 1) for i, (_, audio, _) in
           enumerate(fixture_clips)]  # fmt: skip
    await asyncio.wait_for(client.app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    views = takes(await review(client, room))
    errors, pace_errors = [], []
    for clip_id, (text, _, speech_s) in zip(ids, fixture_clips, strict=True):
        view = views[clip_id]
        assert view["status"] == "done" and view["backend"] == "pocketsphinx", view
        words = view["words"]
        assert words, view
        # Timings are in the clip's time: inside the speech, in order, confidences 0..1.
        assert 0.3 <= words[0]["start_s"] < 1.5
        assert words[-1]["end_s"] <= 0.5 + speech_s + 0.6
        assert all(a["start_s"] <= b["start_s"] for a, b in itertools.pairwise(words))
        assert all(0 <= w["confidence"] <= 1 for w in words)
        errors.append(word_error_rate(text, view["text"]))
        true_wpm = len(text.split()) / speech_s * 60
        pace_errors.append(abs(view["feedback"]["figures"][0]["number"] / true_wpm - 1))
        keys = [f["key"] for f in view["feedback"]["figures"]]
        assert keys[:5] == ["wpm", "fillers_per_min", "longest_pause", "i_vs_we", "star"]
        assert view["feedback"]["figures"][0]["at_s"] == words[0]["start_s"]
    mean = sum(errors) / len(errors)
    assert mean <= SPHINX_WER_BOUND, errors
    # Pace within 10 % on the median take: a misheard long word ("migration" -> "white race")
    # adds words, so one take in three is off by ~25 % with pocketsphinx on espeak (measured).
    assert sorted(pace_errors)[len(pace_errors) // 2] <= 0.10, pace_errors

    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review.md", headers=auth(room["tokens"]["candidate"])
    )
    text = await resp.text()
    assert "#### Transcript, take 1" in text and "Pace:" in text and "Filler words:" in text
    assert f"> {views[ids[1]]['text']}" in text


async def test_full_queue_marks_takes_pending_and_loses_none(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d", asr_queue=1, asr_workers=1))
    client = await aiohttp_client(app)
    service = app[TRANSCRIPTS]
    service.recognizer = PlantedRecognizer()  # before the pool starts: workers get this one
    # Hold the worker: the first take sits in the worker, the second fills the queue.
    for task in service._tasks:
        task.cancel()
    room = await audio_room(client)
    audio = webm_opus(silence(1.0))
    ids = [await upload_take(client, room, audio, take=i + 1) for i in range(3)]
    statuses = [(await app[STORE].transcript(i)).status for i in ids]  # type: ignore[union-attr]
    assert statuses == ["queued", "pending", "pending"]
    views = takes(await review(client, room))
    assert "pending" in views[ids[2]]["message"].lower()
    service._tasks = [asyncio.create_task(service._worker())]
    await asyncio.wait_for(service.idle(), RECOGNITION_WAIT_S)
    views = takes(await review(client, room))
    assert [views[i]["status"] for i in ids] == ["done"] * 3
    assert {views[i]["backend"] for i in ids} == {"planted"} and service.counters.takes == 3
    fillers = views[ids[0]]["feedback"]["fillers"]
    assert [f[0] for f in fillers] == ["um", "uh", "you know", "like"]
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review.md", headers=auth(room["tokens"]["candidate"])
    )
    assert "Filler words: 4 (" in await resp.text()

    # Deleting the recordings deletes what was heard in them.
    resp = await client.delete(
        f"/api/rooms/{room['room_id']}/clips", headers=auth(room["tokens"]["candidate"])
    )
    assert resp.status == 200
    assert await app[STORE].transcripts_for_room(room["room_id"]) == {}


async def test_recognition_off_says_so(aiohttp_client: Any, tmp_path: Path) -> None:
    app: web.Application = create_app(Settings(data_dir=tmp_path / "d", asr=False))
    client = await aiohttp_client(app)
    room = await audio_room(client)
    clip_id = await upload_take(client, room, webm_opus(silence(1.0)))
    view = takes(await review(client, room))[clip_id]
    assert view["status"] == "missing" and "MOCKROOM_ASR=off" in view["message"]
    assert await app[STORE].transcript(clip_id) is None


async def test_a_restart_picks_up_queued_and_pending_takes(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "d", asr_queue=1, asr_workers=1)
    first = await aiohttp_client(create_app(settings))
    for task in first.app[TRANSCRIPTS]._tasks:
        task.cancel()  # the server stops before any worker ran
    room = await audio_room(first)
    ids = [await upload_take(first, room, webm_opus(silence(1.0)), take=i + 1) for i in range(2)]
    await first.close()

    second = await aiohttp_client(create_app(settings))
    await asyncio.wait_for(second.app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    views = takes(await review(second, room))
    assert [views[i]["status"] for i in ids] == ["done", "done"]
    assert {views[i]["backend"] for i in ids} == {"pocketsphinx"}


def test_clip_audio_from_a_live_video_webm_and_bad_files(tmp_path: Path) -> None:
    """A MediaRecorder-like VP8 + Opus stream (no duration, no cues): its audio, at 16 kHz."""
    from mockroom.speech.audio import NoAudio, clip_pcm
    from support.media import make_webm

    path = tmp_path / "take.webm"
    path.write_bytes(make_webm(seconds=2.0, live=True))
    pcm = clip_pcm(path)
    assert abs(len(pcm) / 2 / 16_000 - 2.0) < 0.1
    assert np.abs(np.frombuffer(pcm, dtype=np.int16)).max() > 4000  # the tone, not silence
    path.write_bytes(b"not a recording")
    with pytest.raises(NoAudio):
        clip_pcm(path)


async def test_unreadable_take_is_marked_failed_not_an_error(client: Any) -> None:
    room = await audio_room(client)
    clip_id = await upload_take(client, room, b"\x1a\x45\xdf\xa3 broken webm" * 50)
    await asyncio.wait_for(client.app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    view = takes(await review(client, room))[clip_id]
    assert view["status"] == "failed" and "could not be read" in view["message"]
    resp = await client.get(
        f"/api/rooms/{room['room_id']}/review.md", headers=auth(room["tokens"]["candidate"])
    )
    assert resp.status == 200 and "could not be read" in await resp.text()


async def test_recognition_workers_run_at_background_priority(client: Any) -> None:
    """A busy recogniser must not delay live audio (a browser recording, the interviewer)."""
    import os

    from mockroom.speech.worker import AUTOGROUP_NICE, WORKER_NICE, worker_autogroup, worker_nice

    pool = client.app[TRANSCRIPTS].pool()
    loop = asyncio.get_running_loop()
    nice = await loop.run_in_executor(pool, worker_nice)
    assert nice >= min(19, os.nice(0) + WORKER_NICE)
    # Where the kernel groups scheduling by session, the worker has a niced session of its own.
    ours, theirs = worker_autogroup(), await loop.run_in_executor(pool, worker_autogroup)
    if ours is not None:
        assert theirs is not None and theirs != ours, theirs
        assert theirs.endswith(f"nice {AUTOGROUP_NICE}"), theirs


def test_workers_are_background_work_from_their_first_instruction() -> None:
    """Launched already niced (not only once the initializer runs, after ~1 s of imports at
    full priority): read the child's nice from outside right after it was started."""
    import os

    from mockroom.speech.pool import background_pool
    from mockroom.speech.recognizer import NullRecognizer
    from mockroom.speech.worker import WORKER_NICE, worker_nice

    pool = background_pool(1, NullRecognizer())
    try:
        future = pool.submit(worker_nice)
        pids = list(pool._processes)  # the pool's process table: started by submit
        target = min(19, os.nice(0) + WORKER_NICE)
        assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids] == [target]
        assert future.result(timeout=60) == target
        assert os.nice(0) < target  # the server's own thread kept its priority
    finally:
        pool.shutdown()
