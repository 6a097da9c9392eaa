"""The scripted phase machine resumed from its snapshot (a reload, a node that died), time
injected: the same question, and a take the page kept recording goes on in its own window."""

from __future__ import annotations

from mockroom.scripted.flow import AnswerOpened
from support.scripted_flow import kinds, make, started


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
