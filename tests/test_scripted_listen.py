"""The interviewer takes the candidate's audio in only while an answer window is open: outside one
nothing is decoded (half an audio session's CPU, bench/audio_cost.py), inside one every frame is.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np

from mockroom.keys import STORE
from mockroom.scripted import metrics_for_room
from mockroom.scripted.service import SCRIPTED
from support.scripted_peer import Candidate, scripted_room
from support.ws import joined

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
    ws = await joined(client, room, "candidate")
    cand = Candidate(ws, video=False)
    try:
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
        assert session.frames_heard == 0

        await cand.wait_state(phase="answer", recording=True)
        await until(lambda: session.frames_heard >= 25)  # half a second of talk, decoded
        await cand.action("done")
        await cand.wait_state(phase="after_answer")
        metrics = metrics_for_room(client.app[STORE], room["room_id"])
        assert len(metrics) == 1 and metrics[0]["talk_ms"] > 0
        assert metrics[0]["first_word_ms"] is not None and metrics[0]["first_word_ms"] < 300

        # Closed again: another second of talk is dropped at the door (a few frames that were
        # in aiortc's jitter buffer and decoder queue at the close may still come out).
        heard, sent = session.frames_heard, await packets_sent(sender)
        deadline = time.monotonic() + 10
        while await packets_sent(sender) < sent + 50:
            assert time.monotonic() < deadline, "the candidate stopped sending"
            await asyncio.sleep(0.05)
        assert session.frames_heard - heard <= 8
    finally:
        await cand.close()
        await ws.close()
