"""The scripted phase machine, every transition, with time injected (no sleeping).

Resuming from a snapshot: test_scripted_flow_resume.py; the config and the warm-up question:
test_scripted_flow_config.py; their shared helpers: support/scripted_flow.py.
"""

from __future__ import annotations

import pytest

from mockroom.errors import UserError
from mockroom.scripted.config import STOP_LINE, TRANSITION_LINE, WRAP_UP_LINE
from mockroom.scripted.flow import AnswerClosed, AnswerOpened, Say
from support.scripted_flow import Q2, kinds, make, started


def test_waiting_state_and_consent_required() -> None:
    flow = make()
    state = flow.public(0)
    assert state == {
        "phase": "waiting",
        "consented": False,
        "question": None,
        "timer": None,
        "take": 0,
        "retakes_left": 1,
        "recording": False,
        "practice": False,
        "follow_up": False,
        "resume": None,
        "said": "",
    }
    with pytest.raises(UserError) as err:
        flow.start(0)
    assert err.value.code == "consent-required"
    assert flow.consent(0) == []
    assert flow.public(0)["consented"] is True


def test_intro_then_question_then_think_timer_after_speech() -> None:
    flow = make()
    flow.consent(0)
    effects = flow.start(0)
    assert flow.phase == "intro"
    assert isinstance(effects[0], Say) and "2 questions" in effects[0].lines[0]
    assert flow.public(500)["said"].startswith("Hi, thanks")
    assert flow.next_wakeup(0) == 1000
    effects = flow.tick(1000)  # intro said -> question 1 is asked
    assert effects == [Say(("First question?",))]
    state = flow.public(1500)
    assert state["phase"] == "think" and state["timer"] is None
    assert state["said"] == "First question?"
    assert state["question"] == {
        "id": "q1",
        "text": "First question?",
        "index": 0,
        "count": 2,
        "practice": False,
        "follow_up": False,
    }
    assert flow.tick(1999) == []
    flow.tick(2000)  # question said -> think time starts
    timer = flow.public(2000)["timer"]
    assert timer == {
        "phase": "think",
        "started_at": 2000,
        "deadline": 7000,
        "duration_ms": 5000,
        "paused": False,
        "remaining_ms": None,
    }
    assert flow.public(2000)["said"] == ""


def test_think_timeout_opens_answer_and_answer_timeout_closes_it() -> None:
    flow = started(make())
    flow.tick(1000)
    flow.tick(2000)
    effects = flow.tick(7000)
    assert kinds(effects) == ["Say", "AnswerOpened"]
    assert effects[1] == AnswerOpened("q1", 1, 7000, 30000)
    state = flow.public(7000)
    assert state["phase"] == "answer" and state["recording"] is True and state["take"] == 1
    assert state["timer"]["deadline"] == 37000
    effects = flow.tick(37000)
    assert effects == [AnswerClosed("q1", 1, 37000, "timeout")]
    state = flow.public(37000)
    assert state["phase"] == "after_answer" and state["recording"] is False
    assert state["timer"]["phase"] == "after_answer" and state["retakes_left"] == 1


def test_late_tick_catches_up_several_steps() -> None:
    flow = started(make())
    effects = flow.tick(8000)  # intro end, question end, think end all overdue
    assert kinds(effects) == ["Say", "Say", "AnswerOpened"]
    assert flow.phase == "answer" and flow.timer is not None and flow.timer.started_at == 7000


def test_done_in_think_starts_answer_and_done_in_answer_finishes() -> None:
    flow = started(make())
    flow.tick(2000)
    assert kinds(flow.done(2500)) == ["Say", "AnswerOpened"]
    assert flow.phase == "answer"
    assert flow.done(4000) == [AnswerClosed("q1", 1, 4000, "done")]
    assert flow.phase == "after_answer"
    with pytest.raises(UserError) as err:
        flow.done(4100)
    assert err.value.code == "not-now"


def test_done_while_question_is_spoken_cuts_the_speech() -> None:
    flow = started(make())
    flow.tick(1000)
    effects = flow.done(1200)
    assert effects[0] == Say(())  # silences the voice
    assert flow.phase == "answer" and flow.public(1200)["said"] == ""


