"""The SQL of the transcripts table: what the speech recogniser heard in each recorded take.

A mixin of `SqliteStore` like `sqlite_features` (same connection, same event-loop thread); a
file of its own so the speech feature's rows read in one place (the writes both backends share
are in transcript_rows). One row per clip, naming its room in `room_id` (room deletion removes
it) and the recording it is of in `clip_finished_at`: a reset take is recorded again and its old
words must not be shown for the new recording.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any, LiteralString

from .interface import TranscriptRecord
from .transcript_rows import TranscriptWrites, sqlite_query, transcript_record

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


class TranscriptTables(TranscriptWrites):
    _db: sqlite3.Connection

    async def _transcript_exec(self, query: LiteralString, args: tuple[Any, ...]) -> None:
        self._db.execute(sqlite_query(query), args)

    async def _transcript_rows(
        self, query: LiteralString, args: tuple[Any, ...]
    ) -> list[Mapping[str, Any]]:
        return list(self._db.execute(sqlite_query(query), args))

    async def transcripts_waiting(self, status: str, limit: int) -> list[TranscriptRecord]:
        rows = self._db.execute(
            "SELECT * FROM transcripts WHERE status = ? ORDER BY updated_at LIMIT ?",
            (status, limit),
        )
        return [transcript_record(row) for row in rows]
