"""The interview flow as pure domain: phases, timers, order, swaps, views, feedback, replay.

Long on purpose (one table-driven section per concern of interview/flow.py, marked `# ----`):
the sections share one config and one set of event builders, and each test is a few lines.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockroom.banks.model import Bank, BankError, Question, default_banks_dir, load_banks
from mockroom.errors import UserError
from mockroom.interview.flow import (
    EVENT_RULES,
    Event,
    Interview,
    InterviewConfig,
    InterviewError,
)
from mockroom.interview.state import (
    CANDIDATE_CHECKLIST,
    PHONE_PROMPT,
    RECRUITER_CHECKLIST,
    halves,
)
from mockroom.interview.transitions import HANDLERS

T0 = 1_700_000_000_000  # a plausible server wall clock in ms
INT, CAND, OBS = "interviewer", "candidate", "observer"


def question(n: int, think: int = 20, answer: int = 90, rubric: int = 2) -> Question:
    # Marker words make a leak unmistakable: no candidate-visible text contains them.
    return Question(
        id=f"q{n}",
        text=f"Question {n}: tell me about a time you shipped something hard.",
        kind="behavioral",
        think_seconds=think,
        answer_seconds=answer,
        follow_ups=(f"FOLLOWUP-{n}-a: what would you change?", f"FOLLOWUP-{n}-b: who disagreed?"),
        hints=(f"HINT-{n}-a: names a measurable result", f"HINT-{n}-b: owns a mistake"),
        rubric=tuple(f"RUBRIC-{n}-{k}: criterion {k}" for k in range(rubric)),
        tags=("delivery",),
    )


def make_bank(count: int = 4) -> Bank:
    questions = [question(1, think=20, answer=90), question(2, think=0, answer=60)]
    questions += [question(n, think=30, answer=120, rubric=n % 3) for n in range(3, count + 1)]
    return Bank(
        id="test-bank",
        title="Test bank",
        field="Testing",
        description="Questions for the interview tests.",
        think_seconds=30,
        answer_seconds=120,
        questions=tuple(questions),
        code_pad=False,
        realism="video",
    )


BANK = make_bank()


def new(bank: Bank = BANK, **config: Any) -> Interview:
    return Interview.create(InterviewConfig(bank=bank, **config))


def started(bank: Bank = BANK, **config: Any) -> Interview:
    """An interview in the think phase of its first question, begun at T0."""
    iv = new(bank, **config)
    iv.start(by=INT, now=T0 - 60_000)
    iv.start(by=INT, now=T0)
    return iv


def code_of(action: Callable[[], object]) -> str:
    with pytest.raises(InterviewError) as info:
        action()
    return info.value.code


def secret_strings(bank: Bank) -> list[str]:
    return [s for q in bank.questions for s in (*q.hints, *q.follow_ups, *q.rubric)]


# ---- config and question order -------------------------------------------------------------------


def test_create_uses_bank_order_and_starts_in_lobby() -> None:
    iv = new()
    assert iv.state.order == ["q1", "q2", "q3", "q4"]
    assert iv.state.phase == "lobby"
    assert iv.state.timer is None and iv.current_question is None
    assert iv.view_for(INT)["position"] == {"number": None, "total": 4}


def test_question_ids_choose_subset_in_given_order() -> None:
    assert new(question_ids=("q3", "q1")).state.order == ["q3", "q1"]


def test_shuffle_is_deterministic_per_seed_and_limit_cuts_after_shuffling() -> None:
    bank = make_bank(12)
    first = new(bank, shuffle_seed=7).state.order
    assert first == new(bank, shuffle_seed=7).state.order
    assert sorted(first) == sorted(q.id for q in bank.questions)
    assert first != [q.id for q in bank.questions]
    assert len({tuple(new(bank, shuffle_seed=s).state.order) for s in range(5)}) > 1
    assert new(bank, shuffle_seed=7, max_questions=3).state.order == first[:3]


@pytest.mark.parametrize(
    "config",
    [
        {"question_ids": ("q1", "nope")},
        {"question_ids": ("q1", "q1")},
        {"max_questions": 0},
    ],
)
def test_invalid_config_is_rejected(config: dict[str, Any]) -> None:
    assert code_of(lambda: new(**config)) == "invalid-config"


def test_interview_error_is_a_user_error_with_code_and_message() -> None:
    with pytest.raises(InterviewError) as info:
        new().next(by=INT, now=T0)
    assert isinstance(info.value, UserError)
    assert info.value.code == "bad-phase"
    assert "lobby" in info.value.message


# ---- the happy path, phase by phase --------------------------------------------------------------


def test_full_walk_through_every_phase() -> None:
    iv = new(question_ids=("q1", "q2"))
    assert iv.start(by=INT, now=T0)["type"] == "start"
    assert iv.state.phase == "intro" and iv.state.started_at == T0
    iv.start(by=INT, now=T0 + 1000)
    assert iv.state.phase == "think" and iv.current_question is not None
    assert iv.current_question.id == "q1"
    assert iv.state.timer is not None
    assert iv.state.timer.to_dict() == {
        "phase": "think",
        "started_at": T0 + 1000,
        "deadline": T0 + 21_000,
        "duration_ms": 20_000,
        "paused": False,
        "remaining_ms": None,
        "held": False,
    }
    iv.next(by=INT, now=T0 + 5000)
    assert iv.state.phase == "answer"
    assert iv.state.timer.to_dict()["deadline"] == T0 + 5000 + 90_000
    iv.next(by=INT, now=T0 + 65_000)
    assert iv.state.phase == "follow_ups" and iv.state.timer is None
    iv.next(by=INT, now=T0 + 80_000)
    assert iv.state.phase == "think" and iv.current_question.id == "q2"
    assert iv.view_for(INT)["position"] == {"number": 2, "total": 2}
    iv.next(by=INT, now=T0 + 81_000)
    iv.next(by=INT, now=T0 + 100_000)
    event = iv.next(by=INT, now=T0 + 110_000)  # past the last question
    assert event == {"type": "next", "at": T0 + 110_000, "by": INT, "step": "phase"}
    assert iv.state.phase == "wrap_up" and iv.state.wrap_up_at == T0 + 110_000
    iv.open_feedback(by=INT, now=T0 + 120_000)
    assert iv.state.phase == "feedback"
    # Both forms of the one half are missing: finishing needs the explicit "anyway".
    assert code_of(lambda: iv.finish(by=INT, now=T0 + 290_000)) == "feedback-pending"
    iv.finish(by=INT, now=T0 + 300_000, force=True)
    assert iv.state.phase == "done" and iv.state.ended_at == T0 + 300_000
    record = iv.state.asked[0]
    assert (record.question_id, record.started_at, record.ended_at) == (
        "q1",
        T0 + 1000,
        T0 + 80_000,
    )
    assert (record.think_ms, record.answer_ms) == (4000, 60_000)
    assert [e["type"] for e in iv.events] == ["start", "start"] + ["next"] * 6 + [
        "open_feedback",
        "finish",
    ]


def test_begin_question_starts_the_first_question_from_intro_only() -> None:
    iv = new()
    assert code_of(lambda: iv.begin_question(by=INT, now=T0)) == "bad-phase"
    iv.start(by=INT, now=T0)
    iv.begin_question(by=INT, now=T0 + 1)
    assert iv.state.phase == "think" and iv.state.asked[0].question_id == "q1"
    assert code_of(lambda: iv.begin_question(by=INT, now=T0 + 2)) == "bad-phase"


def test_next_from_intro_begins_the_first_question() -> None:
    iv = new()
    iv.start(by=INT, now=T0)
    iv.next(by=INT, now=T0 + 1)
    assert iv.state.phase == "think" and iv.current_question is not None


@pytest.mark.parametrize("phase_steps", [0, 1, 2])  # think, answer, follow_ups
def test_next_question_step_jumps_straight_to_the_next_question(phase_steps: int) -> None:
    iv = started()
    for k in range(phase_steps):
        iv.next(by=INT, now=T0 + 1000 * (k + 1))
    iv.next(by=INT, now=T0 + 10_000, step="question")
    assert iv.state.phase == "think" and iv.current_question is not None
    assert iv.current_question.id == "q2"
    assert not iv.state.asked[0].skipped  # only `skip` marks a question skipped
    assert iv.state.asked[0].ended_at == T0 + 10_000


def test_next_rejects_an_unknown_step_through_apply() -> None:
    iv = started()
    event = {"type": "next", "at": T0 + 1, "by": INT, "step": "sideways"}
    assert code_of(lambda: iv.apply(event)) == "invalid-event"


def test_empty_order_goes_from_intro_to_wrap_up() -> None:
    iv = new(question_ids=())
    iv.start(by=INT, now=T0)
    iv.start(by=INT, now=T0 + 1)
    assert iv.state.phase == "wrap_up" and iv.state.asked == []


def test_wrap_up_early_closes_the_current_question() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 3000)
    iv.wrap_up(by=INT, now=T0 + 13_000)
    assert iv.state.phase == "wrap_up" and iv.state.timer is None
    assert iv.state.asked[0].answer_ms == 10_000 and iv.state.asked[0].ended_at == T0 + 13_000
    # q3 and q4 are the second half's share: the first interviewer may be asked them later.
    assert [q["id"] for q in iv.report_data(INT)["not_asked"]] == ["q2"]
    assert iv.report_data(CAND)["not_asked"] == []  # upcoming questions are only counted
    assert iv.report_data(CAND)["not_asked_count"] == 3


# ---- invalid transitions -------------------------------------------------------------------------


def at_phase(phase: str) -> Interview:
    iv = new(question_ids=("q1",))
    now = T0
    steps: dict[str, list[Callable[[int], object]]] = {
        "lobby": [],
        "intro": [lambda t: iv.start(by=INT, now=t)],
    }
    steps["think"] = [*steps["intro"], lambda t: iv.start(by=INT, now=t)]
    steps["answer"] = [*steps["think"], lambda t: iv.next(by=INT, now=t)]
    steps["follow_ups"] = [*steps["answer"], lambda t: iv.next(by=INT, now=t)]
    steps["wrap_up"] = [*steps["follow_ups"], lambda t: iv.next(by=INT, now=t)]
    steps["feedback"] = [*steps["wrap_up"], lambda t: iv.open_feedback(by=INT, now=t)]
    steps["done"] = [*steps["feedback"], lambda t: iv.finish(by=INT, now=t, force=True)]
    for step in steps[phase]:
        now += 1000
        step(now)
    assert iv.state.phase == phase
    return iv


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
PHASE_NAMES = ["lobby", "intro", "think", "answer", "follow_ups", "wrap_up", "feedback", "done"]


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


# ---- timers --------------------------------------------------------------------------------------


def test_extend_adds_thirty_seconds_to_the_running_countdown() -> None:
    iv = started()
    event = iv.extend(by=INT, now=T0 + 5000)
    assert event == {"type": "extend", "at": T0 + 5000, "by": INT, "ms": 30_000}
    timer = iv.view_for(CAND)["timer"]
    assert timer["deadline"] == T0 + 50_000 and timer["duration_ms"] == 50_000
    assert iv.state.asked[0].extensions == 1


def test_pause_freezes_remaining_and_resume_moves_the_deadline() -> None:
    iv = started()  # think: 20 s from T0
    iv.pause(by=INT, now=T0 + 5000)
    timer = iv.view_for(OBS)["timer"]
    assert timer["paused"] is True and timer["deadline"] is None
    assert timer["remaining_ms"] == 15_000
    assert iv.next_deadline is None
    assert iv.tick(T0 + 100_000) == []  # a paused countdown never runs out
    assert code_of(lambda: iv.pause(by=INT, now=T0 + 6000)) == "already-paused"
    iv.extend(by=INT, now=T0 + 7000)  # while paused: adds to what remains
    assert iv.state.timer is not None and iv.state.timer.remaining_ms == 45_000
    iv.resume(by=INT, now=T0 + 10_000)
    timer = iv.view_for(CAND)["timer"]
    assert timer["paused"] is False and timer["remaining_ms"] is None
    assert timer["deadline"] == T0 + 55_000 and timer["duration_ms"] == 50_000
    assert iv.next_deadline == T0 + 55_000
    assert code_of(lambda: iv.resume(by=INT, now=T0 + 11_000)) == "not-paused"


def test_actual_durations_exclude_pauses_and_include_extensions() -> None:
    iv = started()  # think 20 s from T0, deadline T0+20s
    iv.pause(by=INT, now=T0 + 10_000)
    iv.resume(by=INT, now=T0 + 19_000)  # paused 9 s: deadline T0+29s
    iv.extend(by=INT, now=T0 + 29_000)  # deadline T0+59s
    assert iv.tick(T0 + 58_999) == []
    (event,) = iv.tick(T0 + 59_000)
    assert event == {"type": "timeout", "at": T0 + 59_000, "by": "clock", "phase": "think"}
    assert iv.state.asked[0].think_ms == 50_000  # 20 s + 30 s extension, without the pause
    assert iv.state.phase == "answer"


def test_extend_after_zero_counts_from_now() -> None:
    iv = started()  # deadline T0+20s, nobody ticks
    iv.extend(by=INT, now=T0 + 25_000)
    assert iv.next_deadline == T0 + 55_000
    assert iv.state.timer is not None and iv.state.timer.duration_ms == 55_000


def test_pause_after_zero_keeps_nothing_remaining() -> None:
    iv = started()
    iv.pause(by=INT, now=T0 + 25_000)
    assert iv.state.timer is not None and iv.state.timer.remaining_ms == 0
    iv.resume(by=INT, now=T0 + 30_000)
    assert [e["at"] for e in iv.tick(T0 + 30_000)] == [T0 + 30_000]


def test_tick_moves_think_to_answer_and_answer_to_follow_ups_at_zero() -> None:
    iv = started()
    assert iv.tick(T0 + 19_999) == [] and iv.state.phase == "think"
    iv.tick(T0 + 20_000)
    assert iv.state.phase == "answer"
    assert iv.state.timer is not None and iv.state.timer.started_at == T0 + 20_000
    assert iv.next_deadline == T0 + 110_000
    iv.tick(T0 + 110_000)
    assert iv.state.phase == "follow_ups" and iv.next_deadline is None
    assert (iv.state.asked[0].think_ms, iv.state.asked[0].answer_ms) == (20_000, 90_000)
    assert iv.tick(T0 + 10_000_000) == []  # follow-ups wait for the interviewer


def test_a_late_tick_catches_up_with_every_deadline_it_missed() -> None:
    iv = started()
    events = iv.tick(T0 + 500_000)
    assert [(e["phase"], e["at"]) for e in events] == [
        ("think", T0 + 20_000),
        ("answer", T0 + 110_000),
    ]
    assert iv.state.phase == "follow_ups"


def test_without_tick_the_countdown_stays_at_zero_and_overtime_is_logged() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 30_000)  # 10 s past zero
    assert iv.state.asked[0].think_ms == 30_000


def test_zero_think_time_ends_at_the_first_tick() -> None:
    iv = started(question_ids=("q2",))
    assert iv.next_deadline == T0
    iv.tick(T0)
    assert iv.state.phase == "answer" and iv.state.asked[0].think_ms == 0


def test_a_stale_timeout_is_rejected() -> None:
    iv = started()
    early = {"type": "timeout", "at": T0 + 19_000, "by": "clock", "phase": "think"}
    assert code_of(lambda: iv.apply(early)) == "invalid-event"
    wrong_phase = {"type": "timeout", "at": T0 + 20_000, "by": "clock", "phase": "answer"}
    assert code_of(lambda: iv.apply(wrong_phase)) == "invalid-event"
    iv.pause(by=INT, now=T0 + 1000)
    paused = {"type": "timeout", "at": T0 + 20_000, "by": "clock", "phase": "think"}
    assert code_of(lambda: iv.apply(paused)) == "invalid-event"


def test_candidate_done_ends_think_early_then_the_answer() -> None:
    iv = started()
    iv.done(by=CAND, now=T0 + 8000)
    assert iv.state.phase == "answer" and iv.state.asked[0].think_ms == 8000
    iv.done(by=CAND, now=T0 + 48_000)
    assert iv.state.phase == "follow_ups" and iv.state.asked[0].answer_ms == 40_000


# ---- skip, pick, repeat --------------------------------------------------------------------------


def test_skip_records_the_question_and_moves_on() -> None:
    iv = started(question_ids=("q1", "q2"))
    iv.next(by=INT, now=T0 + 5000)
    iv.skip(by=INT, now=T0 + 7000)
    assert iv.state.asked[0].skipped and iv.state.asked[0].answer_ms == 2000
    assert iv.state.phase == "think" and iv.current_question is not None
    assert iv.current_question.id == "q2"
    iv.skip(by=INT, now=T0 + 8000)  # the last one: on to the wrap-up
    assert iv.state.phase == "wrap_up"
    assert [r.skipped for r in iv.state.asked] == [True, True]


def test_pick_before_the_first_question_makes_it_first() -> None:
    iv = new(max_questions=2)
    iv.pick("q4", by=INT, now=T0)
    assert iv.state.order == ["q4", "q1", "q2"]  # a pick is added on top of the limit
    iv.start(by=INT, now=T0 + 1)
    iv.pick("q2", by=INT, now=T0 + 2)  # an upcoming question moves up, it is not asked twice
    assert iv.state.order == ["q2", "q4", "q1"]
    iv.start(by=INT, now=T0 + 3)
    assert iv.current_question is not None and iv.current_question.id == "q2"


def test_pick_during_a_question_inserts_it_next() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 1000)
    event = iv.pick("q4", by=INT, now=T0 + 2000)
    assert event == {"type": "pick", "at": T0 + 2000, "by": INT, "question_id": "q4"}
    assert iv.state.phase == "answer"  # picking does not interrupt the answer
    view = iv.view_for(INT)
    # q4 moved into the first half's share; q2, q3 are now the second half's, unseen for now.
    assert [q["id"] for q in view["upcoming"]] == ["q4"]
    assert [q["id"] for q in view["available"]] == ["q4"]
    assert iv.state.order == ["q1", "q4", "q2", "q3"]
    iv.next(by=INT, now=T0 + 3000)
    iv.next(by=INT, now=T0 + 4000)
    assert iv.current_question is not None and iv.current_question.id == "q4"


def test_pick_rejects_unknown_and_already_asked_questions() -> None:
    iv = started()
    assert code_of(lambda: iv.pick("q99", by=INT, now=T0 + 1)) == "unknown-question"
    assert code_of(lambda: iv.pick("q1", by=INT, now=T0 + 1)) == "already-asked"  # the current one
    iv.skip(by=INT, now=T0 + 2)
    assert code_of(lambda: iv.pick("q1", by=INT, now=T0 + 3)) == "already-asked"


def test_repeat_restarts_think_time_and_counts_the_retake() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 5000)
    iv.extend(by=INT, now=T0 + 6000)
    iv.repeat(by=INT, now=T0 + 30_000)
    record = iv.state.asked[0]
    assert iv.state.phase == "think" and record.repeats == 1
    assert record.think_ms is None and record.answer_ms is None
    assert iv.state.timer is not None
    assert (iv.state.timer.started_at, iv.state.timer.deadline) == (T0 + 30_000, T0 + 50_000)
    iv.next(by=INT, now=T0 + 32_000)
    iv.next(by=INT, now=T0 + 72_000)
    iv.repeat(by=INT, now=T0 + 80_000)  # also from the follow-ups
    iv.next(by=INT, now=T0 + 81_000)
    iv.next(by=INT, now=T0 + 91_000)
    assert (record.repeats, record.extensions) == (1, 1)  # the old object is a pre-repeat copy
    record = iv.state.asked[0]
    assert (record.repeats, record.think_ms, record.answer_ms) == (2, 1000, 10_000)
    assert record.started_at == T0  # the question began once, however often it was retaken
    assert len(iv.state.asked) == 1


# ---- swapping roles ------------------------------------------------------------------------------


def test_swap_needs_a_request_and_a_confirmation_from_the_other_side() -> None:
    iv = new()
    assert code_of(lambda: iv.confirm_swap(by=CAND, now=T0)) == "no-swap-request"
    iv.request_swap(by=INT, now=T0)
    assert iv.view_for(CAND)["swap"] == {
        "swapped": False,
        "requested_by": INT,
        "allowed": True,
        "reason": None,
        "suggested": False,
    }
    assert code_of(lambda: iv.request_swap(by=CAND, now=T0 + 1)) == "swap-pending"
    assert code_of(lambda: iv.confirm_swap(by=INT, now=T0 + 1)) == "same-side"
    assert code_of(lambda: iv.confirm_swap(by=OBS, now=T0 + 1)) == "not-allowed"
    assert iv.acting_role(INT) == INT
    iv.confirm_swap(by=CAND, now=T0 + 2)
    assert (iv.acting_role(INT), iv.acting_role(CAND), iv.acting_role(OBS)) == (CAND, INT, OBS)
    assert iv.state.swaps == [T0 + 2] and iv.state.swap_requested_by is None
    # The candidate link now runs the interview; the interviewer link answers.
    assert code_of(lambda: iv.start(by=INT, now=T0 + 3)) == "not-allowed"
    iv.start(by=CAND, now=T0 + 3)
    iv.start(by=CAND, now=T0 + 4)
    iv.done(by=INT, now=T0 + 5)
    assert iv.state.asked[0].interviewer == CAND
    assert iv.view_for(CAND)["role"] == INT and iv.view_for(INT)["role"] == CAND


def test_swap_back_and_cancel() -> None:
    iv = new()
    iv.request_swap(by=CAND, now=T0)
    iv.cancel_swap(by=INT, now=T0 + 1)  # declined
    assert iv.state.swap_requested_by is None
    assert code_of(lambda: iv.cancel_swap(by=INT, now=T0 + 2)) == "no-swap-request"
    for k in range(2):
        iv.request_swap(by=INT, now=T0 + 10 + k)
        iv.confirm_swap(by=CAND, now=T0 + 20 + k)
    assert not iv.state.swapped and iv.acting_role(INT) == INT


def test_no_swap_mid_question_and_a_pending_request_lapses() -> None:
    iv = at_phase("intro")
    iv.request_swap(by=INT, now=T0 + 10_000)
    iv.start(by=INT, now=T0 + 11_000)  # into think time: the request lapses
    assert iv.state.swap_requested_by is None
    assert code_of(lambda: iv.request_swap(by=INT, now=T0 + 12_000)) == "bad-phase"
    iv.next(by=INT, now=T0 + 13_000)
    iv.next(by=INT, now=T0 + 14_000)
    iv.request_swap(by=CAND, now=T0 + 15_000)  # between questions is fine
    iv.confirm_swap(by=INT, now=T0 + 16_000)
    assert iv.acting_role(CAND) == INT


def test_half_way_swap_is_recorded_per_question() -> None:
    iv = started(question_ids=("q1", "q2"))
    iv.next(by=INT, now=T0 + 1000)
    iv.next(by=INT, now=T0 + 2000)
    iv.request_swap(by=INT, now=T0 + 3000)
    iv.confirm_swap(by=CAND, now=T0 + 4000)
    iv.next(by=CAND, now=T0 + 5000)  # the new interviewer moves on
    assert [r.interviewer for r in iv.state.asked] == [INT, CAND]
    parts = iv.report_data(OBS)["halves"]
    assert [(h["number"], h["interviewer"], h["candidate"]) for h in parts] == [
        (1, INT, CAND),
        (2, CAND, INT),
    ]
    assert [[q["number"] for q in h["questions"]] for h in parts] == [[1], [2]]


# ---- views ---------------------------------------------------------------------------------------


def test_interviewer_view_has_the_whole_question_and_the_recruiter_checklist() -> None:
    iv = started()
    view = iv.view_for(INT)
    q = view["question"]
    assert q["id"] == "q1" and q["hints"] == list(BANK.questions[0].hints)
    assert q["follow_ups"] == list(BANK.questions[0].follow_ups)
    assert q["rubric"] == list(BANK.questions[0].rubric)
    assert [u["id"] for u in view["upcoming"]] == ["q2"]  # q3, q4: the second half's
    assert view["upcoming"][0]["text"] == BANK.questions[1].text
    ids = [item["id"] for item in view["checklist"]]
    assert {"open-questions", "listen", "salary", "next-steps", "notes"} <= set(ids)
    assert view["role"] == INT and view["phase"] == "think" and view["timer"]["phase"] == "think"
    assert set(view["actions"]) == {
        "next", "repeat", "extend", "pause", "skip", "pick", "wrap_up", "recording",
    }  # fmt: skip
    assert view["asked"][0]["id"] == "q1" and view["asked"][0]["number"] == 1


def test_candidate_view_has_text_timer_phase_and_prep_checklist_only() -> None:
    iv = started()
    view = iv.view_for(CAND)
    assert view["question"] == {"id": "q1", "text": BANK.questions[0].text, "kind": "behavioral"}
    assert view["prompt"] is None and view["phase"] == "think" and view["timer"]["deadline"]
    ids = {item["id"] for item in view["checklist"]}
    assert ids == {
        "job-description",
        "resume",
        "star-stories",
        "questions",
        "quiet-room",
        "devices",
    }
    assert view["actions"] == ["done", "recording"]
    assert "upcoming" not in view and "available" not in view and "asked" not in view


def test_observer_view_is_the_candidates_without_controls() -> None:
    iv = started()
    observer, candidate = iv.view_for(OBS), iv.view_for(CAND)
    assert observer["question"] == candidate["question"]
    assert observer["timer"] == candidate["timer"] and observer["phase"] == "think"
    assert observer["actions"] == [] and "checklist" not in observer


def test_phone_realism_hides_the_question_text_from_the_candidate() -> None:
    iv = started(phone_realism=True)
    for role in (CAND, OBS):
        view = iv.view_for(role)
        assert view["question"] is None and view["prompt"] == PHONE_PROMPT
        assert BANK.questions[0].text not in json.dumps(view)
    assert iv.view_for(INT)["question"]["text"] == BANK.questions[0].text


def test_views_are_copies_not_windows_into_the_state() -> None:
    iv = at_phase("feedback")
    iv.submit_feedback(INT, {"would_advance": "maybe"}, now=T0 + 60_000)
    before = json.dumps(iv.view_for(INT), sort_keys=True)
    view = iv.view_for(INT)
    view["forms"][0]["submitted"]["would_advance"] = "yes"
    view["asked"][0]["rubric"].append("x")
    iv.report_data(INT)["halves"][0]["rating"]["data"]["scores"]["q1"] = []
    assert json.dumps(iv.view_for(INT), sort_keys=True) == before


def drive_whole_interview(iv: Interview, swap_after: int) -> Iterator[None]:
    """Run every kind of step once or more, yielding after each so callers can inspect."""
    now = T0

    def t() -> int:
        nonlocal now
        now += 7000
        return now

    iv.start(by=INT, now=t())
    yield
    iv.start(by=INT, now=t())
    yield
    n = 0
    while iv.state.phase in {"think", "answer", "follow_ups"}:
        interviewer = CAND if iv.state.swapped else INT
        candidate = INT if iv.state.swapped else CAND
        if iv.state.phase == "think":
            iv.extend(by=interviewer, now=t())
            yield
            iv.pause(by=interviewer, now=t())
            yield
            iv.resume(by=interviewer, now=t())
            yield
            deadline = iv.next_deadline
            assert deadline is not None
            now = deadline
            assert [e["type"] for e in iv.tick(now)] == ["timeout"]
        elif iv.state.phase == "answer":
            iv.done(by=candidate, now=t())
        else:
            n += 1
            if n == swap_after:
                iv.request_swap(by=interviewer, now=t())
                yield
                iv.confirm_swap(by=candidate, now=t())
                yield
                interviewer = candidate
            iv.next(by=interviewer, now=t())
        yield
    interviewer = CAND if iv.state.swapped else INT
    iv.open_feedback(by=interviewer, now=t())
    yield
    for half in halves(iv.state):
        iv.submit_feedback(
            half.interviewer,
            {"would_advance": "no", "comment": "Solid."},
            now=t(),
            half=half.number,
        )
        yield
        iv.submit_feedback(half.candidate, {"went_well": "Calm."}, now=t(), half=half.number)
        yield
    iv.finish(by=interviewer, now=t())
    yield


def asked_secrets(iv: Interview, link: str) -> set[str]:
    """What `link` may see: the hints, follow-ups and rubric of the questions it asked."""
    asked = [iv.questions[r.question_id] for r in iv.state.asked if r.interviewer == link]
    return {s for q in asked for s in (*q.hints, *q.follow_ups, *q.rubric)}


def assert_no_secrets_leak(iv: Interview, secrets: list[str], phone: bool) -> int:
    seen_question = 0
    for _ in drive_whole_interview(iv, swap_after=2):
        acting_candidate = INT if iv.state.swapped else CAND  # after the swap, the other link
        for role in (acting_candidate, OBS):
            text = json.dumps(iv.view_for(role))
            mine = asked_secrets(iv, role)  # a rating form needs the rubric of one's own half
            leaked = [s for s in secrets if s in text and s not in mine]
            assert not leaked, f"{role} sees {leaked} in phase {iv.state.phase}"
            if phone and iv.state.phase not in {"feedback", "done"}:
                for q in iv.config.bank.questions:
                    assert q.text not in text
        interviewer_text = json.dumps(iv.view_for(CAND if iv.state.swapped else INT))
        if iv.current_question is not None and iv.current_question.hints:
            assert iv.current_question.hints[0] in interviewer_text  # the test sees real leaks
            seen_question += 1
    assert iv.state.phase == "done" and iv.state.swaps
    return seen_question


@pytest.mark.parametrize("phone", [False, True])
def test_no_hint_follow_up_or_rubric_ever_reaches_candidate_or_observer(phone: bool) -> None:
    iv = new(phone_realism=phone)
    assert assert_no_secrets_leak(iv, secret_strings(BANK), phone) > 10
    assert [r.interviewer for r in iv.state.asked] == [INT, INT, CAND, CAND]


def shipped_banks() -> list[Bank]:
    # A broken bank file is test_banks.py's failure to report; here it means no cases, and an
    # empty parameter set fails at collection (pyproject: empty_parameter_set_mark).
    try:
        return list(load_banks(default_banks_dir()).values())
    except BankError:
        return []


@pytest.mark.parametrize("bank", shipped_banks(), ids=lambda bank: bank.id)
def test_shipped_banks_do_not_leak_either(bank: Bank) -> None:
    # Skip strings the candidate may legitimately read (a follow-up quoted in a question text).
    visible = " ".join(q.text for q in bank.questions) + json.dumps(CANDIDATE_CHECKLIST)
    secrets = [s for s in secret_strings(bank) if s not in visible]
    assert secrets  # a bank with nothing secret would make this test unable to fail
    # The walk saw questions with hints, so the check above looked at real interviewer text.
    assert assert_no_secrets_leak(new(bank, max_questions=4), secrets, phone=False) > 0


def test_checklists_have_stable_ids_and_text() -> None:
    for items in (RECRUITER_CHECKLIST, CANDIDATE_CHECKLIST):
        assert len({item_id for item_id, _ in items}) == len(items)
        assert all(text.strip() for _, text in items)


# ---- feedback ------------------------------------------------------------------------------------


def in_feedback() -> Interview:
    """Feedback phase after q1 answered, q2 skipped, q3 answered (q3 has no rubric)."""
    iv = started(question_ids=("q1", "q2", "q3"))
    iv.next(by=INT, now=T0 + 5000)
    iv.done(by=CAND, now=T0 + 65_000)
    iv.next(by=INT, now=T0 + 70_000)
    iv.skip(by=INT, now=T0 + 71_000)
    iv.next(by=INT, now=T0 + 80_000)
    iv.next(by=INT, now=T0 + 150_000)
    iv.next(by=INT, now=T0 + 160_000)
    iv.open_feedback(by=INT, now=T0 + 170_000)
    return iv


GOOD_INTERVIEWER = {
    "scores": {
        "q1": [{"score": 4, "comment": "Clear result."}, {"score": 2}],
        "q3": [],
    },
    "would_advance": "maybe",
    "comment": "Good structure, thin on impact.",
}
GOOD_CANDIDATE = {
    "self_scores": {"q1": 3, "q2": None, "q3": 2},
    "went_well": "I kept to STAR.",
    "to_improve": "Quantify results.",
}


def test_valid_feedback_is_stored_from_both_sides() -> None:
    iv = in_feedback()
    event = iv.submit_feedback(INT, GOOD_INTERVIEWER, now=T0 + 200_000)
    assert event["type"] == "feedback" and event["by"] == INT
    assert event["data"]["scores"]["q1"][1] == {"score": 2, "comment": ""}  # canonical form
    iv.submit_feedback(CAND, GOOD_CANDIDATE, now=T0 + 210_000)
    stored = iv.state.feedback[INT]  # the half the interviewer link ran
    assert stored[INT]["would_advance"] == "maybe" and stored[INT]["by"] == INT
    assert stored[INT]["form"] == "rating" and stored[CAND]["form"] == "self"
    assert stored[CAND]["self_scores"] == {"q1": 3, "q3": 2}
    assert stored[CAND]["at"] == T0 + 210_000
    assert iv.view_for(CAND)["feedback_submitted"] == {"interviewer": True, "candidate": True}
    (form,) = iv.view_for(CAND)["forms"]
    assert form["form"] == "self" and form["submitted"]["went_well"] == "I kept to STAR."
    assert [q["id"] for q in form["questions"]] == ["q1", "q2", "q3"]
    assert "rubric" not in json.dumps(form)  # a self-assessment names questions, not rubrics
    # A second submission replaces the first.
    iv.submit_feedback(INT, {"would_advance": "yes"}, now=T0 + 220_000)
    assert iv.state.feedback[INT][INT]["scores"] == {}
    assert iv.state.feedback[INT][INT]["would_advance"] == "yes"


@pytest.mark.parametrize(
    ("role", "data"),
    [
        (INT, "yes"),
        (INT, {}),
        (INT, {"would_advance": "perhaps"}),
        (INT, {"would_advance": "yes", "mood": "good"}),
        (INT, {"would_advance": "yes", "comment": "x" * 4001}),
        (INT, {"would_advance": "yes", "comment": 5}),
        (INT, {"would_advance": "yes", "scores": []}),
        (INT, {"would_advance": "yes", "scores": {"q4": []}}),  # never asked
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": 4}]}}),  # one item short
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": 5}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": 0}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": True}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": "4"}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"comment": "no score"}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": 2, "weight": 1}, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [3, None]}}),
        (INT, {"would_advance": "yes", "scores": {"q1": [{"score": 3, "comment": "x" * 4001}]}}),
        (INT, GOOD_CANDIDATE),  # the wrong form for the role
        (CAND, GOOD_INTERVIEWER),
        (CAND, {"self_scores": {"q1": 5}}),
        (CAND, {"self_scores": {"q9": 2}}),
        (CAND, {"self_scores": ["q1"]}),
        (CAND, {"went_well": ["a"]}),
        (CAND, {"to_improve": "y" * 4001}),
    ],
)
def test_invalid_feedback_is_rejected(role: str, data: Any) -> None:
    iv = in_feedback()
    before = copy.deepcopy(iv.state)
    with pytest.raises(InterviewError) as info:
        iv.submit_feedback(role, data, now=T0 + 200_000)
    assert info.value.code == "invalid-feedback" and info.value.message
    assert iv.state == before


def test_feedback_text_may_be_exactly_the_limit() -> None:
    iv = in_feedback()
    iv.submit_feedback(CAND, {"went_well": "w" * 4000, "to_improve": ""}, now=T0 + 200_000)
    assert len(iv.state.feedback[INT][CAND]["went_well"]) == 4000


def test_feedback_only_from_seats_and_only_in_the_feedback_phase() -> None:
    iv = in_feedback()
    assert code_of(lambda: iv.submit_feedback(OBS, {"went_well": "x"}, now=T0)) == "not-allowed"
    wrap = at_phase("wrap_up")
    assert (
        code_of(lambda: wrap.submit_feedback(INT, {"would_advance": "yes"}, now=T0)) == "bad-phase"
    )


# ---- report --------------------------------------------------------------------------------------


def test_report_data_has_questions_timings_scores_and_both_sides() -> None:
    iv = in_feedback()
    iv.submit_feedback(INT, GOOD_INTERVIEWER, now=T0 + 200_000)
    iv.submit_feedback(CAND, GOOD_CANDIDATE, now=T0 + 210_000)
    iv.finish(by=INT, now=T0 + 220_000)
    report = iv.report_data(CAND)
    json.dumps(report)  # JSON-able as promised
    assert report["bank"] == {"id": "test-bank", "title": "Test bank", "field": "Testing"}
    assert (report["started_at"], report["wrap_up_at"], report["ended_at"]) == (
        T0 - 60_000,
        T0 + 160_000,
        T0 + 220_000,
    )
    (half,) = report["halves"]
    assert (half["number"], half["interviewer"], half["candidate"]) == (1, INT, CAND)
    q1, q2, q3 = half["questions"]
    assert [q["id"] for q in half["questions"]] == ["q1", "q2", "q3"]
    assert [q["number"] for q in half["questions"]] == [1, 2, 3]
    assert (q1["think_ms"], q1["answer_ms"], q1["skipped"]) == (5000, 60_000, False)
    assert (q2["think_ms"], q2["answer_ms"], q2["skipped"]) == (1000, None, True)
    assert (q3["think_ms"], q3["answer_ms"]) == (9000, 70_000)
    assert q1["scores"] == [
        {"item": BANK.questions[0].rubric[0], "score": 4, "comment": "Clear result."},
        {"item": BANK.questions[0].rubric[1], "score": 2, "comment": ""},
    ]
    assert q2["scores"] == [
        {"item": item, "score": None, "comment": ""} for item in BANK.questions[1].rubric
    ]
    assert q3["scores"] == []
    assert (q1["self_score"], q2["self_score"], q3["self_score"]) == (3, None, 2)
    assert q1["started_at"] == T0 and q1["ended_at"] == T0 + 70_000
    assert half["rating"]["data"]["comment"] == "Good structure, thin on impact."
    assert half["self"]["data"]["to_improve"] == "Quantify results."
    assert report["not_asked"] == [] and report["swaps"] == [] and report["phase"] == "done"


def test_report_before_any_feedback_has_empty_sides() -> None:
    report = at_phase("wrap_up").report_data(INT)
    (half,) = report["halves"]
    assert half["rating"] == {"state": "not sent", "data": None}
    assert half["self"] == {"state": "not sent", "data": None}
    assert half["questions"][0]["scores"][0]["score"] is None


def test_the_candidates_report_holds_back_rubric_and_marks_until_released() -> None:
    """Security review H1: in every phase, the candidate's report data has no rubric of the
    current or unasked questions, and the interviewer's marks only once released."""
    iv = in_feedback()
    for phase_iv in (at_phase(p) for p in PHASE_NAMES):
        text = json.dumps(phase_iv.report_data(CAND))
        if phase_iv.state.phase != "done":
            assert "RUBRIC" not in text and "HINT" not in text and "FOLLOWUP" not in text
    iv.submit_feedback(INT, GOOD_INTERVIEWER, now=T0 + 200_000)
    waiting = iv.report_data(CAND)["halves"][0]
    assert waiting["rating"] == {"state": "waiting", "data": None}
    assert "Clear result." not in json.dumps(waiting) and "RUBRIC" not in json.dumps(waiting)
    assert waiting["questions"][0]["scores"] is None
    observer = json.dumps(iv.report_data(OBS))
    assert "Clear result." not in observer and "RUBRIC" not in observer
    # The candidate sends their own form: now they may compare.
    iv.submit_feedback(CAND, GOOD_CANDIDATE, now=T0 + 210_000)
    released = iv.report_data(CAND)["halves"][0]
    assert released["rating"]["data"]["would_advance"] == "maybe"
    assert released["questions"][0]["scores"][0]["comment"] == "Clear result."
    assert "Clear result." not in json.dumps(iv.report_data(OBS))  # observers: at the end
    iv.finish(by=INT, now=T0 + 220_000)
    assert "Clear result." in json.dumps(iv.report_data(OBS))