def test_repeat_restarts_question_and_think_timer() -> None:
    flow = started(make())
    flow.tick(2000)
    assert flow.timer is not None
    effects = flow.repeat(3000)
    assert effects == [Say(("First question?",))]
    assert flow.timer is None and flow.phase == "think"
    flow.tick(4000)
    assert flow.timer is not None and flow.timer.started_at == 4000 and flow.timer.deadline == 9000
    flow.done(4500)
    with pytest.raises(UserError):
        flow.repeat(5000)  # not while answering


def test_retake_within_allowed_count() -> None:
    flow = started(make(retakes=1))
    flow.tick(2000)
    flow.done(2000)
    flow.done(3000)
    effects = flow.retake(3100)
    assert effects == []
    state = flow.public(3100)
    assert state["phase"] == "think" and state["take"] == 2 and state["retakes_left"] == 0
    assert state["timer"]["phase"] == "think"  # think time again, no speech
    effects = flow.tick(8100)
    assert effects[1] == AnswerOpened("q1", 2, 8100, 30000)
    flow.done(9000)
    with pytest.raises(UserError) as err:
        flow.retake(9100)
    assert err.value.code == "no-retakes-left"


def test_retake_with_zero_think_opens_answer_at_once() -> None:
    flow = started(make(questions=(Q2,), retakes=2))
    flow.tick(2000)  # intro + question said; think 0 -> answer
    assert flow.phase == "answer"
    flow.done(3000)
    assert kinds(flow.retake(3100)) == ["Say", "AnswerOpened"]
    assert flow.public(3100)["retakes_left"] == 1


def test_next_speaks_transition_then_question_and_auto_advance() -> None:
    flow = started(make())
    flow.tick(2000)
    flow.done(2000)
    flow.done(3000)
    effects = flow.next(3000)
    assert effects == [Say((TRANSITION_LINE, "Second question?"))]
    assert flow.public(3500)["said"] == TRANSITION_LINE
    assert flow.public(4500)["said"] == "Second question?"
    assert flow.public(4500)["question"]["id"] == "q2" and flow.take == 1
    assert flow.next_wakeup(3500) == 4000  # the line change is a state change
    effects = flow.tick(5000)  # think 0: answer opens when the question is said
    assert effects[-1] == AnswerOpened("q2", 1, 5000, 20000)
    flow.tick(25000)
    assert flow.phase == "after_answer"
    effects = flow.tick(35000)  # nobody chose: auto-advance after after_answer_ms -> wrap-up
    assert effects == [Say((WRAP_UP_LINE,))]
    assert flow.phase == "wrap_up" and flow.public(35000)["question"] is None
    flow.tick(36000)
    assert flow.phase == "done"
    with pytest.raises(UserError):
        flow.next(36000)


def test_stop_from_answer_closes_window_and_wraps_up() -> None:
    flow = started(make())
    flow.tick(2000)
    flow.done(2000)
    effects = flow.stop(2500)
    assert effects == [AnswerClosed("q1", 1, 2500, "stop"), Say((STOP_LINE,))]
    assert flow.phase == "wrap_up"
    assert flow.stop(2600) == []
    flow.tick(3500)
    assert flow.phase == "done"


def test_stop_before_start_is_done_without_speech() -> None:
    flow = make()
    assert flow.stop(0) == []
    assert flow.phase == "done"
    flow.consent(0)
    with pytest.raises(UserError):
        flow.start(0)


def test_start_twice_and_actions_out_of_phase_are_refused() -> None:
    flow = started(make())
    for action in (flow.start, flow.next, flow.retake, flow.repeat, flow.done):
        with pytest.raises(UserError) as err:
            action(100)
        assert err.value.code == "not-now"


def test_no_questions_is_a_clear_error() -> None:
    flow = make(questions=())
    flow.consent(0)
    with pytest.raises(UserError) as err:
        flow.start(0)
    assert err.value.code == "no-questions"
