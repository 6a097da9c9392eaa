"""The SQL of the feature tables: clips, review ratings and comments, speech metrics, sealed links.

A mixin of `SqliteStore` (same connection, same event-loop thread): the store stays one object
behind one interface while each file stays a short read. Every table names its room in a
`room_id` column, so `SqliteStore.delete_room` removes its rows without knowing the feature.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

FEATURE_SCHEMA = """
-- recordings: one row per answer take; the bytes are files under data_dir/recordings/<room>/
CREATE TABLE IF NOT EXISTS clips (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    take INTEGER NOT NULL,
    mime TEXT NOT NULL,
    extension TEXT NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 0,   -- chunks 0..next_seq-1 are on disk and acknowledged
    bytes INTEGER NOT NULL DEFAULT 0,      -- their total size: the file's valid prefix
    created_at REAL NOT NULL,
    finished_at REAL,
    duration_ms INTEGER,
    UNIQUE (room_id, question_id, take)
);
CREATE INDEX IF NOT EXISTS clips_room ON clips(room_id, created_at);
-- review: the candidate's own rubric ratings and comments on answers
CREATE TABLE IF NOT EXISTS review_ratings (
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    item INTEGER NOT NULL,          -- index into the question's rubric
    rating INTEGER NOT NULL,        -- 1-4, the candidate's own judgement
    updated_at REAL NOT NULL,
    PRIMARY KEY (room_id, question_id, item)
);
CREATE TABLE IF NOT EXISTS review_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    clip_id TEXT,
    author TEXT NOT NULL,           -- the role that wrote it
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS review_comments_room ON review_comments(room_id, id);
-- scripted: speech figures per measured take
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
-- links.vault: sealed copies of each role's current link
CREATE TABLE IF NOT EXISTS sealed_links (
    room_id TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,  -- which links row this is a copy of (revoked rows are skipped)
    sealed TEXT NOT NULL,      -- base64url(nonce | ciphertext | tag)
    created_at REAL NOT NULL,
    PRIMARY KEY (room_id, role)
);
"""

CLIP_COLUMNS = (
    "id",
    "room_id",
    "question_id",
    "take",
    "mime",
    "extension",
    "next_seq",
    "bytes",
    "created_at",
    "finished_at",
    "duration_ms",
)
METRIC_COLUMNS = (
    "question_id",
    "take",
    "talk_ms",
    "longest_pause_ms",
    "first_word_ms",
    "window_ms",
    "share_used",
    "created_at",
)


class FeatureTables:
    _db: sqlite3.Connection

    # clips --------------------------------------------------------------------------------
    async def clip(self, room_id: str, clip_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM clips WHERE room_id = ? AND id = ?", (room_id, clip_id)
        ).fetchone()
        return None if row is None else dict(row)

    async def clip_for_take(
        self, room_id: str, question_id: str, take: int
    ) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM clips WHERE room_id = ? AND question_id = ? AND take = ?",
            (room_id, question_id, take),
        ).fetchone()
        return None if row is None else dict(row)

    async def clips(self, room_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT * FROM clips WHERE room_id = ? ORDER BY created_at, take", (room_id,)
        ).fetchall()
        return [dict(row) for row in rows]

    async def insert_clip(self, clip: dict[str, Any]) -> None:
        names = [c for c in CLIP_COLUMNS if c in clip]
        self._db.execute(
            f"INSERT INTO clips ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            tuple(clip[c] for c in names),
        )

    async def reset_clip(self, clip_id: str) -> None:
        self._db.execute(
            "UPDATE clips SET next_seq = 0, bytes = 0, finished_at = NULL, duration_ms = NULL "
            "WHERE id = ?",
            (clip_id,),
        )

    async def count_chunk(self, clip_id: str, seq: int, nbytes: int) -> None:
        self._db.execute(
            "UPDATE clips SET next_seq = next_seq + 1, bytes = bytes + ? "
            "WHERE id = ? AND next_seq = ?",
            (nbytes, clip_id, seq),
        )

    async def finish_clip(self, clip_id: str, finished_at: float, duration_ms: int | None) -> None:
        self._db.execute(
            "UPDATE clips SET finished_at = ?, duration_ms = ? WHERE id = ?",
            (finished_at, duration_ms, clip_id),
        )

    async def set_clip_file(self, clip_id: str, nbytes: int, duration_ms: int | None) -> None:
        self._db.execute(
            "UPDATE clips SET bytes = ?, duration_ms = ? WHERE id = ?",
            (nbytes, duration_ms, clip_id),
        )

    async def delete_clips(self, room_id: str) -> int:
        # What was heard in a recording goes with it (ClipRows.delete_clips).
        self._db.execute("DELETE FROM transcripts WHERE room_id = ?", (room_id,))
        return self._db.execute("DELETE FROM clips WHERE room_id = ?", (room_id,)).rowcount

    async def delete_clip(self, room_id: str, clip_id: str) -> bool:
        self._db.execute(
            "DELETE FROM transcripts WHERE room_id = ? AND clip_id = ?", (room_id, clip_id)
        )
        cursor = self._db.execute(
            "DELETE FROM clips WHERE room_id = ? AND id = ?", (room_id, clip_id)
        )
        return cursor.rowcount > 0

    async def clip_bytes(self, room_id: str | None = None) -> int:
        if room_id is None:
            row = self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM clips").fetchone()
        else:
            row = self._db.execute(
                "SELECT COALESCE(SUM(bytes), 0) FROM clips WHERE room_id = ?", (room_id,)
            ).fetchone()
        return int(row[0])

    # review -------------------------------------------------------------------------------
    async def ratings(self, room_id: str) -> dict[str, dict[int, int]]:
        rows = self._db.execute(
            "SELECT question_id, item, rating FROM review_ratings WHERE room_id = ?", (room_id,)
        ).fetchall()
        out: dict[str, dict[int, int]] = {}
        for row in rows:
            out.setdefault(row["question_id"], {})[row["item"]] = row["rating"]
        return out

    async def set_rating(
        self, room_id: str, question_id: str, item: int, rating: int | None
    ) -> None:
        if rating is None:
            self._db.execute(
                "DELETE FROM review_ratings WHERE room_id = ? AND question_id = ? AND item = ?",
                (room_id, question_id, item),
            )
            return
        self._db.execute(
            "INSERT INTO review_ratings VALUES (?, ?, ?, ?, ?) ON CONFLICT(room_id, question_id, "
            "item) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
            (room_id, question_id, item, rating, time.time()),
        )

    async def comments(self, room_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT id, question_id, clip_id, author, text, created_at FROM review_comments "
            "WHERE room_id = ? ORDER BY id",
            (room_id,),
        ).fetchall()
        return [dict(row) for row in rows]

    async def add_comment(
        self, room_id: str, question_id: str, clip_id: str | None, author: str, text: str
    ) -> int:
        cur = self._db.execute(
            "INSERT INTO review_comments (room_id, question_id, clip_id, author, text, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (room_id, question_id, clip_id, author, text, time.time()),
        )
        return int(cur.lastrowid or 0)

    # speech metrics -----------------------------------------------------------------------
    async def save_answer_metrics(self, room_id: str, metrics: dict[str, Any]) -> None:
        # A take measured again (an answer cut off by a reload, then given again) replaces it.
        row = {**metrics, "created_at": metrics.get("created_at", time.time())}
        self._db.execute(
            f"INSERT OR REPLACE INTO answer_metrics (room_id, {', '.join(METRIC_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' for _ in METRIC_COLUMNS)})",
            (room_id, *(row[c] for c in METRIC_COLUMNS)),
        )

    async def answer_metrics(self, room_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            f"SELECT {', '.join(METRIC_COLUMNS)} FROM answer_metrics WHERE room_id = ? "
            "ORDER BY created_at, take",
            (room_id,),
        ).fetchall()
        return [dict(zip(METRIC_COLUMNS, tuple(row), strict=True)) for row in rows]

    # sealed links -------------------------------------------------------------------------
    async def keep_sealed(self, room_id: str, role: str, token_hash: str, sealed: str) -> None:
        self._db.execute(
            "INSERT INTO sealed_links VALUES (?, ?, ?, ?, ?) ON CONFLICT(room_id, role) DO UPDATE "
            "SET token_hash = excluded.token_hash, sealed = excluded.sealed, "
            "created_at = excluded.created_at",
            (room_id, role, token_hash, sealed, time.time()),
        )

    async def forget_sealed(self, room_id: str, role: str) -> None:
        self._db.execute("DELETE FROM sealed_links WHERE room_id = ? AND role = ?", (room_id, role))

    async def sealed_links(self, room_id: str) -> list[tuple[str, str, str]]:
        rows = self._db.execute(
            "SELECT role, token_hash, sealed FROM sealed_links WHERE room_id = ?", (room_id,)
        ).fetchall()
        return [(row["role"], row["token_hash"], row["sealed"]) for row in rows]
