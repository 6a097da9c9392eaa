"""What a scripted room leaves behind: flow snapshots (room events) and per-answer metrics."""

from __future__ import annotations

from typing import Any

from ..storage.interface import Store
from .speech import AnswerMetrics

EVENT_KIND = "scripted"


def save_metrics(
    store: Store, room_id: str, question_id: str, take: int, metrics: AnswerMetrics
) -> None:
    """Store one take's figures; a take measured again replaces its old row."""
    row = {"question_id": question_id, "take": take, **metrics.as_dict()}
    store.save_answer_metrics(room_id, row)


def metrics_for_room(store: Store, room_id: str) -> list[dict[str, Any]]:
    """Every measured answer of a room, in the order they were given (for the review page).

    Each item: {"question_id", "take", "talk_ms", "longest_pause_ms", "first_word_ms" (int or
    None), "window_ms", "share_used" (0..1), "created_at" (unix seconds)}.
    """
    return store.answer_metrics(room_id)


def last_snapshot(store: Store, room_id: str) -> dict[str, Any] | None:
    events = store.events(room_id, EVENT_KIND)
    return events[-1].data if events else None


def append_snapshot(store: Store, room_id: str, snapshot: dict[str, Any]) -> None:
    store.append_event(room_id, EVENT_KIND, snapshot)


FOLLOW_UP_KIND = "scripted-follow-up"


def save_follow_up(store: Store, room_id: str, question_id: str, take: int, text: str) -> None:
    """The follow-up asked after a short answer, and the take its answer is recorded under."""
    store.append_event(
        room_id, FOLLOW_UP_KIND, {"question_id": question_id, "take": take, "text": text}
    )


def follow_ups_for_room(store: Store, room_id: str) -> dict[tuple[str, int], str]:
    """(question id, take) -> the follow-up that take answers, for the review and its export."""
    out: dict[tuple[str, int], str] = {}
    for event in store.events(room_id, FOLLOW_UP_KIND):
        data = event.data
        if isinstance(data.get("question_id"), str) and isinstance(data.get("take"), int):
            out[(data["question_id"], data["take"])] = str(data.get("text", ""))
    return out
