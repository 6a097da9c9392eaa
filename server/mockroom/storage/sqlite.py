"""SQLite behind the store seam (storage.interface.Store): rooms, links, participants, events.

One connection, used from the event loop thread: every statement here is a small indexed read or
write on a local file (tens of microseconds in WAL mode), cheaper than hopping to a thread. So the
methods are coroutines (the Store protocol is async, for PostgreSQL's network round trips) that
run the sqlite3 call in place and never suspend: a caller's `await` costs nothing here, and no
other task can run between a method's statements. The feature tables'
SQL is in sqlite_features (mixed in); a table whose rows belong to one room names it in a
`room_id` column, so deleting a room (`delete_room`) removes those rows too without knowing the
feature.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from ..errors import NotFound
from ..roles import Media, Mode
from .interface import EventRecord, LinkRecord, RoomRecord
from .schema import Migration, upgrade_sqlite
from .sqlite_features import FEATURE_SCHEMA, FeatureTables
from .sqlite_transcripts import TRANSCRIPT_SCHEMA, TranscriptTables

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    media TEXT NOT NULL,
    title TEXT NOT NULL,
    bank_id TEXT,
    bank_json TEXT,          -- the bank as it was when the room was made (or a pasted one)
    options_json TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    room_id TEXT NOT NULL REFERENCES rooms(id),
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked_at REAL
);
CREATE INDEX IF NOT EXISTS links_room ON links(room_id, role);
CREATE TABLE IF NOT EXISTS participants (
    room_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    joined_at REAL NOT NULL,
    left_at REAL,
    PRIMARY KEY (room_id, participant_id)
);
CREATE TABLE IF NOT EXISTS events (
    room_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (room_id, seq)
);
-- When a room was last opened with one of its links (retention counts from here). A table of its
-- own, so rooms rows keep their shape; rooms made before it existed count from created_at.
CREATE TABLE IF NOT EXISTS room_activity (
    room_id TEXT PRIMARY KEY,
    last_used_at REAL NOT NULL
);
"""

INDEX_LAST_USE = "CREATE INDEX IF NOT EXISTS room_activity_used ON room_activity(last_used_at);"
MIGRATIONS = (
    Migration(
        1, "rooms, links, participants, events, retention, feature tables", SCHEMA + FEATURE_SCHEMA
    ),
    # The retention sweep reads rooms by last use, oldest first.
    Migration(2, "index rooms by last use", INDEX_LAST_USE),
    Migration(3, "transcripts of recorded takes", TRANSCRIPT_SCHEMA),
)

# Last use is written at most this often per room: every authorised request touches it.
TOUCH_EVERY_S = 60.0


