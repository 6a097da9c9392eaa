"""The transcripts table's rows, shared by both backends (sqlite_transcripts, postgres_transcripts).

The two tables hold the same columns and take the same writes; only the placeholder and the way a
statement is run differ. The SQL here is written with psycopg's `%s` (literal strings, as psycopg's
typing asks); SQLite's mixin swaps them for `?` when it runs one (`sqlite_query`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, LiteralString

from .interface import TranscriptRecord

MARK_SQL = (
    "INSERT INTO transcripts (clip_id, room_id, status, clip_finished_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (clip_id) DO UPDATE SET "
    "status = excluded.status, clip_finished_at = excluded.clip_finished_at, "
    "words_json = '[]', error = NULL, updated_at = excluded.updated_at"
)
SAVE_SQL = (
    "UPDATE transcripts SET status = %s, backend = %s, words_json = %s, audio_ms = %s, "
    "error = %s, updated_at = %s WHERE clip_id = %s"
)
BY_CLIP_SQL = "SELECT * FROM transcripts WHERE clip_id = %s"
BY_ROOM_SQL = "SELECT * FROM transcripts WHERE room_id = %s"


def sqlite_query(query: LiteralString) -> str:
    """The statement with SQLite's placeholders (no `%` appears in this table's SQL otherwise)."""
    return query.replace("%s", "?")


def transcript_record(row: Mapping[str, Any]) -> TranscriptRecord:
    """A row (a psycopg dict or a sqlite3.Row) as a record; the words are stored as JSON."""
    data = dict(row)
    words = json.loads(data.pop("words_json"))
    return TranscriptRecord(words=words, **data)


class TranscriptWrites:
    """The transcript methods both stores share, over two statements a backend provides."""

    async def _transcript_exec(self, query: LiteralString, args: tuple[Any, ...]) -> None:
        raise NotImplementedError

    async def _transcript_rows(
        self, query: LiteralString, args: tuple[Any, ...]
    ) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    async def mark_transcript(
        self, room_id: str, clip_id: str, status: str, clip_finished_at: float | None
    ) -> None:
        args = (clip_id, room_id, status, clip_finished_at, time.time())
        await self._transcript_exec(MARK_SQL, args)

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
        args = (status, backend, json.dumps(words), audio_ms, error, time.time(), clip_id)
        await self._transcript_exec(SAVE_SQL, args)

    async def transcript(self, clip_id: str) -> TranscriptRecord | None:
        rows = await self._transcript_rows(BY_CLIP_SQL, (clip_id,))
        return transcript_record(rows[0]) if rows else None

    async def transcripts_for_room(self, room_id: str) -> dict[str, TranscriptRecord]:
        rows = await self._transcript_rows(BY_ROOM_SQL, (room_id,))
        return {row["clip_id"]: transcript_record(row) for row in rows}
