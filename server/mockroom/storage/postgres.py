"""PostgreSQL behind the store seam (storage.interface.Store), for several nodes on one database.

Selected by MOCKROOM_DATABASE_URL (postgresql://...); SQLite stays the default. The feature tables'
SQL is in postgres_features (mixed in), the tables themselves in postgres_schema.

Asynchronous: psycopg's AsyncConnection on a psycopg_pool.AsyncConnectionPool of
MOCKROOM_DATABASE_POOL_SIZE connections, opened on app startup (`PostgresStore.open`) and closed
on cleanup. A call awaits its round trip (~0.1-0.3 ms over loopback: bench/pg_roundtrip.py), so the
event loop serves every other room meanwhile, and a database that stalls holds up only the calls
that wait on it (tests/test_pg_loop.py). Reads and single-statement writes run in autocommit; the
few multi-row writes (a room with its links, an event number, a deletion) use a transaction. When
every connection is busy a call waits at most CHECKOUT_TIMEOUT_S for one, then fails with
StoreUnavailable (503 `storage-unavailable`), never a hang. The pool replaces a connection that
broke, so a restarted database costs the calls in flight, not the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ..errors import MockRoomError, NotFound
from ..roles import Media, Mode
from .interface import EventRecord, LinkRecord, RoomRecord
from .postgres_features import FeatureTables
from .postgres_schema import upgrade_pg
from .postgres_transcripts import TranscriptTables
from .schema import StorageUnusable

log = logging.getLogger(__name__)
Query = LiteralString | sql.Composed
Conn = psycopg.AsyncConnection[dict[str, Any]]

# Last use is written at most this often per room: every authorised request touches it.
TOUCH_EVERY_S = 60.0
CONNECT_TIMEOUT_S = 5
# How long a call waits for a free or new connection before it answers 503. The wait no longer
# blocks the loop, but a request held longer than this is a stuck page for a person.
CHECKOUT_TIMEOUT_S = 2.0


class StoreUnavailable(MockRoomError):
    """The database did not answer (down, restarting, a connection cut): try again shortly.

    A request gets 503 and a socket closes with 1013 (try again later); the pool replaces the
    broken connection, so the next call works as soon as the database does."""

    code = "storage-unavailable"
    status = 503
    close_code = 1013

    def __init__(self) -> None:
        super().__init__("The server cannot reach its database just now. Please try again shortly.")


class DatabaseUnavailable(StorageUnusable):
    """The database URL is unusable or the server cannot be reached; one line that says so."""


def describe(url: str) -> str:
    """host:port/dbname of a URL, without the user's password, for messages and logs."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable database URL)"
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