def test_the_interviewer_sees_the_self_assessment_once_their_rating_is_in() -> None:
    iv = in_feedback()
    iv.submit_feedback(CAND, GOOD_CANDIDATE, now=T0 + 200_000)
    half = iv.report_data(INT)["halves"][0]
    assert half["self"]["state"] == "waiting" and half["questions"][0]["self_score"] is None
    assert half["questions"][0]["scores"] is not None  # their own rubric, always
    iv.submit_feedback(INT, GOOD_INTERVIEWER, now=T0 + 210_000)
    half = iv.report_data(INT)["halves"][0]
    assert half["self"]["data"]["went_well"] == "I kept to STAR."
    assert half["questions"][0]["self_score"] == 3


def test_phone_realism_hides_question_text_in_the_report_until_feedback() -> None:
    iv = started(phone_realism=True)
    text = BANK.questions[0].text
    assert text not in json.dumps(iv.report_data(CAND))
    assert text not in json.dumps(iv.report_data(OBS))
    assert iv.report_data(INT)["halves"][0]["questions"][0]["text"] == text
    iv.wrap_up(by=INT, now=T0 + 1000)
    iv.open_feedback(by=INT, now=T0 + 2000)
    assert iv.report_data(CAND)["halves"][0]["questions"][0]["text"] == text


