"""What a scripted room leaves behind: flow snapshots (room events) and per-answer metrics."""

from __future__ import annotations

import time
from typing import Any

from ..store import Store
from .speech import AnswerMetrics

EVENT_KIND = "scripted"

SCHEMA = """
CREATE TABLE IF NOT EXISTS answer_metrics (
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    take INTEGER NOT NULL,            -- 1-based; a retake is take 2, 3, ...
    talk_ms INTEGER NOT NULL,
    longest_pause_ms INTEGER NOT NULL,
    first_word_ms INTEGER,            -- NULL: the candidate never spoke in that window
    window_ms INTEGER NOT NULL,
    share_used REAL NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (room_id, question_id, take)
);
"""

METRIC_FIELDS = (
    "question_id",
    "take",
    "talk_ms",
    "longest_pause_ms",
    "first_word_ms",
    "window_ms",
    "share_used",
    "created_at",
)


def ensure_schema(store: Store) -> None:
    store.ensure_schema(SCHEMA)


def save_metrics(
    store: Store, room_id: str, question_id: str, take: int, metrics: AnswerMetrics
) -> None:
    # A take measured again (an answer cut off by a reload, then given again) replaces the old row.
    store.connection.execute(
        "INSERT OR REPLACE INTO answer_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            room_id,
            question_id,
            take,
            metrics.talk_ms,
            metrics.longest_pause_ms,
            metrics.first_word_ms,
            metrics.window_ms,
            metrics.share_used,
            time.time(),
        ),
    )


def metrics_for_room(store: Store, room_id: str) -> list[dict[str, Any]]:
    """Every measured answer of a room, in the order they were given (for the review page).

    Each item: {"question_id", "take", "talk_ms", "longest_pause_ms", "first_word_ms" (int or
    None), "window_ms", "share_used" (0..1), "created_at" (unix seconds)}.
    """
    ensure_schema(store)  # the review page may ask before any scripted session ran
    rows = store.connection.execute(
        f"SELECT {', '.join(METRIC_FIELDS)} FROM answer_metrics WHERE room_id = ? "
        "ORDER BY created_at, take",
        (room_id,),
    ).fetchall()
    return [dict(zip(METRIC_FIELDS, tuple(row), strict=True)) for row in rows]


def last_snapshot(store: Store, room_id: str) -> dict[str, Any] | None:
    events = store.events(room_id, EVENT_KIND)
    return events[-1].data if events else None


def append_snapshot(store: Store, room_id: str, snapshot: dict[str, Any]) -> None:
    store.append_event(room_id, EVENT_KIND, snapshot)
