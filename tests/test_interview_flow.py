"""The interview flow as pure domain: config and question order, the happy path phase by phase,
skip, pick and repeat, and swapping roles.

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockroom.errors import UserError
from mockroom.interview.flow import InterviewError
from support.interview import (
    CAND,
    INT,
    OBS,
    T0,
    at_phase,
    code_of,
    make_bank,
    new,
    started,
)

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
