"""Which interview events are refused: every action in every phase, by every role, malformed
and unknown events (a refused action leaves no trace).

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from mockroom.interview.flow import (
    EVENT_RULES,
    Interview,
    InterviewError,
)
from mockroom.interview.transitions import HANDLERS
from support.interview import (
    CAND,
    INT,
    OBS,
    PHASE_NAMES,
    T0,
    at_phase,
    code_of,
    new,
    started,
)

# ---- invalid transitions -------------------------------------------------------------------------


ACTIONS: dict[str, Callable[[Interview, str, int], object]] = {
    "start": lambda iv, by, t: iv.start(by=by, now=t),
    "begin_question": lambda iv, by, t: iv.begin_question(by=by, now=t),
    "next": lambda iv, by, t: iv.next(by=by, now=t),
    "repeat": lambda iv, by, t: iv.repeat(by=by, now=t),
    "extend": lambda iv, by, t: iv.extend(by=by, now=t),
    "pause": lambda iv, by, t: iv.pause(by=by, now=t),
    "resume": lambda iv, by, t: iv.resume(by=by, now=t),
    "skip": lambda iv, by, t: iv.skip(by=by, now=t),
    "pick": lambda iv, by, t: iv.pick("q2", by=by, now=t),
    "wrap_up": lambda iv, by, t: iv.wrap_up(by=by, now=t),
    "open_feedback": lambda iv, by, t: iv.open_feedback(by=by, now=t),
    "finish": lambda iv, by, t: iv.finish(by=by, now=t, force=True),
    "done": lambda iv, by, t: iv.done(by=by, now=t),
    "request_swap": lambda iv, by, t: iv.request_swap(by=by, now=t),
    "feedback": lambda iv, by, t: iv.submit_feedback(by, {"would_advance": "yes"}, now=t),
}
VALID_IN = {
    "start": {"lobby", "intro"},
    "begin_question": {"intro"},
    "next": {"intro", "think", "answer", "follow_ups"},
    "repeat": {"think", "answer", "follow_ups"},
    "extend": {"think", "answer"},
    "pause": {"think", "answer"},
    "resume": set(),  # never valid without a pause first
    "skip": {"think", "answer"},
    "pick": {"lobby", "intro", "think", "answer", "follow_ups"},
    "wrap_up": {"intro", "think", "answer", "follow_ups"},
    "open_feedback": {"wrap_up"},
    "finish": {"feedback"},
    "done": {"think", "answer"},
    "request_swap": {"lobby", "intro", "follow_ups"},
    "feedback": {"feedback", "done"},  # a late form is still welcome after finish
}


def test_every_event_type_has_exactly_one_handler() -> None:
    # The rules table admits an event, the handlers table applies it: one without the other
    # would accept an event nothing applies, or keep a handler no event reaches.
    assert set(HANDLERS) == set(EVENT_RULES)


@pytest.mark.parametrize("phase", PHASE_NAMES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_in_every_phase(phase: str, action: str) -> None:
    iv = at_phase(phase)
    by = CAND if action == "done" else INT
    before, events = copy.deepcopy(iv.state), list(iv.events)
    if phase in VALID_IN[action]:
        event = ACTIONS[action](iv, by, T0 + 60_000)
        assert isinstance(event, dict) and event["type"] == action
        assert iv.events[-1] == event
    else:
        expected = "not-paused" if action == "resume" and phase in {"think", "answer"} else None
        code = code_of(lambda: ACTIONS[action](iv, by, T0 + 60_000))
        assert code == (expected or "bad-phase")
        # A refused action leaves no trace.
        assert iv.state == before and iv.events == events


@pytest.mark.parametrize(
    ("action", "by"),
    [
        ("start", CAND),
        ("start", OBS),
        ("next", CAND),
        ("next", OBS),
        ("pause", CAND),
        ("extend", OBS),
        ("skip", CAND),
        ("pick", CAND),
        ("wrap_up", OBS),
        ("done", INT),
        ("done", OBS),
        ("request_swap", OBS),
    ],
)
def test_only_the_acting_role_may_act(action: str, by: str) -> None:
    iv = at_phase("think" if action != "start" else "lobby")
    before = copy.deepcopy(iv.state)
    with pytest.raises(InterviewError) as info:
        ACTIONS[action](iv, by, T0 + 60_000)
    assert info.value.code == "not-allowed"
    assert info.value.message and "not-allowed" not in info.value.message
    assert iv.state == before


def test_clock_events_are_only_for_the_clock() -> None:
    iv = started()
    timeout = {"type": "timeout", "at": T0 + 20_000, "by": INT, "phase": "think"}
    assert code_of(lambda: iv.apply(timeout)) == "not-allowed"
    clock_next = {"type": "next", "at": T0, "by": "clock", "step": "phase"}
    assert code_of(lambda: iv.apply(clock_next)) == "not-allowed"


def test_unknown_roles_are_rejected() -> None:
    iv = new()
    assert code_of(lambda: iv.start(by="admin", now=T0)) == "unknown-role"
    assert code_of(lambda: iv.view_for("admin")) == "unknown-role"
    assert code_of(lambda: iv.acting_role("reviewer")) == "unknown-role"


@pytest.mark.parametrize(
    "event",
    [
        "start",
        {"type": "launch", "at": T0, "by": INT},
        {"type": ["start"], "at": T0, "by": INT},
        {"type": "start", "at": "now", "by": INT},
        {"type": "start", "at": True, "by": INT},
        {"type": "start", "at": -1, "by": INT},
        {"type": "start", "by": INT},
        {"type": "start", "at": T0, "by": INT, "extra": 1},
        {"type": "next", "at": T0, "by": INT},
        {"type": "pick", "at": T0, "by": INT},
    ],
)
def test_malformed_events_are_rejected(event: Any) -> None:
    assert code_of(lambda: new().apply(event)) == "invalid-event"
