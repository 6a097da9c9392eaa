"""The SQL of the transcripts table: what the speech recogniser heard in each recorded take.

A mixin of `SqliteStore` like `sqlite_features` (same connection, same event-loop thread); a
file of its own so the speech feature's rows read in one place. One row per clip, naming its room
in `room_id` (room deletion removes it) and the recording it is of in `clip_finished_at`: a reset
take is recorded again and its old words must not be shown for the new recording.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from .interface import TranscriptRecord

TRANSCRIPT_SCHEMA = """
CREATE TABLE IF NOT EXISTS transcripts (
    clip_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    status TEXT NOT NULL,             -- queued | pending (queue was full) | done | failed
    clip_finished_at REAL,
    backend TEXT,
    words_json TEXT NOT NULL DEFAULT '[]',  -- [{text, start_s, end_s, confidence}]
    audio_ms INTEGER,
    error TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS transcripts_room ON transcripts(room_id);
CREATE INDEX IF NOT EXISTS transcripts_status ON transcripts(status, updated_at);
"""


def _record(row: sqlite3.Row) -> TranscriptRecord:
    data = dict(row)
    words = json.loads(data.pop("words_json"))
    return TranscriptRecord(words=words, **data)


class TranscriptTables:
    _db: sqlite3.Connection

    async def mark_transcript(
        self, room_id: str, clip_id: str, status: str, clip_finished_at: float | None
    ) -> None:
        self._db.execute(
            "INSERT INTO transcripts (clip_id, room_id, status, clip_finished_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(clip_id) DO UPDATE SET status = excluded.status, "
            "clip_finished_at = excluded.clip_finished_at, words_json = '[]', error = NULL, "
            "updated_at = excluded.updated_at",
            (clip_id, room_id, status, clip_finished_at, time.time()),
        )

    async def save_transcript(
        self,
        clip_id: str,
        *,
        status: str,
        backend: str | None,
        words: list[dict[str, Any]],
        audio_ms: int | None,
        error: str | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE transcripts SET status = ?, backend = ?, words_json = ?, audio_ms = ?, "
            "error = ?, updated_at = ? WHERE clip_id = ?",
            (status, backend, json.dumps(words), audio_ms, error, time.time(), clip_id),
        )

    async def transcript(self, clip_id: str) -> TranscriptRecord | None:
        row = self._db.execute("SELECT * FROM transcripts WHERE clip_id = ?", (clip_id,)).fetchone()
        return None if row is None else _record(row)

    async def transcripts_for_room(self, room_id: str) -> dict[str, TranscriptRecord]:
        rows = self._db.execute("SELECT * FROM transcripts WHERE room_id = ?", (room_id,))
        return {row["clip_id"]: _record(row) for row in rows}

    async def transcripts_waiting(self, status: str, limit: int) -> list[TranscriptRecord]:
        rows = self._db.execute(
            "SELECT * FROM transcripts WHERE status = ? ORDER BY updated_at LIMIT ?",
            (status, limit),
        )
        return [_record(row) for row in rows]
