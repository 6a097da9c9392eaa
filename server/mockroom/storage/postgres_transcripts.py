"""The SQL of the transcripts table on PostgreSQL (as sqlite_transcripts is for SQLite).

A mixin of `PostgresStore` (its pool and helpers). `TRANSCRIPTS_V3` is migration 3 of
postgres_schema: one row per clip, naming its room in `room_id` so room deletion finds it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .interface import TranscriptRecord

TRANSCRIPTS_V3 = """
CREATE TABLE transcripts (
    clip_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    status TEXT NOT NULL,
    clip_finished_at DOUBLE PRECISION,
    backend TEXT,
    words_json TEXT NOT NULL DEFAULT '[]',
    audio_ms INTEGER,
    error TEXT,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX transcripts_room ON transcripts(room_id);
CREATE INDEX transcripts_status ON transcripts(status, updated_at);
"""


def _record(row: dict[str, Any]) -> TranscriptRecord:
    data = dict(row)
    words = json.loads(data.pop("words_json"))
    return TranscriptRecord(words=words, **data)


class TranscriptTables:
    # Provided by PostgresStore (typed loosely here so the mixin needs no import of it).
    async def _all(self, query: Any, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def _one(self, query: Any, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        raise NotImplementedError

    async def _write(self, query: Any, args: tuple[Any, ...] = ()) -> int:
        raise NotImplementedError

    async def mark_transcript(
        self, room_id: str, clip_id: str, status: str, clip_finished_at: float | None
    ) -> None:
        await self._write(
            "INSERT INTO transcripts (clip_id, room_id, status, clip_finished_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (clip_id) DO UPDATE SET "
            "status = excluded.status, clip_finished_at = excluded.clip_finished_at, "
            "words_json = '[]', error = NULL, updated_at = excluded.updated_at",
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
        await self._write(
            "UPDATE transcripts SET status = %s, backend = %s, words_json = %s, audio_ms = %s, "
            "error = %s, updated_at = %s WHERE clip_id = %s",
            (status, backend, json.dumps(words), audio_ms, error, time.time(), clip_id),
        )

    async def transcript(self, clip_id: str) -> TranscriptRecord | None:
        row = await self._one("SELECT * FROM transcripts WHERE clip_id = %s", (clip_id,))
        return None if row is None else _record(row)

    async def transcripts_for_room(self, room_id: str) -> dict[str, TranscriptRecord]:
        rows = await self._all("SELECT * FROM transcripts WHERE room_id = %s", (room_id,))
        return {row["clip_id"]: _record(row) for row in rows}

    async def transcripts_waiting(self, status: str, limit: int) -> list[TranscriptRecord]:
        rows = await self._all(
            "SELECT * FROM transcripts WHERE status = %s ORDER BY updated_at, clip_id LIMIT %s",
            (status, limit),
        )
        return [_record(row) for row in rows]
