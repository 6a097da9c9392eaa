"""Event sourcing: replaying stored events rebuilds identical state; refused or private copies.

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from mockroom.interview.flow import (
    EVENT_RULES,
    Event,
    Interview,
    InterviewConfig,
    InterviewError,
)
from mockroom.interview.state import halves
from support.interview import (
    BANK,
    CAND,
    INT,
    OBS,
    T0,
    code_of,
    drive_whole_interview,
    make_bank,
    new,
    started,
)

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
