"""The SQL of the transcripts table on PostgreSQL (as sqlite_transcripts is for SQLite).

A mixin of `PostgresStore` (its pool and helpers); the writes both backends share are in
transcript_rows. `TRANSCRIPTS_V3` is migration 3 of postgres_schema: one row per clip, naming its
room in `room_id` so room deletion finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, LiteralString

from .interface import TranscriptRecord
from .transcript_rows import TranscriptWrites, transcript_record

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


class TranscriptTables(TranscriptWrites):
    # Provided by PostgresStore (typed loosely here so the mixin needs no import of it).
    async def _all(self, query: Any, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def _write(self, query: Any, args: tuple[Any, ...] = ()) -> int:
        raise NotImplementedError

    async def _transcript_exec(self, query: LiteralString, args: tuple[Any, ...]) -> None:
        await self._write(query, args)

    async def _transcript_rows(
        self, query: LiteralString, args: tuple[Any, ...]
    ) -> list[Mapping[str, Any]]:
        return list(await self._all(query, args))

    async def transcripts_waiting(self, status: str, limit: int) -> list[TranscriptRecord]:
        rows = await self._all(
            "SELECT * FROM transcripts WHERE status = %s ORDER BY updated_at, clip_id LIMIT %s",
            (status, limit),
        )
        return [transcript_record(row) for row in rows]
