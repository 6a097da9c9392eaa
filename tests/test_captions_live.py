"""Live captions in scripted rooms: a real aiortc candidate speaks espeak-ng fixture speech into the
server's interviewer peer; with captions on, its socket (and no other) gets `caption` frames whose
final lines hold most of the fixture's words; without, nothing is decoded at all. Bad toggles get
error frames; past the node's cap the candidate is told captions are unavailable right now."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from av import AudioFrame

from mockroom.keys import STORE
from mockroom.scripted.service import SCRIPTED
from mockroom.settings import Settings
from mockroom.speech.captions import CHUNK_MS, MAX_BACKLOG, MAX_IN_FLIGHT, CaptionService
from support.http import create_room
from support.scripted_peer import Candidate, scripted_room
from support.speech import FIXTURES, normalise, silence, speech_samples
from support.ws import fence, joined, next_of

# The share of the fixture's words that must be in the final caption lines: more than half.
# Measured on FIXTURES[1] through aiortc's Opus: 0.69-0.77 (three runs, load average 10-13 on
# 2 cores; espeak-ng's voice is hard for pocketsphinx's acoustic model); one-pass live decoding
# without the final re-decode scored 0.38-0.54, a broken pipeline (wrong rate, lost audio,
# lines never made final) under 0.3.
CAPTION_RECALL_BOUND = 0.55
SPOKEN = FIXTURES[1]
WAIT_S = 60  # the caption worker is background work on a shared 2-core machine


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", caption_streams=1)


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Half a second of silence, the fixture sentence, then 1.5 s of silence (a pause)."""
    spoken = speech_samples(tmp_path_factory.mktemp("captions"), [SPOKEN])
    return np.concatenate((silence(0.5), spoken, silence(1.5)))


def recall(reference: str, heard: str) -> float:
    """The share of the reference's words (counted with repeats) found in what was heard."""
    pool = normalise(heard)
    found = 0
    for word in normalise(reference):
        if word in pool:
            pool.remove(word)
            found += 1
    return found / max(1, len(normalise(reference)))


