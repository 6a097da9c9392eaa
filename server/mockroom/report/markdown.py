"""The report as Markdown, from the model of `report_model.build_report`. Pure: no I/O, no clock.

The HTML page (report.html) renders the same model, so the two exports never disagree.
"""

from __future__ import annotations

import re
from typing import Any

from .model import OBSERVER_POLICY, ReportInput, build_report, fmt_duration, plural

__all__ = ["OBSERVER_POLICY", "ReportInput", "build_report", "fmt_duration", "render_markdown"]


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.strip().splitlines()]


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _question(q: dict[str, Any], candidate: str) -> list[str]:
    flag = " (skipped)" if q["skipped"] else ""
    out = [f"### {q['number']}. {q['title']}{flag}", ""]
    out.append(
        f"- Think time: {q['think']} · Answer time: {q['answer']}"
        + (f" of {q['window']}" if q["window_ms"] else "")
    )
    if q["retakes"]:
        out.append(f"- {q['retakes']}")
    if q["self_score"] is not None:
        out.append(f"- {candidate}'s self-score: {q['self_score']}/4")
    if q.get("recordings"):
        takes = ", ".join(t["label"] for t in q["recordings"])
        out.append(f"- Recorded: {takes} (watch them on the review page)")
    if q["scores"]:
        out += ["", "| Rubric item | Score | Comment |", "|---|---|---|"]
        for s in q["scores"]:
            out.append(f"| {_cell(s['item'])} | {s['score'] or '—'} | {_cell(s['comment'])} |")
    out.append("")
    return out


def _half(h: dict[str, Any]) -> list[str]:
    out = [f"## {h['title']}", ""]
    if h["scores_note"]:
        out += [f"_{h['scores_note']}_", ""]
    for q in h["questions"]:
        out += _question(q, h["candidate_name"])
    rating, own = h["rating"], h["self"]
    out += [f"### {rating['label']}", ""]
    if rating["data"]:
        out.append(f"- Would advance: {rating['advance']}")
        if rating["data"].get("comment"):
            out += ["", *_quote(rating["data"]["comment"])]
    else:
        out.append(f"_{rating['note']}_")
    out += ["", f"### {own['label']}", ""]
    if own["data"]:
        out += ["**What went well**", "", *(_quote(own["data"]["went_well"]) or ["—"]), ""]
        out += ["**What to improve**", "", *(_quote(own["data"]["to_improve"]) or ["—"])]
    else:
        out.append(f"_{own['note']}_")
    return [*out, ""]


def render_markdown(model: dict[str, Any]) -> str:
    out = [f"# Interview report: {model['title']}", "", f"- Date: {model['date']}"]
    if model["job_title"]:
        out.append(f"- Practising for: {model['job_title']}")
    out.append(f"- People: {model['people']}")
    if model["observers"]:
        out.append(f"- Observers: {', '.join(model['observers'])}")
    bank = model["bank"]
    out.append(f"- Question bank: {bank['title'] if bank else 'none (free conversation)'}")
    if model["status"]:
        out.append(f"- Status: {model['status']}")
    out.append(f"- Report for: {model['reader_name']}")
    out.append("")
    if bank and not model["halves"]:
        out += ["_No questions were asked yet._", ""]
    for h in model["halves"]:
        out += _half(h)
    if model["not_asked"]:
        out += ["## Not asked", ""]
        out += [f"- {q['text']}" for q in model["not_asked"]]
        out.append("")
    elif model["not_asked_count"]:
        count = model["not_asked_count"]
        verb = "is" if count == 1 else "are"
        out += [f"_{plural(count, 'more question')} of the bank {verb} not asked._", ""]
    out += ["## Suggested next steps", ""]
    out += [f"- {step}" for step in model["next_steps"]]
    out += ["", "## Shared notes", "", model["shared_notes"].strip() or "_(empty)_"]
    if model["private_notes"] is not None:
        out += ["", "## My private notes", ""]
        out.append(model["private_notes"].strip() or "_(empty)_")
    for letter in model["letters"]:
        text = letter["text"]
        fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
        out += ["", f"## {letter['title']}", "", f"{fence}text", text.rstrip("\n"), fence]
    out += ["", f"_{model['observer_policy']}_"]
    return "\n".join(out) + "\n"