# ---- two halves ----------------------------------------------------------------------------------


def two_halves() -> Interview:
    """q1 asked by the interviewer link, a swap, q2 asked by the candidate link; feedback."""
    iv = started(question_ids=("q1", "q2"))
    iv.next(by=INT, now=T0 + 1000)
    iv.done(by=CAND, now=T0 + 2000)
    assert iv.view_for(INT)["swap"]["suggested"]  # half the questions are done
    assert iv.view_for(CAND)["swap"]["suggested"]
    iv.request_swap(by=CAND, now=T0 + 3000)
    assert not iv.view_for(INT)["swap"]["suggested"]  # a request is on the table
    iv.confirm_swap(by=INT, now=T0 + 4000)
    assert not iv.view_for(INT)["swap"]["suggested"]
    iv.next(by=CAND, now=T0 + 5000)
    iv.next(by=CAND, now=T0 + 6000)
    iv.done(by=INT, now=T0 + 7000)
    iv.wrap_up(by=CAND, now=T0 + 8000)
    iv.open_feedback(by=CAND, now=T0 + 9000)
    return iv


def test_each_half_has_its_own_forms_in_both_directions() -> None:
    iv = two_halves()
    for link, expected in (
        (INT, [(1, "rating"), (2, "self")]),
        (CAND, [(1, "self"), (2, "rating")]),
    ):
        forms = iv.view_for(link)["forms"]
        assert [(f["half"], f["form"]) for f in forms] == expected
        rating = next(f for f in forms if f["form"] == "rating")
        own = next(f for f in forms if f["form"] == "self")
        # Each person rates the other's answers of the half they interviewed ...
        assert [q["id"] for q in rating["questions"]] == (["q1"] if link == INT else ["q2"])
        assert rating["questions"][0]["rubric"]
        # ... and assesses their own answers of the other half, without its rubric.
        assert [q["id"] for q in own["questions"]] == (["q2"] if link == INT else ["q1"])
        assert "rubric" not in own["questions"][0]
    assert "forms" not in iv.view_for(OBS)
    pending = iv.view_for(CAND)["feedback_pending"]
    assert {(p["half"], p["link_role"], p["form"]) for p in pending} == {
        (1, INT, "rating"),
        (1, CAND, "self"),
        (2, CAND, "rating"),
        (2, INT, "self"),
    }
    # Ben (candidate link) rates Ana's answer to q2 only: q1 is his own answer.
    bad = {"would_advance": "yes", "scores": {"q1": [{"score": 4}, None]}}
    assert code_of(lambda: iv.submit_feedback(CAND, bad, now=T0 + 10_000, half=2)) == (
        "invalid-feedback"
    )
    iv.submit_feedback(CAND, {"would_advance": "yes", "scores": {"q2": [{"score": 4}, None]}},
                       now=T0 + 10_000, half=2)  # fmt: skip
    iv.submit_feedback(CAND, {"self_scores": {"q1": 2}, "went_well": "Calm"}, now=T0 + 11_000,
                       half=1)  # fmt: skip
    assert code_of(lambda: iv.submit_feedback(CAND, {}, now=T0, half=3)) == "invalid-feedback"
    assert code_of(lambda: iv.finish(by=CAND, now=T0 + 12_000)) == "feedback-pending"
    iv.submit_feedback(INT, {"would_advance": "maybe"}, now=T0 + 13_000, half=1)
    iv.submit_feedback(INT, {"self_scores": {"q2": 3}}, now=T0 + 14_000, half=2)
    assert iv.view_for(INT)["feedback_pending"] == []
    iv.finish(by=CAND, now=T0 + 15_000)
    report = iv.report_data(INT)
    first, second = report["halves"]
    assert (first["interviewer"], second["interviewer"]) == (INT, CAND)
    assert first["questions"][0]["self_score"] == 2 and second["questions"][0]["self_score"] == 3
    assert second["questions"][0]["scores"][0]["score"] == 4