async def caption_where(cand: Candidate, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first caption frame this candidate got that passes `test`, waiting for it if need be
    (every frame read on the way is kept in cand.captions)."""
    for frame in cand.captions:
        if test(frame):
            return frame
    while True:
        frame = await cand.next_message("caption", WAIT_S)
        if test(frame):
            return frame


async def captioned(cand: Candidate, **want: Any) -> dict[str, Any]:
    return await caption_where(cand, lambda f: all(f.get(k) == v for k, v in want.items()))


async def into_answer(client: Any, room: dict[str, Any], captions: bool) -> Candidate:
    cand = Candidate(await joined(client, room, "candidate"), video=False)
    await cand.next_message("scripted-state")
    await cand.negotiate()
    if captions:
        await cand.ws.send_json({"type": "captions", "on": True, "id": "cc"})
        assert (await captioned(cand, state="waiting"))["v"] == 1
    await cand.action("consent")
    await cand.action("start")
    await cand.wait_state(phase="answer", timeout=30)
    return cand


async def test_the_candidate_who_asks_reads_captions_and_nobody_else_does(
    client: Any, answer: np.ndarray
) -> None:
    service = client.app[SCRIPTED].captions
    # Both rooms end an answer 4 s after its last word, so the test waits on the server.
    options = {"answer_seconds": 60, "end_on_silence_seconds": 4}
    on_room = await scripted_room(client, media="audio", **options)
    off_room = await scripted_room(client, media="audio", **options)
    on, off = await asyncio.gather(
        into_answer(client, on_room, captions=True), into_answer(client, off_room, captions=False)
    )
    try:
        assert (await captioned(on, state="live"))["v"] == 1
        on.voice.play([answer.tobytes()])
        off.voice.play([answer.tobytes()])
        # Both sockets are read at once: one left unread past the heartbeat would be dropped.
        both = await asyncio.gather(
            captioned(on, final=False), off.wait_state(phase="after_answer", timeout=WAIT_S)
        )
        partial: dict[str, Any] = both[0]
        assert partial["state"] == "live" and partial["line"] == 1 and partial["text"]
        await on.wait_state(phase="after_answer", timeout=WAIT_S)
        done = await captioned(on, complete=True)
        assert done["state"] == "waiting"  # the answer is over; captions stay on for the next
        finals = [f for f in on.captions if f.get("final")]
        heard = " ".join(f["text"] for f in finals)
        assert recall(SPOKEN, heard) >= CAPTION_RECALL_BOUND, (heard, SPOKEN)
        # Lines are numbered in order; each partial belongs to a line that becomes final.
        numbers = [f["line"] for f in finals]
        assert numbers == sorted(numbers) and numbers[0] == 1
        assert {f["line"] for f in on.captions if "line" in f} <= set(numbers)
        # The other room's candidate never asked: no frame, and nothing was decoded for it.
        await fence(off.ws)
        await fence(on.ws)
        assert off.captions == [] and service.counters.streams == 1
        assert service.busy == 0  # the answer's end freed the slot
        # Captions are shown, never stored: no transcript exists without a recorded take.
        for room in (on_room, off_room):
            assert client.app[STORE].transcripts_for_room(room["room_id"]) == {}
    finally:
        for cand in (on, off):
            await cand.close()
            await cand.ws.close()


async def test_bad_caption_toggles_get_error_frames(client: Any) -> None:
    room = await scripted_room(client, media="audio")
    ws = await joined(client, room, "candidate")
    await next_of(ws, "scripted-state")
    for frame, code, words in (
        ({"type": "captions", "id": 1}, "bad-message", "missing field 'on'"),
        ({"type": "captions", "on": "yes", "id": 2}, "bad-message", "captions.on has the wrong"),
        ({"type": "captions", "on": 1, "id": 3}, "bad-message", "captions.on has the wrong"),
        ({"type": "captions", "on": True, "lang": "en", "id": 4}, "bad-message", "lang"),
    ):
        await ws.send_json(frame)
        error = await next_of(ws, "error")
        assert (error["code"], error["id"], error["fatal"]) == (code, frame["id"], False)
        assert words in error["message"], error
    seen = await fence(ws)  # the socket is still open and answers
    assert not [m for m in seen if m["type"] == "caption"]
    await ws.close()
    # Not in a peer room (whose interviewer and candidate have no scripted session).
    peer = await create_room(client, mode="peer", media="audio", bank="behavioral")
    for role in ("interviewer", "candidate"):
        ws = await joined(client, peer, role)
        await ws.send_json({"type": "captions", "on": True, "id": "x"})
        error = await next_of(ws, "error")
        assert (error["code"], error["id"]) == ("not-scripted", "x")
        assert "'captions' messages only work" in error["message"]
        await ws.close()


async def test_over_the_cap_captions_are_unavailable_until_a_slot_frees(client: Any) -> None:
    service = client.app[SCRIPTED].captions
    assert service.limit == 1
    rooms = [await scripted_room(client, media="audio", answer_seconds=60) for _ in range(2)]
    first, second = await asyncio.gather(
        *(into_answer(client, room, captions=True) for room in rooms)
    )
    try:
        opened = [
            await caption_where(c, lambda f: f["state"] != "waiting") for c in (first, second)
        ]
        assert {f["state"] for f in opened} == {"live", "unavailable"}
        full = next(f for f in opened if f["state"] == "unavailable")
        waiting, holder = (first, second) if opened[0] is full else (second, first)
        assert "unavailable right now" in full["message"]
        assert "maximum of 1 answer" in full["message"]
        # The holder's socket closes: its stream ends, and the waiting candidate gets the slot.
        await holder.close()
        await holder.ws.close()
        live = await captioned(waiting, state="live")
        assert "message" not in live
        # Switching off ends the stream and frees the slot; nothing more comes for it.
        await waiting.ws.send_json({"type": "captions", "on": False})
        assert (await captioned(waiting, state="off"))["v"] == 1
        await fence(waiting.ws)
        assert service.busy == 0 and service.counters.refused >= 1
    finally:
        for cand in (first, second):
            await cand.close()
            if not cand.ws.closed:
                await cand.ws.close()


class Heard:
    """A CaptionListener that keeps what it is told, with an event per kind."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str, bool]] = []
        self.done = asyncio.Event()
        self.gone = asyncio.Event()
        self.why = ""

    def heard(self, lines: list[tuple[int, str, bool]]) -> None:
        self.lines += lines

    def ended(self) -> None:
        self.done.set()

    def lost(self, reason: str) -> None:
        self.why = reason
        self.gone.set()


def tone_frames(seconds: float) -> list[AudioFrame]:
    """20 ms stereo 48 kHz s16 frames, as aiortc's Opus decoder hands them over."""
    frames = []
    t = np.arange(960) / 48_000
    wave = (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    for i in range(int(seconds * 50)):
        frame = AudioFrame.from_ndarray(np.repeat(wave, 2).reshape(1, -1), "s16", "stereo")
        frame.sample_rate, frame.pts = 48_000, i * 960
        frames.append(frame)
    return frames


async def until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    """Wait for a condition of the service's own state (no event exists for an acknowledgement)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_worker_that_falls_behind_costs_words_never_memory(settings: Settings) -> None:
    service = CaptionService(settings)
    listener = Heard()
    stream = service.open(listener)
    assert stream is not None and service.busy == 1
    assert service.open(Heard()) is None and service.counters.refused == 1  # the cap is 1
    try:
        for frame in tone_frames(0.2):  # one chunk: acknowledged once the worker is up
            stream.feed(frame)
        await until(lambda: stream.in_flight == 0)
        pid = stream.worker.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # a worker that gets no CPU
        try:
            for frame in tone_frames(20):
                stream.feed(frame)
            # 2 s in the pipe, 8 s waiting for room, the other 10 s dropped: nothing grows.
            assert stream.in_flight == MAX_IN_FLIGHT and len(stream.backlog) == MAX_BACKLOG
            kept = (MAX_IN_FLIGHT + MAX_BACKLOG) * CHUNK_MS / 1000
            assert service.counters.dropped_s == pytest.approx(20 - kept, abs=0.21)
            stream.end(deliver=True)
            assert service.busy == 1  # the slot frees once the backlog is in the pipe
        finally:
            os.kill(pid, signal.SIGCONT)
        await asyncio.wait_for(listener.done.wait(), WAIT_S)
        assert service.busy == 0 and stream.in_flight == 0 and not stream.backlog
        # A worker that dies mid-stream: its listener is told, and the slot starts a new one.
        again = Heard()
        second = service.open(again)
        assert second is not None and second.worker is stream.worker
        os.kill(pid, signal.SIGKILL)
        await asyncio.wait_for(again.gone.wait(), WAIT_S)
        assert "caption worker exited" in again.why and service.busy == 0
        third = service.open(Heard())
        assert third is not None and third.worker.process.pid != pid
    finally:
        await service.close()
