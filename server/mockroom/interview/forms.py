"""The feedback forms of a half, checked before they are stored. Pure.

The half's interviewer sends a rating of the other person's answers: `would_advance`, an overall
`comment` and per-question `scores` (one mark per rubric item). The half's candidate sends a
self-assessment: `self_scores` per question, `went_well`, `to_improve`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .state import ADVANCE_CHOICES, MAX_TEXT, RATING, InterviewState, halves

if TYPE_CHECKING:
    from ..banks.model import Question


def store_feedback(
    s: InterviewState, event: dict[str, Any], questions: Mapping[str, Question], *, lenient: bool
) -> None:
    """Check a `feedback` event and keep it as its half's form from its sender; ValueError.

    `event["half"]` names the half (default: the last). `lenient` (replaying stored events):
    forms from before halves covered every asked question, so only this half's part is read."""
    by, all_halves = event["by"], halves(s)
    number = event.get("half")
    if number is None:
        number = all_halves[-1].number
        if lenient:
            ids = {r.question_id for _, r in all_halves[-1].questions}
            event["data"] = _only_questions(event["data"], ids)
    if not isinstance(number, int) or isinstance(number, bool):
        raise ValueError("half must be the number of a half.")
    if not 1 <= number <= len(all_halves):
        raise ValueError(f"This session has no half {number}.")
    half = all_halves[number - 1]
    form = half.form_of(by)
    assert form is not None  # only seats reach here, and a half involves both
    sizes = {r.question_id: len(questions[r.question_id].rubric) for _, r in half.questions}
    event["data"] = checked_feedback(form, event["data"], sizes)
    stored = {"by": by, "at": event["at"], "half": number, "form": form, **event["data"]}
    s.feedback.setdefault(half.key, {})[by] = stored


def _only_questions(data: Any, ids: set[str]) -> Any:
    if not isinstance(data, dict):
        return data  # the form check says what is wrong with it
    pruned = dict(data)
    for key in ("scores", "self_scores"):
        if isinstance(pruned.get(key), dict):
            pruned[key] = {qid: v for qid, v in pruned[key].items() if qid in ids}
    return pruned


def checked_feedback(form: str, data: Any, rubric_sizes: dict[str, int]) -> dict[str, Any]:
    """The canonical form answers, or ValueError naming the first problem.

    `form` is "rating" (the half's interviewer on the other's answers) or "self" (the half's
    candidate on their own); `rubric_sizes` maps each question of that half to its number of
    rubric items. Strict on purpose: this text ends up in a shared report.
    """
    if not isinstance(data, dict):
        raise ValueError("Feedback must be an object.")
    if form == RATING:
        _no_unknown(data, {"scores", "would_advance", "comment"})
        if data.get("would_advance") not in ADVANCE_CHOICES:
            raise ValueError("would_advance must be one of: yes, no, maybe.")
        scores: dict[str, list[dict[str, Any] | None]] = {}
        for qid, marks in _per_question(data.get("scores", {}), "scores", rubric_sizes).items():
            size = rubric_sizes[qid]
            if not isinstance(marks, list) or len(marks) != size:
                raise ValueError(f"scores.{qid} must list {size} entries, one per rubric item.")
            scores[qid] = [_mark(mark, f"scores.{qid}[{i}]") for i, mark in enumerate(marks)]
        return {
            "would_advance": data["would_advance"],
            "comment": _text(data.get("comment", ""), "comment"),
            "scores": scores,
        }
    _no_unknown(data, {"self_scores", "went_well", "to_improve"})
    self_scores: dict[str, int] = {}
    rated = _per_question(data.get("self_scores", {}), "self_scores", rubric_sizes)
    for qid, score in rated.items():
        if score is not None:  # a question the candidate chose not to rate
            self_scores[qid] = _score(score, f"self_scores.{qid}")
    return {
        "self_scores": self_scores,
        "went_well": _text(data.get("went_well", ""), "went_well"),
        "to_improve": _text(data.get("to_improve", ""), "to_improve"),
    }


def _no_unknown(data: dict[Any, Any], allowed: set[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ValueError(f"Unknown field(s): {', '.join(unknown)}.")


def _per_question(value: Any, where: str, rubric_sizes: dict[str, int]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must map question ids to answers.")
    for qid in value:
        if qid not in rubric_sizes:
            raise ValueError(f"{where}: {qid!r} is not a question of this half.")
    return value


def _mark(value: Any, where: str) -> dict[str, Any] | None:
    if value is None:  # an item left unscored
        return None
    if not isinstance(value, dict) or "score" not in value:
        raise ValueError(f"{where} must be null or {{score, comment}}.")
    _no_unknown(value, {"score", "comment"})
    return {
        "score": _score(value["score"], f"{where}.score"),
        "comment": _text(value.get("comment", ""), f"{where}.comment"),
    }


def _score(value: Any, where: str) -> int:
    # bool is an int in Python; a JSON true must not pass as a score of 1.
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
        raise ValueError(f"{where} must be a whole number from 1 to 4.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be text.")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{where} is longer than {MAX_TEXT} characters.")
    return value
