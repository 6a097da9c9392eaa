"""What each role sees live: the interviewer's whole question, the candidate's and observer's
text and timer only, and no hint, follow-up or rubric ever leaking to them.

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

import json

import pytest

from mockroom.banks.model import Bank, BankError, default_banks_dir, load_banks
from mockroom.interview.flow import Interview
from mockroom.interview.state import (
    CANDIDATE_CHECKLIST,
    PHONE_PROMPT,
    RECRUITER_CHECKLIST,
)
from support.interview import (
    BANK,
    CAND,
    INT,
    OBS,
    T0,
    at_phase,
    drive_whole_interview,
    new,
    secret_strings,
    started,
)

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
