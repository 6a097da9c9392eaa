"""PostgreSQL behind the store seam (storage.interface.Store), for several nodes on one database.

Selected by MOCKROOM_DATABASE_URL (postgresql://...); SQLite stays the default. The feature tables'
SQL is in postgres_features (mixed in), the tables themselves in postgres_schema.

Synchronous on purpose. The Store interface is synchronous and is called from the event loop by
every feature; an async interface would touch each of those callers, so it is a follow-up of its
own. Every call here is one short statement or a short transaction on a pooled connection: a
round trip over loopback costs ~0.1-0.3 ms (measured with bench/pg_roundtrip.py), the same order
as the fdatasync a recorded chunk already waits for on the loop. Reads and single-statement writes
run in autocommit; the few multi-row writes (a room with its links, an event number, a deletion)
use a transaction. The pool (psycopg_pool.ConnectionPool) replaces a connection that broke, so a
restarted database costs the calls in flight, not the process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ..errors import MockRoomError, NotFound
from ..roles import Media, Mode
from .interface import EventRecord, LinkRecord, RoomRecord
from .postgres_features import FeatureTables
from .postgres_schema import upgrade_pg
from .postgres_transcripts import TranscriptTables
from .schema import StorageUnusable

log = logging.getLogger(__name__)
Query = LiteralString | sql.Composed
Conn = psycopg.Connection[dict[str, Any]]

# Last use is written at most this often per room: every authorised request touches it.
TOUCH_EVERY_S = 60.0
CONNECT_TIMEOUT_S = 5
# How long a call waits for a free or new connection. The wait blocks the event loop, so it is
# short: with the database gone, answering 503 soon beats holding every other request.
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
    """One autocommit connection, or DatabaseUnavailable with the reason on one line."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnavailable(f"cannot use the database at {describe(url)}: {reason}") from None


def _commit_without_flush(conn: Conn) -> None:
    """SQLite's synchronous=NORMAL on PostgreSQL: COMMIT returns before the WAL reaches the disk.

    A committed row survives a killed node (the case failover is about) and the database never
    corrupts; a power cut of the database machine may lose its last ~0.6 s of commits. Waiting
    for the flush instead costs 2-4 ms per write here (p99 ~50 ms: bench/pg_roundtrip.py), on
    the event loop. A URL that names synchronous_commit (options=-c synchronous_commit=on) wins.
    """
    conn.execute("SET synchronous_commit = off")


