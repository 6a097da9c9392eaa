"""Recognition never stalls the event loop, and every finished clip is transcribed.

pocketsphinx holds the GIL while it decodes: run in a thread, a 10 s take stalled the loop for
about 4 s (live sessions and the scripted browser tests broke). Decoding now runs in worker
processes. The proof is a ticking task on the loop while real takes are recognised: its worst
lateness must stay far below the old stall. The bound is wide on purpose (2 shared cores, other
engineers' tests running): the thing under test is "not blocked", not speed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from mockroom.recordings.clips import ClipRequest
from mockroom.recordings.store import CLIPS
from mockroom.speech.transcripts import TRANSCRIPTS
from support.speech import (
    FIXTURES,
    RECOGNITION_TEST_TIMEOUT_S,
    RECOGNITION_WAIT_S,
    audio_room,
    review,
    silence,
    speech_samples,
    takes,
    upload_take,
    webm_opus,
)

pytestmark = pytest.mark.timeout(RECOGNITION_TEST_TIMEOUT_S)
TICK_S = 0.02
# The thread-based recogniser stalled the loop ~4 s per 10 s take; a loop that is not blocked
# stays within tens of milliseconds here even under load. 1 s is far from both.
MAX_LAG_S = 1.0


@pytest.fixture(scope="module")
def long_take(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """About 15 s of speech (the old stall was ~4 s per 10 s take): the three fixture sentences
    with pauses, as WebM/Opus."""
    tmp = tmp_path_factory.mktemp("long")
    speech = speech_samples(tmp, list(FIXTURES), gap_s=0.7)
    return webm_opus(np.concatenate((silence(0.5), speech, silence(0.5))))


async def ticking(stop: asyncio.Event, lags: list[float]) -> None:
    """Sleep TICK_S again and again; record how late each wake-up was."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK_S)
        lags.append(time.perf_counter() - before - TICK_S)


async def test_the_loop_keeps_ticking_while_takes_are_recognised(
    client: Any, long_take: bytes
) -> None:
    service = client.app[TRANSCRIPTS]
    # Start the worker and load its model first: the measured part is recognition itself.
    warm = await audio_room(client)
    await upload_take(client, warm, webm_opus(silence(1.0)))
    await asyncio.wait_for(service.idle(), RECOGNITION_WAIT_S)

    room = await audio_room(client)
    ids = [await upload_take(client, room, long_take)]
    stop, lags = asyncio.Event(), list[float]()
    ticker = asyncio.create_task(ticking(stop, lags))
    started = time.perf_counter()
    await asyncio.wait_for(service.idle(), RECOGNITION_WAIT_S)
    busy_s = time.perf_counter() - started
    stop.set()
    await ticker
    views = takes(await review(client, room))
    assert [views[i]["status"] for i in ids] == ["done"], views
    assert all(len(views[i]["words"]) >= 10 for i in ids)  # it really recognised speech
    assert service.counters.audio_s >= 14
    assert len(lags) >= 10, (busy_s, len(lags))  # the loop ran all along
    print(f"loop lag max {max(lags) * 1000:.0f} ms over {busy_s:.1f} s of recognition")
    assert max(lags) < MAX_LAG_S, (max(lags), busy_s)


async def test_any_finalised_clip_is_transcribed(client: Any) -> None:
    """The hook is the clip store's, not the scripted upload route's: a clip finalised by any
    feature (a peer room's recorder) gets its transcript without more work."""
    room = await audio_room(client)
    clips = client.app[CLIPS]
    spec = ClipRequest("conflict-with-teammate", 3, "audio/webm")
    clip, _ = await clips.open_clip(room["room_id"], spec)
    clip = await clips.append(clip, webm_opus(silence(1.0)))
    clip = await clips.finalise(clip, 1000)
    await asyncio.wait_for(client.app[TRANSCRIPTS].idle(), RECOGNITION_WAIT_S)
    record = await clips.store.transcript(clip.id)
    assert record is not None and record.status == "done" and record.backend == "pocketsphinx"
    # Finalising again is a no-op: no second transcription is queued.
    assert (await clips.finalise(clip, 1000)).finished_at == clip.finished_at
    assert client.app[TRANSCRIPTS].counters.takes == 1