def test_a_form_sent_after_finish_is_kept() -> None:
    iv = at_phase("feedback")
    iv.submit_feedback(INT, {"would_advance": "yes"}, now=T0 + 10_000)
    iv.finish(by=INT, now=T0 + 11_000, force=True)
    iv.submit_feedback(CAND, {"went_well": "Late but here"}, now=T0 + 12_000)
    assert iv.report_data(INT)["halves"][0]["self"]["data"]["went_well"] == "Late but here"
    assert iv.view_for(CAND)["forms"][0]["submitted"]["went_well"] == "Late but here"


def test_swap_explains_why_it_is_unavailable() -> None:
    iv = started()
    swap = iv.view_for(INT)["swap"]
    assert not swap["allowed"] and "once this answer is over" in swap["reason"]
    iv.next(by=INT, now=T0 + 1000)
    assert "once this answer is over" in iv.view_for(CAND)["swap"]["reason"]
    iv.next(by=INT, now=T0 + 2000)
    assert iv.view_for(CAND)["swap"]["allowed"] and iv.view_for(CAND)["swap"]["reason"] is None
    assert at_phase("wrap_up").view_for(INT)["swap"]["reason"]


# ---- presence: the countdown waits for an absent candidate ---------------------------------------


def test_the_countdown_is_held_while_the_candidate_is_away() -> None:
    iv = started()
    assert iv.state.timer is not None
    iv.away(CAND, now=T0 + 5000)
    timer = iv.view_for(INT)["timer"]
    assert timer["paused"] and timer["held"] and timer["remaining_ms"] == 15_000
    assert iv.view_for(INT)["away"] == [CAND]
    assert iv.next_deadline is None  # the clock does not move while they are gone
    iv.back(CAND, now=T0 + 65_000)
    timer = iv.view_for(INT)["timer"]
    assert not timer["paused"] and not timer["held"] and timer["deadline"] == T0 + 80_000
    assert iv.view_for(INT)["away"] == []
    # The interviewer being away does not stop the candidate's time.
    iv.away(INT, now=T0 + 66_000)
    assert not iv.state.timer.paused


