"""Turn-taking in scripted rooms that opt in: the answer timer starts on the first word, and the
answer ends after the room's silence following talk, never on a 3-second thinking pause. Pure
checks on the detector, then a real aiortc candidate speaking espeak-ng speech into the room."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mockroom.keys import STORE
from mockroom.scripted.speech import SpeechMeter, TurnTaking
from support.scripted_peer import scripted_room, seated
from support.speech import silence, speech_samples

RATE = 48_000


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)


def feed(meter: SpeechMeter, turns: TurnTaking, samples: np.ndarray) -> list[tuple[int, str]]:
    """Feed in 20 ms frames, like aiortc; (window position in ms, event) for each event."""
    events = []
    for i in range(0, len(samples), RATE // 50):
        meter.feed(samples[i : i + RATE // 50], RATE)
        events += [(meter.position_ms, e) for e in turns.observe(meter)]
    return events


def test_a_thinking_pause_never_ends_the_turn() -> None:
    meter, turns = SpeechMeter(), TurnTaking(first_word=True, end_silence_ms=4000)
    meter.open(60_000)
    audio = np.concatenate((silence(1), tone(2), silence(3), tone(2), silence(6)))
    events = feed(meter, turns, audio)
    assert [e for _, e in events] == ["first-word", "end-of-turn"]
    first_at, end_at = events[0][0], events[1][0]
    assert 1000 <= first_at <= 1100
    # Talk ends at 8 s; the turn ends 4 s later, not in the 3 s pause (3-6 s).
    assert 11_900 <= end_at <= 12_200
    # Below 4 s is not allowed: a room cannot make a thinking pause end an answer.
    assert TurnTaking(first_word=False, end_silence_ms=1000).end_silence_ms == 4000
    # Only the first word, never an end, when the room asks for the timer alone.
    meter.open(60_000)
    only_first = TurnTaking(first_word=True, end_silence_ms=None)
    assert [e for _, e in feed(meter, only_first, audio)] == ["first-word"]


@pytest.fixture(scope="module")
def paused_answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, float, float]:
    """Speech, a 3 s thinking pause, speech, then 6 s of silence; (samples, talk start, end)."""
    tmp: Path = tmp_path_factory.mktemp("turns")
    first = speech_samples(tmp, ["I led the migration of our billing system."])
    second = speech_samples(tmp, ["We finished two weeks early."])
    lead = silence(1.0)
    samples = np.concatenate((lead, first, silence(3.0), second, silence(6.0)))
    voiced = np.nonzero(np.abs(samples.astype(np.int32)) > 328)[0]
    return samples, voiced[0] / RATE, voiced[-1] / RATE


async def test_room_ends_the_answer_after_silence_never_on_a_pause(
    client: Any, paused_answer: tuple[np.ndarray, float, float]
) -> None:
    samples, talk_start, talk_end = paused_answer
    room = await scripted_room(
        client,
        media="audio",
        answer_seconds=60,
        start_on_first_word=True,
        end_on_silence_seconds=4,
    )
    async with seated(client, room, video=False) as cand:
        await cand.next_message("scripted-state")
        await cand.negotiate()
        await cand.wait_state(peer="connected")
        await cand.action("consent")
        await cand.action("start")
        opened = await cand.wait_state(phase="answer", recording=True, timeout=30)
        cand.voice.play([samples.tobytes()])
        played_at = time.time() * 1000
        # The first word restarts the answer timer: a new state whose timer starts later.
        restarted = await cand.wait_state(timeout=10, phase="answer")
        while restarted["timer"]["started_at"] == opened["timer"]["started_at"]:
            restarted = (await cand.next_message("scripted-state", 10))["state"]
        first_word_ms = restarted["timer"]["started_at"] - played_at
        assert talk_start * 1000 - 300 <= first_word_ms <= talk_start * 1000 + 800
        assert restarted["timer"]["duration_ms"] == 60_000
        closed = await cand.wait_state(phase="after_answer", timeout=30)
        ended_ms = time.time() * 1000 - played_at
        # Never during the 3 s pause nor the speech: at least 4 s after the last word.
        assert ended_ms >= (talk_end + 4.0) * 1000 - 300, (ended_ms, talk_end)
        assert ended_ms <= (talk_end + 4.0) * 1000 + 2000, (ended_ms, talk_end)
        assert closed["take"] == 1
        answer_states = [s for s in cand.states if s["phase"] == "answer"]
        assert answer_states and all(s["take"] == 1 for s in answer_states)


async def test_turn_taking_options_are_checked(client: Any) -> None:
    for body, field in (
        ({"end_on_silence_seconds": 3}, "end_on_silence_seconds"),  # a thinking pause
        ({"end_on_silence_seconds": True}, "end_on_silence_seconds"),
        ({"start_on_first_word": "yes"}, "start_on_first_word"),
    ):
        resp = await client.post(
            "/api/rooms", json={"mode": "scripted", "bank": "behavioral", **body}
        )
        assert resp.status == 400, body
        assert field in (await resp.json())["message"]
    room = await scripted_room(client, start_on_first_word=True, end_on_silence_seconds=4)
    options = (await client.app[STORE].get_room(room["room_id"])).options
    assert options["start_on_first_word"] is True and options["end_on_silence_seconds"] == 4
