"""The interviewer takes the candidate's audio in only while an answer window is open: outside one
nothing is decoded (bench/audio_cost.py: most of a listening session's CPU), inside one every
frame is, and read without copies.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
from av import AudioFrame

from mockroom.keys import STORE
from mockroom.scripted import metrics_for_room
from mockroom.scripted.media_in import pcm_of
from mockroom.scripted.service import SCRIPTED
from mockroom.scripted.speech import level_db
from support.scripted_peer import scripted_room, seated

RATE = 48_000


def hum(seconds: float) -> bytes:
    """A loud, steady 200 Hz tone: the meter hears it as talk in every frame."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16).tobytes()


async def packets_sent(sender: Any) -> int:
    stats = (await sender.getStats()).values()
    return max(int(getattr(s, "packetsSent", 0)) for s in stats)


async def until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_audio_is_decoded_only_inside_answer_windows(client: Any) -> None:
    room = await scripted_room(client, media="audio", think_seconds=1)
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        # The candidate talks from the first moment to the last: only the window may count it.
        cand.voice.play([hum(60)])
        await cand.negotiate()
        await cand.wait_state(peer="connected")
        session = client.app[SCRIPTED].sessions[room["room_id"]]
        assert session.pc is not None
        sender = next(s for s in cand.pc.getSenders() if s.track is not None)
        for action in ("consent", "start"):
            await cand.action(action)
        state = await cand.wait_state(phase="think")
        while state["timer"] is None:  # the question is read, then the think timer runs
            state = (await cand.next_message("scripted-state"))["state"]
        # By then the candidate has sent well over a second of audio, and none was decoded.
        assert await packets_sent(sender) > 50
        assert session.media_in.frames_heard == 0

        await cand.wait_state(phase="answer", recording=True)
        await until(lambda: session.media_in.frames_heard >= 25)  # half a second of talk, decoded
        await cand.action("done")
        await cand.wait_state(phase="after_answer")
        metrics = await metrics_for_room(client.app[STORE], room["room_id"])
        assert len(metrics) == 1 and metrics[0]["talk_ms"] > 0
        assert metrics[0]["first_word_ms"] is not None and metrics[0]["first_word_ms"] < 300

        # Closed again: another second of talk is dropped at the door (a few frames that were
        # in aiortc's jitter buffer and decoder queue at the close may still come out).
        heard, sent = session.media_in.frames_heard, await packets_sent(sender)
        deadline = time.monotonic() + 10
        while await packets_sent(sender) < sent + 50:
            assert time.monotonic() < deadline, "the candidate stopped sending"
            await asyncio.sleep(0.05)
        assert session.media_in.frames_heard - heard <= 8


def test_pcm_of_reads_a_frame_as_to_ndarray_does() -> None:
    rng = np.random.default_rng(7)
    for layout, channels in (("mono", 1), ("stereo", 2)):
        samples = rng.integers(-32768, 32767, (1, 960 * channels), dtype=np.int16)
        frame = AudioFrame.from_ndarray(samples, format="s16", layout=layout)
        assert np.array_equal(pcm_of(frame), frame.to_ndarray().reshape(-1))
    planar = AudioFrame.from_ndarray(rng.random((2, 960), dtype=np.float32), format="fltp")
    assert np.array_equal(pcm_of(planar), planar.to_ndarray())


def test_level_db_of_known_signals() -> None:
    full = np.full(960, 32767, dtype=np.int16)
    assert abs(level_db(full) - 0.0) < 0.01
    assert abs(level_db(full // 10) - -20.0) < 0.01
    assert level_db(np.zeros(960, dtype=np.int16)) < -150
    assert level_db(np.zeros(0, dtype=np.int16)) == -120.0
