"""Feedback forms, the report each role may read, and the two halves of a swapped interview.

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mockroom.interview.flow import (
    Interview,
    InterviewError,
)
from support.interview import (
    BANK,
    CAND,
    INT,
    OBS,
    PHASE_NAMES,
    T0,
    at_phase,
    code_of,
    in_feedback,
    started,
)

# ---- feedback ------------------------------------------------------------------------------------


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