def test_a_countdown_that_begins_while_the_candidate_is_away_begins_held() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 1000)
    iv.next(by=INT, now=T0 + 2000)  # follow-ups: no timer
    iv.away(CAND, now=T0 + 3000)
    iv.next(by=INT, now=T0 + 4000)  # question 2 begins without them
    assert iv.state.timer is not None and iv.state.timer.held
    iv.resume(by=INT, now=T0 + 5000)  # the interviewer may override
    assert not iv.state.timer.paused and not iv.state.timer.held
    assert code_of(lambda: iv.away(CAND, now=T0 + 6000)) == "already-away"
    iv.back(CAND, now=T0 + 7000)
    assert code_of(lambda: iv.back(CAND, now=T0 + 8000)) == "not-away"
    assert code_of(lambda: iv.apply({"type": "away", "at": T0, "by": INT, "who": CAND})) == (
        "not-allowed"
    )
    assert code_of(lambda: iv.away(OBS, now=T0 + 9000)) == "invalid-event"


def test_a_manual_pause_is_not_undone_by_a_return() -> None:
    iv = started()
    iv.pause(by=INT, now=T0 + 1000)
    iv.away(CAND, now=T0 + 2000)
    iv.back(CAND, now=T0 + 3000)
    assert iv.state.timer is not None and iv.state.timer.paused and not iv.state.timer.held