class PostgresStore(FeatureTables, TranscriptTables):
    """The `storage.interface.Store` on a PostgreSQL database shared by every node."""

    def __init__(self, url: str, pool_size: int = 4) -> None:
        with connect(url) as conn:
            self.upgraded = upgrade_pg(conn)  # older: upgraded now; newer: SchemaTooNew
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=None if "synchronous_commit" in url else _commit_without_flush,
            open=True,
            name="mockroom",
        )
        # The connection of a transaction in progress, per thread: a call from another thread
        # (none today; the store runs on the loop) must not join the loop's transaction.
        self._local = threading.local()
        self._touched: dict[str, float] = {}  # room id -> when this process last wrote its use

    def close(self) -> None:
        self.pool.close()

    # connections ------------------------------------------------------------------------
    @contextmanager
    def _conn(self) -> Iterator[Conn]:
        """Inside `transaction()`, its connection (so the calls join it); else a pooled one."""
        held: Conn | None = getattr(self._local, "held", None)
        if held is not None:
            yield held
            return
        with self._checkout() as conn:
            yield conn

    @contextmanager
    def _checkout(self) -> Iterator[Conn]:
        try:
            with self.pool.connection(timeout=CHECKOUT_TIMEOUT_S) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("database unavailable", extra={"error": " ".join(str(exc).split())})
            raise StoreUnavailable() from exc

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        """A transaction whose connection every store call made meanwhile (on this thread) uses.

        Callers on the event loop never await inside one, so no other task's calls join it."""
        if getattr(self._local, "held", None) is not None:
            raise RuntimeError("store transactions do not nest")
        with self._checkout() as conn, conn.transaction():
            self._local.held = conn
            try:
                yield conn
            finally:
                self._local.held = None

    def _all(self, query: Query, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._conn() as conn:
            return conn.execute(query, args).fetchall()

    def _one(self, query: Query, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        with self._conn() as conn:
            return conn.execute(query, args).fetchone()

    def _write(self, query: Query, args: tuple[Any, ...] = ()) -> int:
        with self._conn() as conn:
            return conn.execute(query, args).rowcount

    # rooms ------------------------------------------------------------------------------
    def create_room(self, room: RoomRecord, links: list[LinkRecord]) -> None:
        with self.transaction() as conn:
            conn.execute(
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
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO links VALUES (%s, %s, %s, %s, %s, NULL)",
                    [
                        (lk.room_id, lk.role, lk.token_hash, lk.created_at, lk.expires_at)
                        for lk in links
                    ],
                )
            conn.execute("INSERT INTO room_activity VALUES (%s, %s)", (room.id, room.created_at))

    def get_room(self, room_id: str) -> RoomRecord | None:
        row = self._one("SELECT * FROM rooms WHERE id = %s", (room_id,))
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

    def room_ids(self) -> set[str]:
        return {str(row["id"]) for row in self._all("SELECT id FROM rooms")}

    # links ------------------------------------------------------------------------------
    def find_link(self, room_id: str, token_hash: str) -> LinkRecord | None:
        row = self._one(
            "SELECT * FROM links WHERE room_id = %s AND token_hash = %s", (room_id, token_hash)
        )
        return None if row is None else LinkRecord(**row)

    def links_for(self, room_id: str) -> list[LinkRecord]:
        return [
            LinkRecord(**row)
            for row in self._all("SELECT * FROM links WHERE room_id = %s", (room_id,))
        ]

    def revoke_links(self, room_id: str, role: str) -> int:
        return self._write(
            "UPDATE links SET revoked_at = %s "
            "WHERE room_id = %s AND role = %s AND revoked_at IS NULL",
            (time.time(), room_id, role),
        )

    def add_link(self, link: LinkRecord) -> None:
        self._write(
            "INSERT INTO links VALUES (%s, %s, %s, %s, %s, NULL)",
            (link.room_id, link.role, link.token_hash, link.created_at, link.expires_at),
        )

    # participants -----------------------------------------------------------------------
    def record_join(self, room_id: str, participant_id: str, role: str, name: str) -> None:
        self._write(
            "INSERT INTO participants VALUES (%s, %s, %s, %s, %s, NULL) "
            "ON CONFLICT (room_id, participant_id) DO UPDATE SET name = excluded.name, "
            "left_at = NULL",
            (room_id, participant_id, role, name, time.time()),
        )

    def record_leave(self, room_id: str, participant_id: str) -> None:
        self._write(
            "UPDATE participants SET left_at = %s WHERE room_id = %s AND participant_id = %s",
            (time.time(), room_id, participant_id),
        )

    def participants(self, room_id: str) -> list[dict[str, Any]]:
        return self._all(
            "SELECT participant_id, role, name, joined_at, left_at FROM participants "
            "WHERE room_id = %s ORDER BY joined_at",
            (room_id,),
        )

    # events -----------------------------------------------------------------------------
    def append_event(self, room_id: str, kind: str, data: dict[str, Any]) -> EventRecord:
        with self.transaction() as conn:
            # The room's row lock numbers one room's events one at a time, whichever node
            # appends, and holds off a deletion until the event is in.
            found = conn.execute(
                "SELECT 1 FROM rooms WHERE id = %s FOR NO KEY UPDATE", (room_id,)
            ).fetchone()
            if found is None:
                raise NotFound("This room was deleted.")
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM events WHERE room_id = %s",
                (room_id,),
            ).fetchone()
            assert row is not None
            event = EventRecord(room_id, int(row["seq"]), time.time(), kind, data)
            conn.execute(
                "INSERT INTO events VALUES (%s, %s, %s, %s, %s)",
                (room_id, event.seq, event.at, kind, json.dumps(data)),
            )
        return event

    def event_count(self, room_id: str) -> int:
        row = self._one(
            "SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE room_id = %s", (room_id,)
        )
        return int(row["n"]) if row else 0

    def events(self, room_id: str, kind: str | None = None) -> list[EventRecord]:
        if kind is None:
            rows = self._all("SELECT * FROM events WHERE room_id = %s ORDER BY seq", (room_id,))
        else:
            rows = self._all(
                "SELECT * FROM events WHERE room_id = %s AND kind = %s ORDER BY seq",
                (room_id, kind),
            )
        return [
            EventRecord(r["room_id"], int(r["seq"]), r["at"], r["kind"], json.loads(r["data"]))
            for r in rows
        ]

    # retention ----------------------------------------------------------------------------
    def touch_room(self, room_id: str, now: float | None = None, *, force: bool = False) -> None:
        now = time.time() if now is None else now
        if not force and now - self._touched.get(room_id, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
            return
        self._touched[room_id] = now
        self._write(
            "INSERT INTO room_activity VALUES (%s, %s) ON CONFLICT (room_id) DO UPDATE "
            "SET last_used_at = GREATEST(room_activity.last_used_at, excluded.last_used_at)",
            (room_id, now),
        )

    def last_used(self, room_id: str) -> float | None:
        row = self._one(
            "SELECT COALESCE(a.last_used_at, r.created_at) AS used FROM rooms r "
            "LEFT JOIN room_activity a ON a.room_id = r.id WHERE r.id = %s",
            (room_id,),
        )
        return None if row is None else float(row["used"])

    def rooms_unused_since(self, cutoff: float, limit: int = 1000) -> list[str]:
        rows = self._all(
            "SELECT r.id FROM rooms r LEFT JOIN room_activity a ON a.room_id = r.id "
            "WHERE COALESCE(a.last_used_at, r.created_at) < %s "
            "ORDER BY COALESCE(a.last_used_at, r.created_at) LIMIT %s",
            (cutoff, limit),
        )
        return [str(row["id"]) for row in rows]

    def room_tables(self) -> list[str]:
        """Every table with a `room_id` column, whichever feature made it (rooms itself aside)."""
        rows = self._all(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'room_id' "
            "ORDER BY table_name"
        )
        return [str(row["table_name"]) for row in rows]

    def delete_room(self, room_id: str) -> int:
        """Delete the room and every row of it in every table, in one transaction."""
        deleted = 0
        tables = self.room_tables()
        with self.transaction() as conn:
            for table in tables:  # links (which reference rooms) go before rooms
                query = sql.SQL("DELETE FROM {} WHERE room_id = %s").format(sql.Identifier(table))
                deleted += conn.execute(query, (room_id,)).rowcount
            deleted += conn.execute("DELETE FROM rooms WHERE id = %s", (room_id,)).rowcount
        self._touched.pop(room_id, None)
        return deleted

    def orphan_room_ids(self) -> set[str]:
        orphans: set[str] = set()
        for table in self.room_tables():
            query = sql.SQL(
                "SELECT DISTINCT t.room_id FROM {} t "
                "WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.id = t.room_id)"
            ).format(sql.Identifier(table))
            orphans.update(str(row["room_id"]) for row in self._all(query))
        return orphans
