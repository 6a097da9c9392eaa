"""The SQL of the feature tables on PostgreSQL: clips, ratings, comments, metrics, sealed links.

A mixin of `PostgresStore` (its pool, its helpers), as sqlite_features is of SqliteStore: the
store stays one object behind one interface while each file stays a short read.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from psycopg import sql

from .sqlite_features import CLIP_COLUMNS, METRIC_COLUMNS


class FeatureTables:
    # Provided by PostgresStore (typed loosely here so the mixin needs no import of it).
    async def _all(self, query: Any, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def _one(self, query: Any, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        raise NotImplementedError

    async def _write(self, query: Any, args: tuple[Any, ...] = ()) -> int:
        raise NotImplementedError

    # clips --------------------------------------------------------------------------------
    async def clip(self, room_id: str, clip_id: str) -> dict[str, Any] | None:
        return await self._one(
            "SELECT * FROM clips WHERE room_id = %s AND id = %s", (room_id, clip_id)
        )

    async def clip_for_take(
        self, room_id: str, question_id: str, take: int
    ) -> dict[str, Any] | None:
        return await self._one(
            "SELECT * FROM clips WHERE room_id = %s AND question_id = %s AND take = %s",
            (room_id, question_id, take),
        )

    async def clips(self, room_id: str) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT * FROM clips WHERE room_id = %s ORDER BY created_at, take", (room_id,)
        )

    async def insert_clip(self, clip: dict[str, Any]) -> None:
        names = [c for c in CLIP_COLUMNS if c in clip]
        query = sql.SQL("INSERT INTO clips ({}) VALUES ({})").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in names),
            sql.SQL(", ").join(sql.Placeholder() for _ in names),
        )
        await self._write(query, tuple(clip[c] for c in names))

    async def reset_clip(self, clip_id: str) -> None:
        await self._write(
            "UPDATE clips SET next_seq = 0, bytes = 0, finished_at = NULL, duration_ms = NULL "
            "WHERE id = %s",
            (clip_id,),
        )

    async def count_chunk(self, clip_id: str, seq: int, nbytes: int) -> None:
        await self._write(
            "UPDATE clips SET next_seq = next_seq + 1, bytes = bytes + %s "
            "WHERE id = %s AND next_seq = %s",
            (nbytes, clip_id, seq),
        )

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    @asynccontextmanager
    async def lock_clip(self, clip_id: str) -> AsyncIterator[dict[str, Any] | None]:
        """The row lock (FOR UPDATE) makes another chunk for this clip (another node's, or
        another task's on this one) wait its turn."""
        async with self.transaction() as conn:
            cur = await conn.execute("SELECT * FROM clips WHERE id = %s FOR UPDATE", (clip_id,))
            yield await cur.fetchone()

    async def finish_clip(self, clip_id: str, finished_at: float, duration_ms: int | None) -> None:
        await self._write(
            "UPDATE clips SET finished_at = %s, duration_ms = %s WHERE id = %s",
            (finished_at, duration_ms, clip_id),
        )

    async def set_clip_file(self, clip_id: str, nbytes: int, duration_ms: int | None) -> None:
        await self._write(
            "UPDATE clips SET bytes = %s, duration_ms = %s WHERE id = %s",
            (nbytes, duration_ms, clip_id),
        )

    async def delete_clips(self, room_id: str) -> int:
        # What was heard in a recording goes with it (ClipRows.delete_clips).
        await self._write("DELETE FROM transcripts WHERE room_id = %s", (room_id,))
        return await self._write("DELETE FROM clips WHERE room_id = %s", (room_id,))

    async def delete_clip(self, room_id: str, clip_id: str) -> bool:
        await self._write(
            "DELETE FROM transcripts WHERE room_id = %s AND clip_id = %s", (room_id, clip_id)
        )
        query = "DELETE FROM clips WHERE room_id = %s AND id = %s"
        return await self._write(query, (room_id, clip_id)) > 0

    async def clip_bytes(self, room_id: str | None = None) -> int:
        if room_id is None:
            row = await self._one("SELECT COALESCE(SUM(bytes), 0) AS n FROM clips")
        else:
            row = await self._one(
                "SELECT COALESCE(SUM(bytes), 0) AS n FROM clips WHERE room_id = %s", (room_id,)
            )
        return int(row["n"]) if row else 0  # SUM of BIGINT is NUMERIC: a Decimal

    # review -------------------------------------------------------------------------------
    async def ratings(self, room_id: str) -> dict[str, dict[int, int]]:
        rows = await self._all(
            "SELECT question_id, item, rating FROM review_ratings WHERE room_id = %s", (room_id,)
        )
        out: dict[str, dict[int, int]] = {}
        for row in rows:
            out.setdefault(row["question_id"], {})[row["item"]] = row["rating"]
        return out

    async def set_rating(
        self, room_id: str, question_id: str, item: int, rating: int | None
    ) -> None:
        if rating is None:
            await self._write(
                "DELETE FROM review_ratings WHERE room_id = %s AND question_id = %s AND item = %s",
                (room_id, question_id, item),
            )
            return
        await self._write(
            "INSERT INTO review_ratings VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (room_id, question_id, item) "
            "DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
            (room_id, question_id, item, rating, time.time()),
        )

    async def comments(self, room_id: str) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT id, question_id, clip_id, author, text, created_at FROM review_comments "
            "WHERE room_id = %s ORDER BY id",
            (room_id,),
        )

    async def add_comment(
        self, room_id: str, question_id: str, clip_id: str | None, author: str, text: str
    ) -> int:
        row = await self._one(
            "INSERT INTO review_comments (room_id, question_id, clip_id, author, text, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (room_id, question_id, clip_id, author, text, time.time()),
        )
        return int(row["id"]) if row else 0

    # speech metrics -----------------------------------------------------------------------
    async def save_answer_metrics(self, room_id: str, metrics: dict[str, Any]) -> None:
        # A take measured again (an answer cut off by a reload, then given again) replaces it.
        row = {**metrics, "created_at": metrics.get("created_at", time.time())}
        columns = ("room_id", *METRIC_COLUMNS)
        query = sql.SQL(
            "INSERT INTO answer_metrics ({}) VALUES ({}) "
            "ON CONFLICT (room_id, question_id, take) DO UPDATE SET {}"
        ).format(
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(sql.Placeholder() for _ in columns),
            sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in METRIC_COLUMNS
            ),
        )
        await self._write(query, (room_id, *(row[c] for c in METRIC_COLUMNS)))

    async def answer_metrics(self, room_id: str) -> list[dict[str, Any]]:
        query = sql.SQL(
            "SELECT {} FROM answer_metrics WHERE room_id = %s ORDER BY created_at, take"
        ).format(sql.SQL(", ").join(sql.Identifier(c) for c in METRIC_COLUMNS))
        return await self._all(query, (room_id,))

    # sealed links -------------------------------------------------------------------------
    async def keep_sealed(self, room_id: str, role: str, token_hash: str, sealed: str) -> None:
        await self._write(
            "INSERT INTO sealed_links VALUES (%s, %s, %s, %s, %s) ON CONFLICT (room_id, role) "
            "DO UPDATE SET token_hash = excluded.token_hash, sealed = excluded.sealed, "
            "created_at = excluded.created_at",
            (room_id, role, token_hash, sealed, time.time()),
        )

    async def forget_sealed(self, room_id: str, role: str) -> None:
        await self._write(
            "DELETE FROM sealed_links WHERE room_id = %s AND role = %s", (room_id, role)
        )

    async def sealed_links(self, room_id: str) -> list[tuple[str, str, str]]:
        rows = await self._all(
            "SELECT role, token_hash, sealed FROM sealed_links WHERE room_id = %s", (room_id,)
        )
        return [(row["role"], row["token_hash"], row["sealed"]) for row in rows]