# ---- event sourcing ------------------------------------------------------------------------------


ENDING = {"wrap_up", "open_feedback", "finish"}


def random_script(iv: Interview, seed: int, steps: int) -> int:
    """Random-ish actions, mostly ones the view advertises, some not; the interview ends only in
    the last fifth. Checks that `allowed_actions` predicts every accept and every refusal."""
    rng = random.Random(seed)
    kinds = [kind for kind in EVENT_RULES if kind not in ("timeout", "away", "back")]
    now, refused = T0, 0
    for step in range(steps):
        now += rng.choice([0, 500, 3000, 15_000, 45_000, 120_000])
        if rng.random() < 0.3:
            iv.tick(now)
        if rng.random() < 0.08:  # someone drops out or comes back (the server's presence hook)
            seat = rng.choice([INT, CAND])
            (iv.back if seat in iv.state.away else iv.away)(seat, now=now)
        role = rng.choice([INT, INT, CAND, OBS])
        advertised = iv.allowed_actions(role)
        kind = rng.choice(advertised if advertised and rng.random() < 0.7 else kinds)
        if kind in ENDING and step < steps * 0.8:
            continue
        allowed = kind in iv.allowed_actions(role)
        data: dict[str, Any] = {}
        if kind == "pick":
            asked = iv.state.order[: iv.state.index + 1]
            unasked = [qid for qid in iv.questions if qid not in asked]
            if not unasked:
                continue
            data["question_id"] = rng.choice(unasked)
        elif kind == "next":
            data["step"] = rng.choice(["phase", "question"])
        elif kind == "extend":
            data["ms"] = 30_000
        elif kind == "finish":
            data["force"] = True
        elif kind == "recording":
            data["on"] = rng.random() < 0.5
        elif kind == "feedback":
            half = rng.choice(halves(iv.state))
            data["half"] = half.number
            ids = [r.question_id for _, r in half.questions]
            if half.form_of(role) == "rating":
                sizes = {qid: len(iv.questions[qid].rubric) for qid in ids}
                data["data"] = {
                    "would_advance": rng.choice(["yes", "no", "maybe"]),
                    "scores": {qid: [{"score": rng.randint(1, 4)}] * n for qid, n in sizes.items()},
                }
            else:
                data["data"] = {"self_scores": {qid: 3 for qid in ids}}
        try:
            iv.apply({"type": kind, "at": now, "by": role, **data})
        except InterviewError:
            refused += 1
            assert not allowed, f"{kind} by {role} was advertised but refused"
        else:
            assert allowed, f"{kind} by {role} was accepted but not advertised"
    return refused


