"""The interview-flow tests' shared bank, clock and drivers (tests/test_interview_*.py).

One small bank whose hints, follow-ups and rubric carry marker words (a leak is unmistakable),
`new` / `started` interviews on it, `at_phase` (an interview walked to a phase) and the
longer walks the views, feedback and replay tests share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockroom.banks.model import Bank, Question
from mockroom.interview.flow import (
    Interview,
    InterviewConfig,
    InterviewError,
)
from mockroom.interview.state import halves

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


PHASE_NAMES = ["lobby", "intro", "think", "answer", "follow_ups", "wrap_up", "feedback", "done"]


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
