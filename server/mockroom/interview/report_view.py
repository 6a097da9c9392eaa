"""The report's data as one reader may see it, at this point of the interview. Pure.

Every HTTP export of an interview (report page, report.md) is drawn from `report(iv, reader)`,
so what a reader may see is decided here, once, from their link role and the phase:

- the rubric and the marks of a question go to the person who asked it; to the person who
  answered it (and observers) only once it is *released*: the interview is done, or the reader
  has sent their own form for that half (then they cannot be swayed by the other's marks);
- the same holds for the other side's verdict, comments and self-assessment;
- in phone-screen realism a question's text stays hidden from whoever answered it (and from
  observers) until the feedback phase, as it is in the live view;
- upcoming questions are only counted, except for the person interviewing now, and never the
  second half's share to the first interviewer, who will be asked those after the swap.

Hints and follow-ups are never part of a report.
"""

from __future__ import annotations

import copy
from typing import Any

from .state import Half, InterviewReading, InterviewState, halves, second_share

FEEDBACK_PHASES = frozenset({"feedback", "done"})
SENT, WAITING, NOT_SENT = "sent", "waiting", "not sent"


def released(s: InterviewState, half: Half, reader: str) -> bool:
    """May `reader` see both sides' feedback of `half`?"""
    if s.phase == "done":
        return True
    return reader in (half.interviewer, half.candidate) and reader in s.feedback.get(half.key, {})


def report(iv: InterviewReading, reader: str) -> dict[str, Any]:
    """Everything a report renderer needs, filtered for `reader` (a link role). JSON-able."""
    s, bank = iv.state, iv.config.bank
    upcoming = s.order[s.index + 1 :]
    may_see_upcoming = s.phase == "done" or (
        reader == s.acting_interviewer and s.phase not in FEEDBACK_PHASES
    )
    return {
        "reader": reader,
        "bank": {"id": bank.id, "title": bank.title, "field": bank.field},
        "phone_realism": iv.config.phone_realism,
        "phase": s.phase,
        "current": s.index + 1 if iv.current_question is not None else None,
        "started_at": s.started_at,
        "wrap_up_at": s.wrap_up_at,
        "ended_at": s.ended_at,
        "swaps": list(s.swaps),
        "halves": [_half(iv, h, reader) for h in halves(s) if h.questions],
        "not_asked_count": len(upcoming),
        "not_asked": [
            {"id": qid, "text": iv.questions[qid].text}
            for qid in upcoming
            if may_see_upcoming and (s.phase == "done" or qid not in second_share(s))
        ],
    }


def _half(iv: InterviewReading, half: Half, reader: str) -> dict[str, Any]:
    s = iv.state
    sent = s.feedback.get(half.key, {})
    shown = released(s, half, reader)
    rating = _side(sent.get(half.interviewer), reader == half.interviewer or shown)
    own = _side(sent.get(half.candidate), reader == half.candidate or shown)
    marks = (rating["data"] or {}).get("scores", {})
    self_scores = (own["data"] or {}).get("self_scores", {})
    questions = []
    for number, record in half.questions:
        q = iv.questions[record.question_id]
        text_shown = (
            not iv.config.phone_realism or reader == half.interviewer or s.phase in FEEDBACK_PHASES
        )
        line: dict[str, Any] = {
            "number": number,
            "id": q.id,
            "text": q.text if text_shown else None,
            "kind": q.kind,
            "skipped": record.skipped,
            "repeats": record.repeats,
            "extensions": record.extensions,
            "think_ms": record.think_ms,
            "answer_ms": record.answer_ms,
            "started_at": record.started_at,
            "ended_at": record.ended_at,
            "scores": None,  # None: the reader may not see this question's rubric yet
            "self_score": self_scores.get(q.id) if own["state"] == SENT else None,
        }
        if reader == half.interviewer or shown:
            given = marks.get(q.id) or [None] * len(q.rubric)
            line["scores"] = [
                {
                    "item": item,
                    "score": mark["score"] if mark else None,
                    "comment": mark["comment"] if mark else "",
                }
                for item, mark in zip(q.rubric, given, strict=True)
            ]
        questions.append(line)
    return {
        "number": half.number,
        "interviewer": half.interviewer,
        "candidate": half.candidate,
        "questions": questions,
        "rating": rating,
        "self": own,
    }


def _side(stored: dict[str, Any] | None, visible: bool) -> dict[str, Any]:
    """One form of a half: its answers if the reader may see them, and its state in words."""
    if stored is None:
        return {"state": NOT_SENT, "data": None}
    if not visible:
        return {"state": WAITING, "data": None}
    return {"state": SENT, "data": copy.deepcopy(stored)}