@pytest.mark.parametrize("seed", range(6))
def test_replay_rebuilds_identical_state(seed: int) -> None:
    bank = make_bank(30)
    phone = seed % 2 == 1
    config = InterviewConfig(bank=bank, shuffle_seed=seed, max_questions=20, phone_realism=phone)
    live = Interview.create(config)
    refused = random_script(live, seed, steps=1000)
    assert len(live.events) > 150 and refused > 50
    kinds = {e["type"] for e in live.events}
    assert kinds >= {"pick", "confirm_swap", "timeout", "repeat", "recording"}
    stored: list[Event] = json.loads(json.dumps(live.events))  # as the server persists them
    replayed = Interview.replay(config, stored)
    assert replayed.state == live.state
    assert replayed.events == live.events
    for role in (INT, CAND, OBS):
        assert replayed.view_for(role) == live.view_for(role)
    for role in (INT, CAND, OBS):
        assert replayed.report_data(role) == live.report_data(role)


def test_replay_of_a_complete_interview_with_swap_and_feedback() -> None:
    iv = new(question_ids=("q1", "q2", "q3", "q4"))
    for _ in drive_whole_interview(iv, swap_after=2):
        pass
    replayed = Interview.replay(iv.config, json.loads(json.dumps(iv.events)))
    assert replayed.state == iv.state and replayed.state.phase == "done"
    assert replayed.report_data(CAND) == iv.report_data(CAND)


