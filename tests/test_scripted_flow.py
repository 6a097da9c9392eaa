"""The scripted phase machine, every transition, with time injected (no sleeping)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mockroom.errors import UserError
from mockroom.roles import Media, Mode
from mockroom.scripted.config import (
    STOP_LINE,
    TRANSITION_LINE,
    WARM_UP_DONE_LINE,
    WARM_UP_LEAD,
    WARM_UP_TEXT,
    WRAP_UP_LINE,
    FlowConfig,
    FlowQuestion,
    config_from_room,
)
from mockroom.scripted.flow import AnswerClosed, AnswerOpened, Say, ScriptedFlow
from mockroom.storage.interface import RoomRecord

SPEECH_MS = 1000  # every line takes 1 s to say in these tests
Q1 = FlowQuestion("q1", "First question?", think_ms=5000, answer_ms=30000)
Q2 = FlowQuestion("q2", "Second question?", think_ms=0, answer_ms=20000)


def make(retakes: int = 1, questions: tuple[FlowQuestion, ...] = (Q1, Q2)) -> ScriptedFlow:
    return ScriptedFlow(
        FlowConfig(questions, retakes=retakes, after_answer_ms=10000), lambda text: SPEECH_MS
    )


def started(flow: ScriptedFlow, t: float = 0) -> ScriptedFlow:
    flow.consent(t)
    flow.start(t)
    return flow


def kinds(effects: Sequence[object]) -> list[str]:
    return [type(e).__name__ for e in effects]


def stored_bank(count: int) -> dict[str, object]:
    """A bank as a room stores it (think 20 s, answer 120 s), with questions q0, q1, ..."""
    questions = [
        {"id": f"q{i}", "text": f"Question {i}?", "kind": "behavioral"} for i in range(count)
    ]
    return {
        "id": "b",
        "title": "B",
        "field": "F",
        "description": "",
        "think_seconds": 20,
        "answer_seconds": 120,
        "code_pad": False,
        "realism": "video",
        "questions": questions,
    }


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


def test_snapshot_restore_resumes_at_same_question() -> None:
    flow = started(make())
    flow.tick(2000)
    flow.done(2000)  # answering q1, take 1: then the page reloads
    snap = flow.snapshot()
    assert snap == {
        "phase": "answer",
        "consented": True,
        "index": 0,
        "question_id": "q1",
        "take": 1,
        "practice": False,
        "window": [2000, 32000],  # the answer window's clock, for a take that goes on
        "follow_up_take": None,
        "follow_up": False,
    }
    again = make()
    again.restore(snap)
    state = again.public(0)
    assert state["phase"] == "waiting" and state["consented"] is True
    assert state["question"]["id"] == "q1"
    # The page marks the cut-off take and offers to resume it.
    assert state["resume"] == {
        "question_id": "q1",
        "take": 1,
        "answered": False,
        "interrupted": True,
    }
    # Resumed without the intro and without saying the question again: think time, same take.
    assert again.start(0) == []
    state = again.public(0)
    assert state["phase"] == "think" and state["timer"]["phase"] == "think"
    assert again.take == 1 and state["resume"] is None and state["said"] == ""
    assert kinds(again.tick(5000)) == ["Say", "AnswerOpened"]
    assert again.public(5000)["recording"] is True and again.take == 1


def interrupted_at_2s() -> dict[str, object]:
    flow = started(make())
    flow.tick(2000)
    flow.done(2000)  # answering q1, take 1, in the window [2 s, 32 s]: then the node dies
    return flow.snapshot()


def test_a_take_the_page_kept_recording_goes_on_in_its_own_window() -> None:
    again = make()
    again.restore(interrupted_at_2s())
    effects = again.start(12_000, still_recording=("q1", 1))
    # No think time, no new take: the same answer window, on the clock it had.
    assert kinds(effects) == ["Say", "AnswerOpened"]
    opened = effects[1]
    assert isinstance(opened, AnswerOpened)
    assert (opened.question_id, opened.take, opened.at, opened.allowed_ms) == (
        "q1",
        1,
        12_000,
        20_000,
    )
    state = again.public(12_000)
    assert state["phase"] == "answer" and state["recording"] is True and state["take"] == 1
    assert (state["timer"]["started_at"], state["timer"]["deadline"]) == (2000, 32000)
    assert state["resume"] is None
    closed = again.tick(32_000)  # its timer ends it as any answer
    assert kinds(closed) == ["AnswerClosed"] and again.phase == "after_answer"


def test_a_kept_take_whose_time_ran_out_meanwhile_goes_to_the_choice() -> None:
    again = make()
    again.restore(interrupted_at_2s())
    assert again.start(40_000, still_recording=("q1", 1)) == []
    assert again.phase == "after_answer" and again.take == 1 and again.retakes_left == 1


def test_another_take_than_the_cut_one_is_recorded_again() -> None:
    for kept in (("q1", 2), ("q2", 1), None):
        again = make()
        again.restore(interrupted_at_2s())
        again.start(12_000, still_recording=kept)
        assert again.phase == "think" and again.take == 1, kept  # think time, then take 1 again


def test_a_snapshot_without_a_window_resumes_with_think_time() -> None:
    snap = interrupted_at_2s()
    for window in (None, "soon", [1, True], [1]):
        again = make()
        again.restore({**snap, "window": window})
        again.start(12_000, still_recording=("q1", 1))
        assert again.phase == "think", window


def test_restore_after_answer_goes_back_to_the_choice() -> None:
    flow = started(make())
    flow.tick(2000)
    flow.done(2000)
    flow.done(3000)
    flow.retake(3000)
    flow.done(3000)
    flow.done(4000)
    again = make()
    again.restore(flow.snapshot())
    again.start(10_000)
    assert again.phase == "after_answer" and again.take == 2 and again.retakes_left == 0


def test_restore_finished_is_done() -> None:
    flow = make()
    flow.restore({"phase": "wrap_up", "consented": True, "index": 1, "take": 1})
    assert flow.phase == "done"


def test_config_from_room_options_override_bank() -> None:
    bank = stored_bank(6)
    room = RoomRecord(
        "room-a",
        Mode.SCRIPTED,
        Media.AUDIO,
        "T",
        "b",
        bank,
        {"question_count": 3, "think_seconds": 0, "answer_seconds": 15, "retakes": 2},
        0.0,
    )
    config = config_from_room(room)
    assert [q.id for q in config.questions] == ["q0", "q1", "q2"]
    assert {(q.think_ms, q.answer_ms) for q in config.questions} == {(0, 15000)}
    assert config.retakes == 2
    scripted = (Mode.SCRIPTED, Media.AUDIO)
    plain = config_from_room(RoomRecord("room-a", *scripted, "T", "b", bank, {}, 0.0))
    assert plain.questions[0].think_ms == 20000 and plain.retakes == 1
    shuffled = RoomRecord("room-a", *scripted, "T", "b", bank, {"shuffle": True}, 0.0)
    order = [q.id for q in config_from_room(shuffled).questions]
    assert sorted(order) == [f"q{i}" for i in range(6)]
    assert order == [q.id for q in config_from_room(shuffled).questions]  # stable on resume


def with_warm_up() -> ScriptedFlow:
    warm = FlowQuestion("warm-up", WARM_UP_TEXT, think_ms=2000, answer_ms=8000)
    return ScriptedFlow(FlowConfig((Q1, Q2), warm_up=warm), lambda text: SPEECH_MS)


def test_warm_up_comes_first_and_is_never_recorded() -> None:
    flow = started(with_warm_up())
    assert flow.tick(1000) == [Say((WARM_UP_LEAD, WARM_UP_TEXT))]  # after the intro
    state = flow.public(1000)
    assert state["practice"] is True and state["question"]["practice"] is True
    assert state["question"]["id"] == "warm-up" and state["retakes_left"] == 0
    flow.tick(3000)  # the lines were said; think time runs
    assert flow.public(3000)["timer"]["phase"] == "think"
    effects = flow.done(3000)
    assert effects == [Say(())]  # no AnswerOpened: nothing records or measures it
    state = flow.public(3000)
    assert state["phase"] == "answer" and state["recording"] is False
    # Its end (done or timeout) goes on to question 1, take 1, announced as recorded from now.
    assert flow.tick(11_000) == [Say((WARM_UP_DONE_LINE, "First question?"))]
    state = flow.public(11_000)
    assert state["practice"] is False and state["question"]["id"] == "q1" and flow.take == 1
    flow.tick(13_000)
    assert kinds(flow.done(13_000)) == ["Say", "AnswerOpened"]
    assert flow.public(13_000)["recording"] is True


def test_reload_in_warm_up_asks_it_again_and_stop_records_nothing() -> None:
    flow = started(with_warm_up())
    flow.tick(1000)
    again = with_warm_up()
    again.restore(flow.snapshot())
    assert again.public(0)["question"]["id"] == "warm-up"
    assert again.start(0) == [Say((WARM_UP_LEAD, WARM_UP_TEXT))]
    again.tick(2000)
    again.done(2000)
    assert again.stop(2500) == [Say((STOP_LINE,))]  # no AnswerClosed for the warm-up


def test_config_warm_up_on_by_default_and_short() -> None:
    bank = stored_bank(1)
    config = config_from_room(RoomRecord("r", Mode.SCRIPTED, Media.VIDEO, "T", "b", bank, {}, 0.0))
    assert config.warm_up is not None
    assert (config.warm_up.think_ms, config.warm_up.answer_ms) == (5000, 30000)
    assert WARM_UP_TEXT in config.fixed_lines()
    off = RoomRecord("r", Mode.SCRIPTED, Media.VIDEO, "T", "b", bank, {"warm_up": False}, 0.0)
    assert config_from_room(off).warm_up is None
