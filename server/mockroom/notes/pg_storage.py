"""The notes log on PostgreSQL: the same snapshots and append-only log as notes.storage, in the
database every node shares (tables made by storage.postgres_schema, on the store's pool).

Durable before relayed holds as on SQLite: `append` returns after COMMIT, and the hub relays an
update only then. Asynchronous on the store's AsyncConnectionPool, so a commit's round trip never
holds up the loop (the hub batches what arrives meanwhile into its next commit). Compaction
relies on what the hub guarantees on SQLite too: it has applied every logged row of the document
and holds its write lock (notes.hub). That holds across nodes because a room's documents are
written by its home node only (the cluster's room directory pins each room to one node).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from .storage import StoredDoc


class PostgresNotesLog:
    commits_inline = False  # a commit is a round trip: the hub's flusher batches meanwhile

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool  # the store's: it opens and closes the pool

    def close(self) -> None:
        pass

    def checkpoint(self) -> None:
        pass  # PostgreSQL checkpoints by itself, off every connection

    async def load(self, room_id: str, doc: str) -> StoredDoc:
        async with self._pool.connection() as conn, conn.transaction():
            # One snapshot of both tables: a compaction between two reads would hide rows.
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur = await conn.execute(
                "SELECT state FROM notes_snapshots WHERE room_id = %s AND doc = %s",
                (room_id, doc),
            )
            snap = await cur.fetchone()
            cur = await conn.execute(
                "SELECT data FROM notes_updates WHERE room_id = %s AND doc = %s ORDER BY id",
                (room_id, doc),
            )
            rows = await cur.fetchall()
        state = _column(snap, "state") if snap else None
        return StoredDoc(
            bytes(state) if state is not None else None, [bytes(_column(r, "data")) for r in rows]
        )

    async def append(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        now = time.time()
        batch = [(room_id, doc, data, now) for room_id, doc, data in rows]
        if not batch:
            return
        # psycopg pipelines executemany (one round trip); one transaction, one commit.
        async with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO notes_updates (room_id, doc, data, at) VALUES (%s, %s, %s, %s)",
                batch,
            )

    def append_now(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        raise NotImplementedError("a PostgreSQL commit is a round trip: commits_inline is False")

    async def compact(self, room_id: str, doc: str, state: bytes) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO notes_snapshots VALUES (%s, %s, %s, %s) ON CONFLICT (room_id, doc) "
                "DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (room_id, doc, state, time.time()),
            )
            await conn.execute(
                "DELETE FROM notes_updates WHERE room_id = %s AND doc = %s", (room_id, doc)
            )

    async def log_length(self, room_id: str, doc: str) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT COUNT(*) FROM notes_updates WHERE room_id = %s AND doc = %s",
                (room_id, doc),
            )
            row = await cur.fetchone()
        return int(_column(row, "count")) if row else 0


def _column(row: Any, name: str) -> Any:
    """The store's pool hands out dict rows; a plain tuple row works too."""
    return row[name] if isinstance(row, dict) else row[0]
