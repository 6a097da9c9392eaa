"""The scripted interviewer's clock never loses a moment: think time starts when the question has
been said, even when the clock wakes a hair before a line's end and reads the time again just
after it (uvloop's timers fire a fraction of a millisecond early; a loaded host preempts the
process between two reads). A stall seen once in a fresh-clone CI run with uvloop on: the
session stayed in "Listen to the question" with no think timer (scripted/flow_state.py,
`next_wakeup`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mockroom.scripted.flow_state as flow_state_module
import mockroom.scripted.session as session_module
from mockroom.clock import now_ms, sleep_until
from mockroom.scripted import tts as tts_module
from mockroom.scripted.config import FlowConfig, FlowQuestion
from mockroom.scripted.flow import ScriptedFlow
from mockroom.scripted.flow_state import CLOCK_CHECK_MS, LATE_MS
from mockroom.scripted.service import SCRIPTED
from mockroom.settings import Settings
from support.http import create_room
from support.ws import joined

INTRO_MS, QUESTION_MS = 2_000, 3_000


def started_flow() -> ScriptedFlow:
    """A flow saying its intro from 0 to 2000 ms; the question then takes 3000 ms."""
    questions = (FlowQuestion("q1", "Tell me about a plan that changed.", 5_000, 10_000),)
    flow = ScriptedFlow(
        FlowConfig(questions), lambda text: QUESTION_MS if text.startswith("Tell") else INTRO_MS
    )
    flow.consent(0)
    flow.start(0)
    return flow


def test_a_tick_just_before_the_question_ends_does_not_lose_its_end() -> None:
    flow = started_flow()
    assert flow.tick(INTRO_MS - 1) == []  # woken a hair early: the intro is still being said
    # The clock reads the time again just after the end: the end is still to be applied.
    assert flow.next_wakeup(INTRO_MS + 2) == INTRO_MS
    flow.tick(INTRO_MS + 2)
    assert (flow.phase, flow.timer) == ("think", None)  # the question is being said
    end = INTRO_MS + QUESTION_MS
    assert flow.tick(end - 1) == []
    assert flow.next_wakeup(end + 3) == end
    flow.tick(end + 3)
    assert flow.timer is not None and flow.timer.phase == "think"
    assert flow.timer.started_at == end  # dated when the question ended, not when applied


def test_the_clock_never_sleeps_past_a_check_while_something_is_due() -> None:
    questions = (FlowQuestion("q1", "A long question.", 5_000, 10_000),)
    flow = ScriptedFlow(FlowConfig(questions), lambda text: 60_000)  # a minute-long intro
    assert flow.clock_wakeup(0) is None  # waiting: nothing moves until the candidate starts
    flow.consent(0)
    flow.start(0)
    assert flow.clock_wakeup(0) == CLOCK_CHECK_MS
    assert flow.clock_wakeup(59_000) == 60_000
    assert flow.late_ms(59_000) == 0
    assert flow.late_ms(62_500) == 2_500
    assert flow.clock_wakeup(62_500) == 60_000  # overdue: at once


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", tts="off")  # reading time, no espeak-ng


def wakes_early_then_preempted(
    session: Any, monkeypatch: pytest.MonkeyPatch, early_ms: int = 60
) -> list[int]:
    """The straddle, made certain: the clock wakes `early_ms` before each moment (like uvloop,
    wider), and a tick that finds its moment not quite due is held (blocking, like a preempted
    process) until that moment has passed, before the clock reads the time again."""
    real_sleep = sleep_until
    straddled: list[int] = []

    async def early(deadline: int | None, wake: asyncio.Event) -> bool:
        return await real_sleep(None if deadline is None else deadline - early_ms, wake)

    flow = session.flow
    real_tick: Callable[[float], list[Any]] = flow.tick

    def tick(now: float) -> list[Any]:
        effects = real_tick(now)
        due = flow.due_at()
        if due is not None and 0 < due - now <= 2 * early_ms:
            straddled.append(round(due))
            time.sleep((due - now + 3) / 1000)
        return effects

    monkeypatch.setattr(session_module, "sleep_until", early)
    monkeypatch.setattr(flow, "tick", tick)
    return straddled


async def test_think_time_starts_on_time_when_the_clock_straddles_the_question_end(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tts_module, "text_only_ms", lambda text: 300)
    room = await create_room(
        client,
        mode="scripted",
        media="audio",
        bank="behavioral",
        question_count=1,
        think_seconds=5,
        answer_seconds=10,
        warm_up=False,
    )
    ws = await joined(client, room, "candidate")
    try:
        assert (await ws.receive_json(timeout=10))["type"] == "scripted-state"
        session = client.app[SCRIPTED].sessions[room["room_id"]]
        straddled = wakes_early_then_preempted(session, monkeypatch)
        for action in ("consent", "start"):
            await ws.send_json({"type": "scripted", "action": action})
        while True:  # until the think timer runs (or the wait times out: the stall)
            msg = await ws.receive_json(timeout=10)
            state = msg.get("state") or {}
            if msg["type"] == "scripted-state" and (state.get("timer") or {}).get("phase"):
                break
        arrived = now_ms()
        timer = state["timer"]
        assert (state["phase"], timer["phase"]) == ("think", "think")
        # The intro's end or the question's (or both; a loaded host may wake late) was
        # straddled, and the think timer came when the question ended, not a guard's check
        # later (without the fix: no think timer at all, or CLOCK_CHECK_MS late).
        assert straddled
        assert arrived - timer["started_at"] < LATE_MS, (arrived, timer)
    finally:
        await ws.close()


async def test_a_lost_wake_up_still_starts_think_time_and_says_so(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The guard: whatever loses a wake-up (here every one), the clock checks again within
    CLOCK_CHECK_MS, think time starts, and the late move is logged."""
    monkeypatch.setattr(tts_module, "text_only_ms", lambda text: 300)
    monkeypatch.setattr(flow_state_module, "CLOCK_CHECK_MS", 1_500)
    room = await create_room(
        client,
        mode="scripted",
        media="audio",
        bank="behavioral",
        question_count=1,
        think_seconds=5,
        answer_seconds=10,
        warm_up=False,
    )
    ws = await joined(client, room, "candidate")
    try:
        assert (await ws.receive_json(timeout=10))["type"] == "scripted-state"
        flow = client.app[SCRIPTED].sessions[room["room_id"]].flow
        monkeypatch.setattr(flow, "next_wakeup", lambda now: None)  # no wake-up, ever
        started = now_ms()
        for action in ("consent", "start"):
            await ws.send_json({"type": "scripted", "action": action})
        while True:
            msg = await ws.receive_json(timeout=10)
            timer = (msg.get("state") or {}).get("timer") or {}
            if msg["type"] == "scripted-state" and timer.get("phase") == "think":
                break
        # Intro and question were each applied at a check, up to 1.5 s late: not a stall.
        assert now_ms() - started < 2 * 1_500 + 2_000
        late = [r for r in caplog.records if r.getMessage() == "scripted flow moved late"]
        assert late and all(getattr(r, "late_ms", 0) > LATE_MS for r in late)
    finally:
        await ws.close()


