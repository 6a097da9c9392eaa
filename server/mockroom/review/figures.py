"""The scripted interviewer's speech figures, grouped per question and worded for the review.

The figures come from one place only, `scripted.service.metrics_for_room` (the answer_metrics
table, see scripted/speech.AnswerMetrics), so their field names are known: no synonyms to guess.
"""

from __future__ import annotations

from typing import Any

# The duration figures in reading order, with their labels. A None first word means silence.
DURATIONS = (
    ("talk_ms", "Talk time"),
    ("longest_pause_ms", "Longest pause"),
    ("first_word_ms", "Time to first word"),
)


def by_question(metrics: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Question id → its takes' figures, in the order they were measured."""
    out: dict[str, list[dict[str, Any]]] = {}
    for figures in metrics:
        out.setdefault(figures["question_id"], []).append(figures)
    return out


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


def figure_rows(figures: dict[str, Any]) -> list[dict[str, str]]:
    """One take's figures as label/value text."""
    rows = []
    for key, label in DURATIONS:
        if key in figures:
            value = figures[key]
            rows.append(
                {
                    "label": label,
                    "value": "no speech detected" if value is None else _seconds(value),
                }
            )
    return rows + answer_time_rows(figures)


def answer_time_rows(figures: dict[str, Any]) -> list[dict[str, str]]:
    """How long the answer ran and where the last word fell, both against the time allowed, so
    the two lines never seem to disagree ("Answer window 3.0 s" beside "29 % used")."""
    window, share, allowed = (figures.get(k) for k in ("window_ms", "share_used", "allowed_ms"))
    allowed = allowed if isinstance(allowed, int | float) and allowed > 0 else None
    of_allowed = f" of the {_seconds(allowed)} allowed" if allowed else " of the time allowed"
    rows = []
    if isinstance(window, int | float) and not isinstance(window, bool):
        value = _seconds(window) + (f" of the {_seconds(allowed)} allowed" if allowed else "")
        rows.append({"label": "Answer length", "value": value})
    if isinstance(share, int | float) and not isinstance(share, bool):
        spoken = f"{_seconds(share * allowed)}, " if allowed else ""
        rows.append({"label": "Last word at", "value": f"{spoken}{share * 100:.0f} %{of_allowed}"})
    return rows
