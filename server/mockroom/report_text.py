"""The end-of-interview report as plain data and Markdown. Pure: no I/O, no clock.

`build_report(ReportInput)` turns the interview's report data (interview_state.report), the
room's facts and the reader's notes into one JSON-able model; the HTML page (report.html) and
`render_markdown` both draw from that model, so the two exports never disagree. The letter
templates (thank-you, post-mortem, decline/reschedule) live in `report_letters`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .report_letters import decline_reply, post_mortem, thank_you_note

ADVANCE_LABELS = {"yes": "Yes", "maybe": "Maybe", "no": "Not yet"}
LOW_SCORE = 2  # rubric marks at or below this become "practise this" suggestions
MAX_PRACTISE_ITEMS = 4

# Observers are usually coaches or classmates invited to help: they see scores and both sides'
# feedback, but private notes belong to their author alone.
OBSERVER_POLICY = (
    "Observers see this report with its scores and both sides' feedback, and the shared notes; "
    "private notes are only ever shown to the person who wrote them."
)


def fmt_duration(ms: int | None) -> str:
    """m:ss, or an en dash when nothing was measured."""
    if ms is None:
        return "\u2013"
    seconds = max(0, round(ms / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class ReportInput:
    room_id: str
    title: str
    date: str  # already formatted: the renderer must not read a clock
    reader_role: str  # the link role whose token opened the report
    participants: list[tuple[str, str]]  # (name, link role), in joining order
    data: dict[str, Any] | None  # interview_state.report(); None: free conversation
    answer_windows_ms: dict[str, int] = field(default_factory=dict)  # question id -> answer time
    shared_notes: str = ""
    private_notes: str | None = None  # the reader's own; None for roles without private notes


def name_of(participants: list[tuple[str, str]], role: str) -> str | None:
    """The name a link role last used in the room."""
    names = [name for name, r in participants if r == role]
    return names[-1] if names else None


def _question_line(q: dict[str, Any], windows: dict[str, int]) -> dict[str, Any]:
    marks = [s["score"] for s in q["scores"] if s["score"] is not None]
    return {
        "number": q["number"],
        "id": q["id"],
        "text": q["text"],
        "kind": q["kind"],
        "interviewer": q["interviewer"],
        "skipped": q["skipped"],
        "repeats": q["repeats"],
        "extensions": q["extensions"],
        "think_ms": q["think_ms"],
        "answer_ms": q["answer_ms"],
        "think": fmt_duration(q["think_ms"]),
        "answer": fmt_duration(q["answer_ms"]),
        "window_ms": windows.get(q["id"]),
        "window": fmt_duration(windows.get(q["id"])),
        "scores": q["scores"],
        "average": round(sum(marks) / len(marks), 1) if marks else None,
        "self_score": q["self_score"],
    }


def next_steps(questions: list[dict[str, Any]], data: dict[str, Any]) -> list[str]:
    """Concrete suggestions derived from the scores, skips and timings, most useful first."""
    steps: list[str] = []
    low = sorted(
        (
            (mark["score"], q["number"], mark["item"])
            for q in questions
            for mark in q["scores"]
            if mark["score"] is not None and mark["score"] <= LOW_SCORE
        ),
    )
    for score, number, item in low[:MAX_PRACTISE_ITEMS]:
        steps.append(f"Practise “{item}” (question {number}, scored {score}/4).")
    for q in questions:
        if q["skipped"]:
            steps.append(f"Come back to the skipped question {q['number']}: “{q['text']}”")
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
                    f"On question {q['number']} you rated yourself {view} than the interviewer "
                    f"did ({q['self_score']} vs {q['average']}): compare notes on why."
                )
    if data.get("not_asked"):
        count = len(data["not_asked"])
        steps.append(
            f"{count} question{'s' if count != 1 else ''} of the bank were not asked: "
            "use them in your next session."
        )
    if not low and questions and any(q["average"] for q in questions):
        steps.append("No rubric item scored low: swap to a harder bank or a stricter interviewer.")
    steps.append("Send a short thank-you note within a day (template below).")
    steps.append(
        "Real interviewers usually reply within a few days; if a week passes, follow up once, "
        "politely, and ask about the timeline."
    )
    return steps


def build_report(inp: ReportInput) -> dict[str, Any]:
    data = inp.data
    questions = (
        [_question_line(q, inp.answer_windows_ms) for q in data["questions"]] if data else []
    )
    feedback = (data or {}).get("feedback") or {"interviewer": None, "candidate": None}
    by_interviewer = feedback.get("interviewer")
    model: dict[str, Any] = {
        "room_id": inp.room_id,
        "title": inp.title,
        "date": inp.date,
        "reader_role": inp.reader_role,
        "participants": [{"name": n, "role": r} for n, r in inp.participants],
        "bank": data["bank"] if data else None,
        "phase": data["phase"] if data else None,
        "swapped": bool(data and data["swaps"]),
        "questions": questions,
        "not_asked": (data or {}).get("not_asked", []),
        "feedback": {
            "interviewer": by_interviewer,
            "advance": ADVANCE_LABELS.get(by_interviewer["would_advance"])
            if by_interviewer
            else None,
            "candidate": feedback.get("candidate"),
        },
        "shared_notes": inp.shared_notes,
        "private_notes": inp.private_notes,
        "observer_policy": OBSERVER_POLICY,
    }
    model["next_steps"] = (
        next_steps(questions, data)
        if data
        else [
            "This was a free conversation: next time pick a question bank for timed questions, "
            "rubrics and scores.",
            "Send a short thank-you note within a day (template below).",
        ]
    )
    model["templates"] = {
        "thank_you": thank_you_note(model, inp.participants),
        "post_mortem": post_mortem(model),
        "decline": decline_reply(model),
    }
    return model


# ---- Markdown ------------------------------------------------------------------------------------


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.strip().splitlines()]


def render_markdown(model: dict[str, Any]) -> str:
    out = [f"# Interview report: {model['title']}", "", f"- Date: {model['date']}"]
    people = ", ".join(f"{p['name']} ({p['role']})" for p in model["participants"])
    out.append(f"- Participants: {people or '—'}")
    bank = model["bank"]
    out.append(f"- Question bank: {bank['title'] if bank else 'none (free conversation)'}")
    if model["swapped"]:
        out.append("- Roles were swapped during the session.")
    out += ["", "## Questions", ""]
    if not model["questions"]:
        out.append("_No questions were asked._")
    for q in model["questions"]:
        flag = " (skipped)" if q["skipped"] else ""
        out += [f"### {q['number']}. {q['text']}{flag}", ""]
        out.append(
            f"- Think time: {q['think']} · Answer time: {q['answer']}"
            + (f" of {q['window']}" if q["window_ms"] else "")
        )
        out.append(f"- Interviewed by: the {q['interviewer']} link")
        if q["repeats"] or q["extensions"]:
            out.append(f"- Repeated {q['repeats']} times, extended {q['extensions']} times")
        out.append(f"- Candidate's self-score: {q['self_score'] or '—'}/4")
        if q["scores"]:
            out += ["", "| Rubric item | Score | Comment |", "|---|---|---|"]
            for s in q["scores"]:
                comment = (s["comment"] or "").replace("|", "\\|").replace("\n", " ")
                out.append(f"| {s['item']} | {s['score'] or '—'} | {comment} |")
        out.append("")
    fb = model["feedback"]
    out += ["## Feedback", "", "### From the interviewer", ""]
    if fb["interviewer"]:
        out.append(f"- Would advance: {fb['advance']}")
        if fb["interviewer"].get("comment"):
            out += ["", *_quote(fb["interviewer"]["comment"])]
    else:
        out.append("_Not submitted._")
    out += ["", "### From the candidate", ""]
    if fb["candidate"]:
        out += ["**What went well**", "", *(_quote(fb["candidate"]["went_well"]) or ["—"]), ""]
        out += ["**What I'd improve**", "", *(_quote(fb["candidate"]["to_improve"]) or ["—"])]
    else:
        out.append("_Not submitted._")
    out += ["", "## Suggested next steps", ""]
    out += [f"- {step}" for step in model["next_steps"]]
    out += ["", "## Shared notes", "", model["shared_notes"].strip() or "_(empty)_"]
    if model["private_notes"] is not None:
        out += ["", f"## My private notes ({model['reader_role']})", ""]
        out.append(model["private_notes"].strip() or "_(empty)_")
    t = model["templates"]
    for heading, text in (
        ("Thank-you note", t["thank_you"]),
        ("Post-mortem", t["post_mortem"]),
        ("Declining or rescheduling an interview invitation", t["decline"]),
    ):
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
        out += ["", f"## {heading}", "", f"{fence}text", text.rstrip("\n"), fence]
    out += ["", f"_{model['observer_policy']}_"]
    return "\n".join(out) + "\n"
