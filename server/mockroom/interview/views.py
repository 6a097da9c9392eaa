"""What each person sees of the live interview: the `state` of an `interview-state` message.

Filtered here, in one place: hints, follow-ups and rubric reach only the *acting* interviewer,
and only for questions that link asks or asked. `role` is the acting role (it flips with a swap),
`link_role` the role of the link the person opened; clients label people by `role`.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .state import (
    CANDIDATE_CHECKLIST,
    PHONE_PROMPT,
    RATING,
    RECRUITER_CHECKLIST,
    SEATS,
    SWAP_PHASES,
    TIMED_PHASES,
    AskedQuestion,
    Half,
    InterviewReading,
    InterviewState,
    current_half,
    half_mark,
    halves,
    pending_forms,
    second_share,
)

if TYPE_CHECKING:
    from ..banks.model import Question

FEEDBACK_PHASES = frozenset({"feedback", "done"})
SWAP_LATER = (
    "You can swap roles once this answer is over (in the follow-ups), so that nobody sees the "
    "rubric of a question they are answering."
)
SWAP_OVER = "The questions are over, so the roles stay as they are for the feedback."


def view(iv: InterviewReading, link_role: str, acting: str, actions: list[str]) -> dict[str, Any]:
    """What the holder of `link_role` (acting as `acting`) may see. JSON-able.

    `actions` are the event types this person may send now, so a browser enables exactly the
    buttons the rules would accept."""
    s, bank = iv.state, iv.config.bank
    question = iv.current_question
    half = current_half(s)
    out: dict[str, Any] = {
        "link_role": link_role,
        "role": acting,
        "phase": s.phase,
        "timer": s.timer.to_dict() if s.timer else None,
        "position": {"number": s.index + 1 if question else None, "total": len(s.order)},
        # 1 + repeats of the current question: a re-asked question is a new recorded take
        "take": s.asked[-1].repeats + 1 if question else None,
        "swap": _swap(s),
        "half": _half_brief(half),
        "halves": [_half_brief(h) for h in halves(s) if h.questions],
        "bank": {"id": bank.id, "title": bank.title, "code_pad": bank.code_pad},
        "phone_realism": iv.config.phone_realism,
        "actions": actions,
        "away": list(s.away),
        # Everyone sees whose answers are recorded: the interviewer must know it is on.
        "recording": {link: s.recording.get(link) for link in SEATS},
        "feedback_submitted": _submitted_last_half(s),
        "feedback_pending": [
            {"half": h.number, "link_role": link, "form": h.form_of(link)}
            for h, link in pending_forms(s)
        ]
        if s.phase in FEEDBACK_PHASES
        else [],
    }
    if link_role != "observer" and s.phase in FEEDBACK_PHASES:
        out["forms"] = _forms(iv, link_role)
    if acting == "interviewer":
        # Never a preview of the questions one will answer after the swap.
        unseen = set(s.order[: s.index + 1]) | second_share(s)
        out.update(
            question=_full_question(question) if question else None,
            upcoming=[
                _brief(iv.questions[qid]) for qid in s.order[s.index + 1 :] if qid not in unseen
            ],
            # What `pick` can still take: upcoming questions move up, the rest get inserted.
            available=[_brief(q) for q in bank.questions if q.id not in unseen],
            asked=[
                asked_line(iv, n, r, with_rubric=r.interviewer == link_role)
                for n, r in enumerate(s.asked, 1)
            ],
            checklist=_checklist(RECRUITER_CHECKLIST),
        )
        return out
    # Candidate and observer: an allow-list of fields, never a copy of the question with parts
    # removed, so a field added to Question later cannot leak by default.
    phone = iv.config.phone_realism
    out.update(
        question=None if phone or question is None else _brief(question, with_kind=True),
        prompt=PHONE_PROMPT if phone and question is not None else None,
    )
    if acting == "candidate":
        out["checklist"] = _checklist(CANDIDATE_CHECKLIST)
    return out


def _swap(s: InterviewState) -> dict[str, Any]:
    allowed = s.phase in SWAP_PHASES
    reason = None
    if not allowed:
        reason = SWAP_LATER if s.phase in TIMED_PHASES else SWAP_OVER
    return {
        "swapped": s.swapped,
        "requested_by": s.swap_requested_by,
        "allowed": allowed,
        "reason": reason,
        "suggested": _swap_suggested(s),
    }


def _swap_suggested(s: InterviewState) -> bool:
    """The half-way mark: half the planned questions asked, by one interviewer, none pending."""
    started = [h for h in halves(s) if h.questions]
    if len(started) != 1 or s.phase != "follow_ups" or s.swap_requested_by is not None:
        return False
    if started[0].interviewer != s.acting_interviewer:
        return False  # already swapped, the second half is about to begin
    remaining = len(s.order) - (s.index + 1)
    return remaining > 0 and len(started[0].questions) >= half_mark(len(s.order))


def _half_brief(half: Half) -> dict[str, Any]:
    return {
        "number": half.number,
        "interviewer": half.interviewer,
        "candidate": half.candidate,
        "questions": [n for n, _ in half.questions],
    }


def _submitted_last_half(s: InterviewState) -> dict[str, bool]:
    """By acting form, for the half that ended last (what a one-half session used to show)."""
    last = halves(s)[-1]
    sent = s.feedback.get(last.key, {})
    return {"interviewer": last.interviewer in sent, "candidate": last.candidate in sent}


def _forms(iv: InterviewReading, link_role: str) -> list[dict[str, Any]]:
    """The feedback forms this link fills: a rating for the half it interviewed, a
    self-assessment for the half it answered, each with what it already sent."""
    forms = []
    for half in halves(iv.state):
        form = half.form_of(link_role)
        if form is None or not half.questions:
            continue
        sent = iv.state.feedback.get(half.key, {}).get(link_role)
        forms.append(
            {
                "half": half.number,
                "form": form,
                "interviewer": half.interviewer,
                "candidate": half.candidate,
                "questions": [
                    asked_line(iv, n, r, with_rubric=form == RATING) for n, r in half.questions
                ],
                "submitted": copy.deepcopy(sent),
            }
        )
    return forms


def _brief(q: Question, with_kind: bool = False) -> dict[str, Any]:
    brief = {"id": q.id, "text": q.text}
    return {**brief, "kind": q.kind} if with_kind else brief


def _full_question(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": q.text,
        "kind": q.kind,
        "think_seconds": q.think_seconds,
        "answer_seconds": q.answer_seconds,
        "hints": list(q.hints),
        "follow_ups": list(q.follow_ups),
        "rubric": list(q.rubric),
        "tags": list(q.tags),
    }


def asked_line(
    iv: InterviewReading, number: int, record: AskedQuestion, *, with_rubric: bool
) -> dict[str, Any]:
    q = iv.questions[record.question_id]
    line = asdict(record)
    line["id"] = line.pop("question_id")
    rubric = {"rubric": list(q.rubric)} if with_rubric else {}
    return {"number": number, "text": q.text, "kind": q.kind, **rubric, **line}


def _checklist(items: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"id": item_id, "text": text} for item_id, text in items]
