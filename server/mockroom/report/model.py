"""The end-of-interview report as one JSON-able model, for one reader. Pure: no I/O, no clock.

`build_report(ReportInput)` turns the report data (interview.report_view, already filtered for the
reader's role and the phase), the room's facts, the people's names and the reader's notes into the
model that both the HTML page (report.html) and the Markdown (report.markdown) draw from, so the two
exports never disagree. People are named, never called by their link: a swapped session has a
section per half ("Half 2: Ben interviews Ana"). The letters (report.letters) are only the reader's
own: a thank-you note to whoever interviewed them, a feedback note to whoever they interviewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .letters import feedback_note, post_mortem, reply_to_invitation, thank_you_note

ADVANCE_LABELS = {"yes": "Yes", "maybe": "Maybe", "no": "Not yet"}
LOW_SCORE = 2  # rubric marks at or below this become "practise this" suggestions
MAX_PRACTISE_ITEMS = 4
PHASE_WORDS = {
    "lobby": "not started yet",
    "intro": "in progress (introductions)",
    "think": "in progress (think time)",
    "answer": "in progress (answer time)",
    "follow_ups": "in progress (follow-up questions)",
    "wrap_up": "in progress (wrap-up)",
    "feedback": "feedback forms open",
    "done": "finished",
}

# Observers are usually coaches or classmates invited to help: they see the scores and both
# sides' feedback once the interview is over; private notes belong to their author alone.
OBSERVER_POLICY = (
    "Observers see this report with its scores and both sides' feedback once the interview is "
    "finished, and the shared notes; private notes are only ever shown to the person who wrote "
    "them. Each side's marks are shown to the other once they have sent their own form."
)


def fmt_duration(ms: int | None) -> str:
    """m:ss, or an en dash when nothing was measured."""
    if ms is None:
        return "\u2013"
    seconds = max(0, round(ms / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class ReportInput:
    room_id: str
    title: str
    date: str  # already formatted: the renderer must not read a clock
    reader_role: str  # the link role whose token opened the report
    names: dict[str, str]  # link role -> the name to print (report.display_names)
    data: dict[str, Any] | None  # interview.report_view.report(); None: free conversation
    job_title: str | None = None  # the role being practised for, from the room's job_title
    observers: list[str] = field(default_factory=list)  # names of observers who joined
    answer_windows_ms: dict[str, int] = field(default_factory=dict)  # question id -> answer time
    shared_notes: str = ""
    private_notes: str | None = None  # the reader's own; None for roles without private notes
    # question id -> the recorded takes of it this reader may watch (recordings/access.py)
    recordings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _take_line(clip: dict[str, Any]) -> dict[str, Any]:
    ms = clip.get("duration_ms")
    state = "" if clip.get("finished") else ", interrupted"
    length = fmt_duration(ms) if ms else "unknown length"
    return {**clip, "label": f"take {clip['take']} ({length}{state})"}


def _question_line(
    q: dict[str, Any], windows: dict[str, int], recordings: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    scores = q["scores"]
    marks = [s["score"] for s in scores or [] if s["score"] is not None]
    counts = []
    if q["repeats"]:
        counts.append(f"repeated {plural(q['repeats'], 'time')}")
    if q["extensions"]:
        counts.append(f"extended {plural(q['extensions'], 'time')}")
    return {
        **q,
        "title": q["text"] or f"Question {q['number']} (its text stays hidden until the feedback)",
        "retakes": ", ".join(counts).capitalize(),
        "think": fmt_duration(q["think_ms"]),
        "answer": fmt_duration(q["answer_ms"]),
        "window_ms": windows.get(q["id"]),
        "window": fmt_duration(windows.get(q["id"])),
        "average": round(sum(marks) / len(marks), 1) if marks else None,
        "recordings": [_take_line(c) for c in recordings.get(q["id"], [])],
    }


def _side_note(side: dict[str, Any], author: str, what: str, reader_sends: str) -> str:
    if side["state"] == "waiting":
        return f"{author}'s {what} is in: you see it once you send your {reader_sends}."
    if side["state"] == "not sent":
        return f"{author} has not sent the {what} yet."
    return ""


def _half(h: dict[str, Any], inp: ReportInput) -> dict[str, Any]:
    interviewer, candidate = _name(inp, h["interviewer"]), _name(inp, h["candidate"])
    reader = inp.reader_role
    rating, own = dict(h["rating"]), dict(h["self"])
    data = rating["data"]
    rating["advance"] = ADVANCE_LABELS.get(data["would_advance"]) if data else None
    rating["label"] = f"{interviewer}'s feedback on {candidate}'s answers"
    rating["note"] = _side_note(rating, interviewer, "feedback", "self-assessment")
    own["label"] = f"{candidate}'s self-assessment"
    own["note"] = _side_note(own, candidate, "self-assessment", "feedback")
    return {
        "number": h["number"],
        "title": f"Half {h['number']}: {interviewer} interviews {candidate}",
        "interviewer": h["interviewer"],
        "candidate": h["candidate"],
        "interviewer_name": interviewer,
        "candidate_name": candidate,
        "reader_answered": reader == h["candidate"],
        "reader_asked": reader == h["interviewer"],
        "questions": [
            _question_line(q, inp.answer_windows_ms, inp.recordings) for q in h["questions"]
        ],
        "scores_note": _scores_note(h, reader, interviewer),
        "rating": rating,
        "self": own,
    }


def _scores_note(h: dict[str, Any], reader: str, interviewer: str) -> str:
    """Why a half's rubric tables are missing, when they are."""
    if all(q["scores"] is not None for q in h["questions"]):
        return ""
    if reader == h["candidate"]:
        return (
            f"The rubric and {interviewer}'s marks are shown once you send your "
            "self-assessment, or when the interview is finished."
        )
    return "The rubric and the marks are shown when the interview is finished."