def test_replay_stops_at_an_event_the_rules_refuse() -> None:
    config = InterviewConfig(bank=BANK)
    events = [{"type": "start", "at": T0, "by": INT}, {"type": "finish", "at": T0 + 1, "by": INT}]
    assert code_of(lambda: Interview.replay(config, events)) == "bad-phase"


def test_applied_events_are_private_copies() -> None:
    iv = new()
    event = {"type": "start", "at": T0, "by": INT}
    stored = iv.apply(event)
    event["at"] = 0
    stored["by"] = CAND
    assert iv.events == [{"type": "start", "at": T0, "by": INT}]


def test_logs_from_before_halves_still_replay() -> None:
    """A session stored before halves: one feedback round at the end covering every question,
    and a finish with a form missing. It must replay (an old room's report still opens)."""
    iv = started(question_ids=("q1", "q2"))
    t = T0
    events: list[Event] = [*iv.events]
    for kind, by in [("next", INT), ("next", INT), ("request_swap", INT), ("confirm_swap", CAND)]:
        t += 1000
        events.append(
            {"type": kind, "at": t, "by": by, **({"step": "phase"} if kind == "next" else {})}
        )
    for kind in ("next", "wrap_up", "open_feedback"):
        t += 1000
        events.append(
            {"type": kind, "at": t, "by": CAND, **({"step": "question"} if kind == "next" else {})}
        )
    old_form = {"would_advance": "yes", "scores": {"q1": [None, None], "q2": [{"score": 3}, None]}}
    events.append({"type": "feedback", "at": t + 1, "by": CAND, "data": old_form})
    events.append({"type": "finish", "at": t + 2, "by": CAND})
    replayed = Interview.replay(iv.config, json.loads(json.dumps(events)))
    assert replayed.state.phase == "done"
    second = replayed.report_data(INT)["halves"][1]
    assert second["questions"][0]["scores"][0]["score"] == 3
    # Live, the same finish is refused: the forms are missing.
    live = Interview.replay(iv.config, json.loads(json.dumps(events[:-2])))
    assert code_of(lambda: live.finish(by=CAND, now=t + 2)) == "feedback-pending"


def test_the_first_interviewer_never_previews_the_questions_they_will_answer() -> None:
    iv = started()  # 4 questions: q1, q2 are the first half's, q3, q4 the second's
    secret = {BANK.questions[2].text, BANK.questions[3].text}
    for step in range(3):
        seen = json.dumps([iv.view_for(INT), iv.report_data(INT)])
        assert not [t for t in secret if t in seen], step
        iv.next(by=INT, now=T0 + 1000 * (step + 1))
    iv.next(by=INT, now=T0 + 5000)  # question 2 (the loop began it): answer
    iv.next(by=INT, now=T0 + 6000)  # its follow-ups: the half-way mark
    assert iv.view_for(INT)["swap"]["suggested"]
    assert not [t for t in secret if t in json.dumps(iv.view_for(INT))]
    iv.request_swap(by=INT, now=T0 + 8000)
    iv.confirm_swap(by=CAND, now=T0 + 9000)
    # Ben interviews now: the second share is his to read.
    assert [q["id"] for q in iv.view_for(CAND)["upcoming"]] == ["q3", "q4"]
    assert not [t for t in secret if t in json.dumps(iv.view_for(INT))]
    # Without a swap, past the mark the first interviewer asks them, so sees them.
    solo = started()
    for k in range(7):
        solo.next(by=INT, now=T0 + 1000 * (k + 1))
    assert solo.current_question is not None and solo.current_question.id == "q3"
    assert [q["id"] for q in solo.view_for(INT)["upcoming"]] == ["q4"]