class SqliteStore(FeatureTables, TranscriptTables):
    """The `storage.interface.Store` on one SQLite file (data_dir/mockroom.sqlite3)."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        # WAL + NORMAL: a committed row survives a killed process (it is in the OS cache).
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        # Older files are upgraded in place (storage.schema); a newer one raises SchemaTooNew.
        self.upgraded = upgrade_sqlite(self._db, MIGRATIONS, "database")
        self._touched: dict[str, float] = {}  # room id -> when this process last wrote its use
        # A clip lock is the one transaction whose holder may await (other store calls) while
        # it is open; on one shared connection the next lock waits here for it to end.
        self._clip_lock = asyncio.Lock()

    async def close(self) -> None:
        self.close_file()

    def close_file(self) -> None:
        """`close` for code outside an event loop (`mockroom db`, tools)."""
        self._db.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for tests and tools that inspect the file; features never use it."""
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @asynccontextmanager
    async def lock_clip(self, clip_id: str) -> AsyncIterator[dict[str, Any] | None]:
        """BEGIN IMMEDIATE holds the file's write lock: other processes on it wait.

        The holder awaits only store calls inside (ClipStore), which never suspend here, so no
        other task's statement lands inside this transaction."""
        async with self._clip_lock:
            with self.transaction() as db:
                row = db.execute("SELECT * FROM clips WHERE id = ?", (clip_id,)).fetchone()
                yield None if row is None else dict(row)

    # rooms ------------------------------------------------------------------------------
    async def create_room(self, room: RoomRecord, links: list[LinkRecord]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO rooms VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            db.executemany(
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (lk.room_id, lk.role, lk.token_hash, lk.created_at, lk.expires_at, None)
                    for lk in links
                ],
            )
            db.execute("INSERT INTO room_activity VALUES (?, ?)", (room.id, room.created_at))

    async def get_room(self, room_id: str) -> RoomRecord | None:
        row = self._db.execute("SELECT * FROM rooms WHERE id = ?", (room_id,)).fetchone()
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

    # links ------------------------------------------------------------------------------
    async def find_link(self, room_id: str, token_hash: str) -> LinkRecord | None:
        row = self._db.execute(
            "SELECT * FROM links WHERE room_id = ? AND token_hash = ?", (room_id, token_hash)
        ).fetchone()
        return None if row is None else LinkRecord(**dict(row))

    async def links_for(self, room_id: str) -> list[LinkRecord]:
        rows = self._db.execute("SELECT * FROM links WHERE room_id = ?", (room_id,)).fetchall()
        return [LinkRecord(**dict(row)) for row in rows]

    async def revoke_links(self, room_id: str, role: str) -> int:
        cur = self._db.execute(
            "UPDATE links SET revoked_at = ? WHERE room_id = ? AND role = ? AND revoked_at IS NULL",
            (time.time(), room_id, role),
        )
        return cur.rowcount

    async def add_link(self, link: LinkRecord) -> None:
        self._db.execute(
            "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)",
            (link.room_id, link.role, link.token_hash, link.created_at, link.expires_at, None),
        )

    # participants -----------------------------------------------------------------------
    async def record_join(self, room_id: str, participant_id: str, role: str, name: str) -> None:
        self._db.execute(
            "INSERT INTO participants VALUES (?, ?, ?, ?, ?, NULL) "
            "ON CONFLICT(room_id, participant_id) DO UPDATE SET name = excluded.name, "
            "left_at = NULL",
            (room_id, participant_id, role, name, time.time()),
        )

    async def record_leave(self, room_id: str, participant_id: str) -> None:
        self._db.execute(
            "UPDATE participants SET left_at = ? WHERE room_id = ? AND participant_id = ?",
            (time.time(), room_id, participant_id),
        )

    async def participants(self, room_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT participant_id, role, name, joined_at, left_at FROM participants "
            "WHERE room_id = ? ORDER BY joined_at",
            (room_id,),
        ).fetchall()
        return [dict(row) for row in rows]

    # events -----------------------------------------------------------------------------
    async def append_event(self, room_id: str, kind: str, data: dict[str, Any]) -> EventRecord:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM rooms WHERE id = ?", (room_id,)).fetchone() is None:
                # Deleted while a socket or timer of it was still running: store nothing.
                raise NotFound("This room was deleted.")
            row = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE room_id = ?", (room_id,)
            ).fetchone()
            event = EventRecord(room_id, int(row[0]), time.time(), kind, data)
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                (room_id, event.seq, event.at, kind, json.dumps(data)),
            )
        return event

    async def event_count(self, room_id: str) -> int:
        """Events stored for the room (seq counts from 1 without gaps); an index lookup."""
        row = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE room_id = ?", (room_id,)
        ).fetchone()
        return int(row[0])

    async def events(self, room_id: str, kind: str | None = None) -> list[EventRecord]:
        sql = "SELECT * FROM events WHERE room_id = ?"
        args: tuple[Any, ...] = (room_id,)
        if kind is not None:
            sql += " AND kind = ?"
            args += (kind,)
        rows = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return [
            EventRecord(r["room_id"], r["seq"], r["at"], r["kind"], json.loads(r["data"]))
            for r in rows
        ]

    # retention ----------------------------------------------------------------------------
    async def touch_room(
        self, room_id: str, now: float | None = None, *, force: bool = False
    ) -> None:
        """Record a use of the room (an authorised request or socket); cheap when repeated."""
        now = time.time() if now is None else now
        if not force and now - self._touched.get(room_id, -TOUCH_EVERY_S) < TOUCH_EVERY_S:
            return
        self._touched[room_id] = now
        self._db.execute(
            "INSERT INTO room_activity VALUES (?, ?) ON CONFLICT(room_id) "
            "DO UPDATE SET last_used_at = MAX(last_used_at, excluded.last_used_at)",
            (room_id, now),
        )

    async def last_used(self, room_id: str) -> float | None:
        row = self._db.execute(
            "SELECT COALESCE(a.last_used_at, r.created_at) FROM rooms r "
            "LEFT JOIN room_activity a ON a.room_id = r.id WHERE r.id = ?",
            (room_id,),
        ).fetchone()
        return None if row is None else float(row[0])

    async def rooms_unused_since(self, cutoff: float, limit: int = 1000) -> list[str]:
        """Ids of rooms whose last use is before `cutoff` (unix seconds), oldest first."""
        rows = self._db.execute(
            "SELECT r.id FROM rooms r LEFT JOIN room_activity a ON a.room_id = r.id "
            "WHERE COALESCE(a.last_used_at, r.created_at) < ? "
            "ORDER BY COALESCE(a.last_used_at, r.created_at) LIMIT ?",
            (cutoff, limit),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def room_tables(self) -> list[str]:
        """Every table with a `room_id` column, whichever feature made it (rooms itself aside)."""
        names = [
            str(row[0])
            for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [
            name
            for name in names
            if any(col[1] == "room_id" for col in self._db.execute(f'PRAGMA table_info("{name}")'))
        ]

    async def delete_room(self, room_id: str) -> int:
        """Delete the room and every row of it in every table, in one transaction.

        Returns the number of rows deleted (0: no such room and nothing of it left).
        """
        deleted = 0
        with self.transaction() as db:
            for table in self.room_tables():  # links first: they reference rooms(id)
                deleted += db.execute(
                    f'DELETE FROM "{table}" WHERE room_id = ?', (room_id,)
                ).rowcount
            deleted += db.execute("DELETE FROM rooms WHERE id = ?", (room_id,)).rowcount
        self._touched.pop(room_id, None)
        return deleted

    async def orphan_room_ids(self) -> set[str]:
        """Room ids that rows still name although their room is gone (a write that raced a
        deletion, or a deletion from another process); `delete_room` clears each."""
        orphans: set[str] = set()
        for table in self.room_tables():
            rows = self._db.execute(
                f'SELECT DISTINCT room_id FROM "{table}" '
                "WHERE room_id NOT IN (SELECT id FROM rooms)"
            )
            orphans.update(str(row[0]) for row in rows)
        return orphans

    async def room_ids(self) -> set[str]:
        return {str(row[0]) for row in self._db.execute("SELECT id FROM rooms")}