def next_steps(half: dict[str, Any] | None, not_asked: int, asked_any: bool) -> list[str]:
    """Concrete suggestions on the reader's own answers (`half`: the one they answered)."""
    steps: list[str] = []
    questions = half["questions"] if half else []
    low = sorted(
        (mark["score"], q["number"], mark["item"])
        for q in questions
        for mark in q["scores"] or []
        if mark["score"] is not None and mark["score"] <= LOW_SCORE
    )
    for score, number, item in low[:MAX_PRACTISE_ITEMS]:
        steps.append(f"Practise “{item}” (question {number}, scored {score}/4).")
    for q in questions:
        if q["skipped"]:
            steps.append(f"Come back to the skipped question {q['number']}: “{q['title']}”")
    for q in questions:
        window, answer = q["window_ms"], q["answer_ms"]
        if q["skipped"] or not window or answer is None:
            continue
        if answer > window:
            steps.append(
                f"Question {q['number']} ran over ({q['answer']} for {q['window']}): "
                "rehearse a tighter structure and land the result sooner."
            )
        elif answer < window / 3:
            steps.append(
                f"Question {q['number']} was short ({q['answer']} of {q['window']}): add the "
                "concrete actions you took and a measurable result."
            )
    for q in questions:
        if q["average"] is not None and q["self_score"] is not None:
            gap = q["self_score"] - q["average"]
            if abs(gap) >= 1.5:
                view = "higher" if gap > 0 else "lower"
                steps.append(
                    f"On question {q['number']} you rated yourself {view} than your interviewer "
                    f"did ({q['self_score']} vs {q['average']}): compare notes on why."
                )
    if not_asked:
        steps.append(
            f"{plural(not_asked, 'question')} of the bank {'was' if not_asked == 1 else 'were'} "
            "not asked: use them in your next session."
        )
    if half is None and asked_any:
        steps.append("Swap roles next time, so that you practise answering too.")
    elif half is not None and not low and any(q["average"] for q in questions):
        steps.append("No rubric item scored low: swap to a harder bank or a stricter interviewer.")
    return steps


def build_report(inp: ReportInput) -> dict[str, Any]:
    data = inp.data
    halves = [_half(h, inp) for h in data["halves"]] if data else []
    answered = next((h for h in halves if h["reader_answered"]), None)
    asked = next((h for h in halves if h["reader_asked"]), None)
    seats = [_name(inp, link) for link in ("interviewer", "candidate")]
    model: dict[str, Any] = {
        "room_id": inp.room_id,
        "title": inp.title,
        "job_title": inp.job_title,
        "date": inp.date,
        "reader_role": inp.reader_role,
        "reader_name": _name(inp, inp.reader_role)
        if inp.reader_role != "observer"
        else "an observer",
        "people": " and ".join(seats),
        "observers": inp.observers,
        "bank": data["bank"] if data else None,
        "phase": data["phase"] if data else None,
        "status": PHASE_WORDS.get(data["phase"], data["phase"]) if data else None,
        "swapped": bool(data and data["swaps"]),
        "halves": halves,
        "not_asked": (data or {}).get("not_asked", []),
        "not_asked_count": (data or {}).get("not_asked_count", 0),
        "shared_notes": inp.shared_notes,
        "private_notes": inp.private_notes,
        "observer_policy": OBSERVER_POLICY,
    }
    is_seat = inp.reader_role in ("interviewer", "candidate")
    if data is None:
        steps = [
            "This was a free conversation: next time pick a question bank for timed questions, "
            "rubrics and scores."
        ]
    elif is_seat:
        steps = next_steps(answered, model["not_asked_count"], bool(halves))
    else:
        steps = ["Share what you noticed with both of them while it is fresh."]
    letters: list[dict[str, str]] = []
    if is_seat:
        me = _name(inp, inp.reader_role)
        if answered is not None or data is None:
            other = answered["interviewer_name"] if answered else None
            steps.append("Send a short thank-you note within a day (template below).")
            letters.append(
                _letter(
                    "thank_you", "Thank-you note", other, thank_you_note(model, answered, me, other)
                )
            )
            if answered is not None:
                letters.append(
                    _letter("post_mortem", "Post-mortem", None, post_mortem(model, answered))
                )
            letters.append(
                _letter(
                    "decline",
                    "Declining or rescheduling an interview invitation",
                    None,
                    reply_to_invitation(model, me),
                )
            )
        if asked is not None:
            steps.append(f"Send {asked['candidate_name']} your feedback note (template below).")
            letters.append(
                _letter(
                    "feedback_note",
                    f"Feedback note to {asked['candidate_name']}",
                    asked["candidate_name"],
                    feedback_note(model, asked, me),
                )
            )
        steps.append(
            "Real interviewers usually reply within a few days; if a week passes, follow up "
            "once, politely, and ask about the timeline."
        )
    model["next_steps"] = steps
    model["letters"] = letters
    return model


def _name(inp: ReportInput, link: str) -> str:
    return inp.names.get(link) or link.capitalize()


def _letter(key: str, title: str, to: str | None, text: str) -> dict[str, str]:
    return {"key": key, "title": title, "to": to or "", "text": text}