def run_flows_on_uvloop(count: int) -> list[str]:
    """`count` flows clocked like ScriptedSession._run_clock (clock_wakeup, sleep_until, tick, a
    yield to the others where the session awaits its sends), all on one uvloop loop; the phases
    of those that had not finished after their bound."""
    import uvloop

    async def one(seed: int) -> str:
        questions = tuple(FlowQuestion(f"q{i}", f"Question {i}.", 300, 200) for i in range(3))
        lengths = random.Random(seed)  # lines of assorted lengths: the flows' moments spread out
        flow = ScriptedFlow(
            FlowConfig(questions, after_answer_ms=100), lambda text: lengths.randint(150, 400)
        )
        wake = asyncio.Event()
        flow.consent(now_ms())
        flow.start(now_ms())
        deadline = time.monotonic() + 30  # about 3 s of flow, whatever the load
        while flow.phase != "done" and time.monotonic() < deadline:
            wakeup = flow.clock_wakeup(now_ms())
            if wakeup is None:
                break  # nothing will ever wake it: the stall
            await sleep_until(round(wakeup), wake)
            flow.tick(now_ms())
            await asyncio.sleep(0)
        return flow.phase

    async def main() -> list[str]:
        phases = await asyncio.gather(*(one(seed) for seed in range(count)))
        return [phase for phase in phases if phase != "done"]

    return uvloop.run(main())


def test_every_flow_on_uvloop_reaches_its_end() -> None:
    assert run_flows_on_uvloop(300) == []