def connect(url: str) -> psycopg.Connection[Any]:
    """One synchronous autocommit connection (schema upgrades, `mockroom db`, tools), or
    DatabaseUnavailable with the reason on one line."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as exc:
        raise _unavailable(url, exc) from None


def _unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return DatabaseUnavailable(f"cannot use the database at {describe(url)}: {reason}")


def _upgrade(url: str) -> list[int]:
    with connect(url) as conn:
        return upgrade_pg(conn)  # older: upgraded now; newer: SchemaTooNew


async def _commit_without_flush(conn: Conn) -> None:
    """SQLite's synchronous=NORMAL on PostgreSQL: COMMIT returns before the WAL reaches the disk.

    A committed row survives a killed node (the case failover is about) and the database never
    corrupts; a power cut of the database machine may lose its last ~0.6 s of commits. Waiting
    for the flush instead costs 2-4 ms per write here (p99 ~50 ms: bench/pg_roundtrip.py), on
    the event loop. A URL that names synchronous_commit (options=-c synchronous_commit=on) wins.
    """
    await conn.execute("SET synchronous_commit = off")


class PostgresStore(FeatureTables, TranscriptTables):
    """The `storage.interface.Store` on a PostgreSQL database shared by every node.

    Made by `await PostgresStore.open(url, pool_size)` inside the event loop that uses it."""

    def __init__(self, pool: AsyncConnectionPool[Conn], upgraded: list[int]) -> None:
        self.pool = pool
        self.upgraded = upgraded
        self.checkout_timeout_s = CHECKOUT_TIMEOUT_S
        # The connection of a transaction in progress, per task: the holder's store calls join
        # it, and another task's calls (which run while the holder awaits) never do.
        self._held: dict[asyncio.Task[Any], Conn] = {}
        self._touched: dict[str, float] = {}  # room id -> when this process last wrote its use

    @classmethod
    async def open(cls, url: str, pool_size: int = 4) -> PostgresStore:
        """Upgrade the schema (in a thread: it runs once, with a synchronous connection), then
        open the pool; DatabaseUnavailable or SchemaTooNew (one line) when it cannot be used."""
        upgraded = await asyncio.to_thread(_upgrade, url)
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=None if "synchronous_commit" in url else _commit_without_flush,
            timeout=CHECKOUT_TIMEOUT_S,  # the notes log's checkouts (the store passes its own)
            open=False,
            name="mockroom",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout as exc:
            await pool.close()
            raise _unavailable(url, exc) from None
        return cls(pool, upgraded)

    async def close(self) -> None:
        await self.pool.close()

    # connections ------------------------------------------------------------------------
    def _holding(self) -> Conn | None:
        task = asyncio.current_task()
        return None if task is None else self._held.get(task)

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[Conn]:
        """Inside `transaction()`, its connection (so the calls join it); else a pooled one."""
        held = self._holding()
        if held is not None:
            yield held
            return
        async with self._checkout() as conn:
            yield conn

    @asynccontextmanager
    async def _checkout(self) -> AsyncIterator[Conn]:
        try:
            async with self.pool.connection(timeout=self.checkout_timeout_s) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("database unavailable", extra={"error": " ".join(str(exc).split())})
            raise StoreUnavailable() from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """A transaction whose connection every store call of this task makes meanwhile uses."""
        task = asyncio.current_task()
        assert task is not None, "store calls run in a task"
        if task in self._held:
            raise RuntimeError("store transactions do not nest")
        async with self._checkout() as conn, conn.transaction():
            self._held[task] = conn
            try:
                yield conn
            finally:
                del self._held[task]

    async def _all(self, query: Query, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        async with self._conn() as conn:
            cur = await conn.execute(query, args)
            return await cur.fetchall()

    async def _one(self, query: Query, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        async with self._conn() as conn:
            cur = await conn.execute(query, args)
            return await cur.fetchone()

    async def _write(self, query: Query, args: tuple[Any, ...] = ()) -> int:
        async with self._conn() as conn:
            return (await conn.execute(query, args)).rowcount

    # rooms ------------------------------------------------------------------------------
    async def create_room(self, room: RoomRecord, links: list[LinkRecord]) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO rooms VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    room.id,
                    room.mode,
                    room.media,
                    room.title,
                    room.bank_id,
                    json.dumps(room.bank) if room.bank is not None else None,
                    json.dumps(room.options),
                    room.created_at,
                ),
            )
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO links VALUES (%s, %s, %s, %s, %s, NULL)",
                    [
                        (lk.room_id, lk.role, lk.token_hash, lk.created_at, lk.expires_at)
                        for lk in links
                    ],
                )
            await conn.execute(
                "INSERT INTO room_activity VALUES (%s, %s)", (room.id, room.created_at)
            )

    async def get_room(self, room_id: str) -> RoomRecord | None:
        row = await self._one("SELECT * FROM rooms WHERE id = %s", (room_id,))
        if row is None:
            return None
        return RoomRecord(
            id=row["id"],
            mode=Mode(row["mode"]),
            media=Media(row["media"]),
            title=row["title"],
            bank_id=row["bank_id"],
            bank=json.loads(row["bank_json"]) if row["bank_json"] else None,
            options=json.loads(row["options_json"]),
            created_at=row["created_at"],
        )

    async def room_ids(self) -> set[str]:
        return {str(row["id"]) for row in await self._all("SELECT id FROM rooms")}

    # links ------------------------------------------------------------------------------
    async def find_link(self, room_id: str, token_hash: str) -> LinkRecord | None:
        row = await self._one(
            "SELECT * FROM links WHERE room_id = %s AND token_hash = %s", (room_id, token_hash)
        )
        return None if row is None else LinkRecord(**row)

    async def links_for(self, room_id: str) -> list[LinkRecord]:
        return [
            LinkRecord(**row)
            for row in await self._all("SELECT * FROM links WHERE room_id = %s", (room_id,))
        ]

    async def revoke_links(self, room_id: str, role: str) -> int:
        return await self._write(
            "UPDATE links SET revoked_at = %s "
            "WHERE room_id = %s AND role = %s AND revoked_at IS NULL",
            (time.time(), room_id, role),
        )

    async def add_link(self, link: LinkRecord) -> None:
        await self._write(
            "INSERT INTO links VALUES (%s, %s, %s, %s, %s, NULL)",
            (link.room_id, link.role, link.token_hash, link.created_at, link.expires_at),
        )

    # participants -----------------------------------------------------------------------
    async def record_join(self, room_id: str, participant_id: str, role: str, name: str) -> None:
        await self._write(
            "INSERT INTO participants VALUES (%s, %s, %s, %s, %s, NULL) "
            "ON CONFLICT (room_id, participant_id) DO UPDATE SET name = excluded.name, "
            "left_at = NULL",
            (room_id, participant_id, role, name, time.time()),
        )

    async def record_leave(self, room_id: str, participant_id: str) -> None:
        await self._write(
            "UPDATE participants SET left_at = %s WHERE room_id = %s AND participant_id = %s",
            (time.time(), room_id, participant_id),
        )

    async def participants(self, room_id: str) -> list[dict[str, Any]]:
        return await self._all(
            "SELECT participant_id, role, name, joined_at, left_at FROM participants "
            "WHERE room_id = %s ORDER BY joined_at",
            (room_id,),
        )

    # events -----------------------------------------------------------------------------
    async def append_event(self, room_id: str, kind: str, data: dict[str, Any]) -> EventRecord:
        async with self.transaction() as conn:
            # The room's row lock numbers one room's events one at a time, whichever node
            # appends, and holds off a deletion until the event is in.
            cur = await conn.execute(
                "SELECT 1 FROM rooms WHERE id = %s FOR NO KEY UPDATE", (room_id,)
            )
            found = await cur.fetchone()
            if found is None:
                raise NotFound("This room was deleted.")
            cur = await conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM events WHERE room_id = %s",
                (room_id,),
            )
            row = await cur.fetchone()
            assert row is not None
            event = EventRecord(room_id, int(row["seq"]), time.time(), kind, data)
            await conn.execute(
                "INSERT INTO events VALUES (%s, %s, %s, %s, %s)",
                (room_id, event.seq, event.at, kind, json.dumps(data)),
            )
        return event

    async def event_count(self, room_id: str) -> int:
        row = await self._one(
            "SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE room_id = %s", (room_id,)
        )
        return int(row["n"]) if row else 0

    async def events(self, room_id: str, kind: str | None = None) -> list[EventRecord]:
        if kind is None:
            rows = await self._all(
                "SELECT * FROM events WHERE room_id = %s ORDER BY seq", (room_id,)
            )
        else:
            rows = await self._all(
                "SELECT * FROM events WHERE room_id = %s AND kind = %s ORDER BY seq",
                (room_id, kind),
            )
        return [
            EventRecord(r["room_id"], int(r["seq"]), r["at"], r["kind"], json.loads(r["data"]))
            for r in rows
        ]

    # retention ----------------------------------------------------------------------------
    async def touch_room(
        self, room_id: str, now: float | None = None, *, force: bool = False
    ) -> None:
        now = time.time() if now is None else now
        if not force and now - self._touched.get(room_id, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
            return
        self._touched[room_id] = now
        await self._write(
            "INSERT INTO room_activity VALUES (%s, %s) ON CONFLICT (room_id) DO UPDATE "
            "SET last_used_at = GREATEST(room_activity.last_used_at, excluded.last_used_at)",
            (room_id, now),
        )

    async def last_used(self, room_id: str) -> float | None:
        row = await self._one(
            "SELECT COALESCE(a.last_used_at, r.created_at) AS used FROM rooms r "
            "LEFT JOIN room_activity a ON a.room_id = r.id WHERE r.id = %s",
            (room_id,),
        )
        return None if row is None else float(row["used"])

    async def rooms_unused_since(self, cutoff: float, limit: int = 1000) -> list[str]:
        rows = await self._all(
            "SELECT r.id FROM rooms r LEFT JOIN room_activity a ON a.room_id = r.id "
            "WHERE COALESCE(a.last_used_at, r.created_at) < %s "
            "ORDER BY COALESCE(a.last_used_at, r.created_at) LIMIT %s",
            (cutoff, limit),
        )
        return [str(row["id"]) for row in rows]

    async def room_tables(self) -> list[str]:
        """Every table with a `room_id` column, whichever feature made it (rooms itself aside)."""
        rows = await self._all(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'room_id' "
            "ORDER BY table_name"
        )
        return [str(row["table_name"]) for row in rows]

    async def delete_room(self, room_id: str) -> int:
        """Delete the room and every row of it in every table, in one transaction."""
        deleted = 0
        tables = await self.room_tables()
        async with self.transaction() as conn:
            for table in tables:  # links (which reference rooms) go before rooms
                query = sql.SQL("DELETE FROM {} WHERE room_id = %s").format(sql.Identifier(table))
                deleted += (await conn.execute(query, (room_id,))).rowcount
            deleted += (await conn.execute("DELETE FROM rooms WHERE id = %s", (room_id,))).rowcount
        self._touched.pop(room_id, None)
        return deleted

    async def orphan_room_ids(self) -> set[str]:
        orphans: set[str] = set()
        for table in await self.room_tables():
            query = sql.SQL(
                "SELECT DISTINCT t.room_id FROM {} t "
                "WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.id = t.room_id)"
            ).format(sql.Identifier(table))
            orphans.update(str(row["room_id"]) for row in await self._all(query))
        return orphans
