"""Notes persistence: snapshots plus an append-only update log, behind the `NotesLog` protocol.

`NotesStorage` keeps them in one SQLite file (WAL) of the node's data_dir; notes.pg_storage keeps
them in PostgreSQL (MOCKROOM_DATABASE_URL), where every node of a cluster reads the same log.

Every update a client sends is appended to the log and committed before anyone else sees it, so
anything a participant saw survives a killed server (WAL with synchronous=NORMAL: a committed
transaction is in the OS cache once COMMIT returns). Compaction replaces a document's log with one
snapshot of the server's merged state, off the hot path.

The connection lives on the event loop thread, like storage.sqlite: an append of a few hundred
bytes costs tens of microseconds, cheaper than a hop to a worker thread. So `NotesStorage`'s
methods are coroutines (the protocol is async, for PostgreSQL) that never suspend.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..storage.schema import Migration, upgrade_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes_snapshots (
    room_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    state BLOB NOT NULL,       -- Yjs v1 update holding the whole document
    updated_at REAL NOT NULL,
    PRIMARY KEY (room_id, doc)
);
CREATE TABLE IF NOT EXISTS notes_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    data BLOB NOT NULL,        -- one Yjs v1 update exactly as a client sent it
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_updates_doc ON notes_updates(room_id, doc, id);
"""

# Version 1's log (a rowid table, AUTOINCREMENT, a separate index) made every commit write three
# pages: the row, the index entry and sqlite_sequence. Clustered by document, a commit writes one
# (a keystroke's commit: about 20 -> 13 us of CPU here). The rows move over as they are, in order.
CLUSTERED_LOG = """
DROP INDEX IF EXISTS notes_updates_doc;
ALTER TABLE notes_updates RENAME TO notes_updates_v1;
CREATE TABLE notes_updates (
    room_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    id INTEGER NOT NULL,       -- increasing per document, in the order they were committed
    data BLOB NOT NULL,        -- one Yjs v1 update exactly as a client sent it
    at REAL NOT NULL,
    PRIMARY KEY (room_id, doc, id)
) WITHOUT ROWID;
INSERT INTO notes_updates (room_id, doc, id, data, at)
    SELECT room_id, doc, id, data, at FROM notes_updates_v1;
DROP TABLE notes_updates_v1;
"""

MIGRATIONS = (
    Migration(1, "notes snapshots and update log", SCHEMA),
    Migration(2, "update log clustered by document (one page per commit)", CLUSTERED_LOG),
)

# A row's id is one past the document's last: a seek to the end of its range of the key, on the
# page the row goes to anyway. Any connection may append (the write lock orders them).
INSERT = (
    "INSERT INTO notes_updates (room_id, doc, id, data, at) VALUES (?, ?, "
    "(SELECT IFNULL(MAX(id), 0) + 1 FROM notes_updates WHERE room_id = ? AND doc = ?), ?, ?)"
)


@dataclass(frozen=True)
class StoredDoc:
    snapshot: bytes | None
    updates: list[bytes]


class NotesLog(Protocol):
    """What the hub needs: durable before relayed, so `append` returns only once it is stored."""

    # True when `append` never suspends (SQLite on the loop thread): the hub then commits a
    # keystroke in the task that received it and relays it at once, instead of waking a flusher
    # task a loop iteration later. False where a commit is a round trip (PostgreSQL): there the
    # flusher batches what arrives during one commit into the next.
    commits_inline: bool

    async def load(self, room_id: str, doc: str) -> StoredDoc: ...

    async def append(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """Store (room_id, doc, update) rows in one transaction, in order."""
        ...

    def append_now(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """`append` without a coroutine, called only where `commits_inline` is true: the hub
        stores a keystroke inside a transport callback, where nothing may be awaited."""
        ...

    async def compact(self, room_id: str, doc: str, state: bytes) -> None:
        """Replace the document's log by `state`, which already holds every logged update."""
        ...

    async def log_length(self, room_id: str, doc: str) -> int: ...

    def checkpoint(self) -> None:
        """Housekeeping off the loop (run in a worker thread); may do nothing."""
        ...

    def close(self) -> None: ...


class NotesStorage:
    commits_inline = True

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint copies the WAL into the database file: milliseconds, which on the loop
        # thread would land on some keystroke's commit. `checkpoint` does it from a worker
        # thread on a connection of its own instead.
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self.upgraded = upgrade_sqlite(self._db, MIGRATIONS, "notes file")
        self._checkpointer = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False
        )
        # Closing a connection while a worker thread runs a checkpoint on it crashes the
        # process (seen as a segfault at shutdown); the lock makes the two take turns.
        self._checkpoint_lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        with self._checkpoint_lock:
            self._closed = True
            self._checkpointer.close()
        self._db.close()

    def checkpoint(self) -> None:
        """Run in a worker thread. PASSIVE never waits for, nor blocks, the writer."""
        with self._checkpoint_lock:
            if not self._closed:
                self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def load(self, room_id: str, doc: str) -> StoredDoc:
        row = self._db.execute(
            "SELECT state FROM notes_snapshots WHERE room_id = ? AND doc = ?", (room_id, doc)
        ).fetchone()
        rows = self._db.execute(
            "SELECT data FROM notes_updates WHERE room_id = ? AND doc = ? ORDER BY id",
            (room_id, doc),
        ).fetchall()
        return StoredDoc(bytes(row[0]) if row else None, [bytes(r[0]) for r in rows])

    async def append(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        self.append_now(rows)

    def append_now(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """One transaction for everything that arrived in the same loop iteration."""
        now = time.time()
        db = self._db
        batch = [(room_id, doc, room_id, doc, data, now) for room_id, doc, data in rows]
        if len(batch) == 1:
            # Most loop iterations carry one keystroke: an autocommit INSERT is one statement
            # instead of three (BEGIN, INSERT, COMMIT) and is just as durable.
            db.execute(INSERT, batch[0])
            return
        db.execute("BEGIN")
        try:
            db.executemany(INSERT, batch)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def compact(self, room_id: str, doc: str, state: bytes) -> None:
        """Replace the document's log by a snapshot that already contains every logged update.

        The caller guarantees that: the hub holds its write lock over the flush, the snapshot
        and this call, so no row can be appended meanwhile (notes.hub).
        """
        db = self._db
        db.execute("BEGIN")
        try:
            db.execute(
                "INSERT INTO notes_snapshots VALUES (?, ?, ?, ?) ON CONFLICT(room_id, doc) "
                "DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (room_id, doc, state, time.time()),
            )
            db.execute("DELETE FROM notes_updates WHERE room_id = ? AND doc = ?", (room_id, doc))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def log_length(self, room_id: str, doc: str) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM notes_updates WHERE room_id = ? AND doc = ?", (room_id, doc)
        ).fetchone()
        return int(row[0])


# Deleting rooms from the notes file, for rooms.deletion and `mockroom gc`. The hub has its own
# connection; a second one here is safe (WAL, short autocommit statements on both) and lets gc
# run without a server.
def _open_file(path: Path) -> sqlite3.Connection | None:
    if not path.exists():
        return None
    db = sqlite3.connect(str(path), isolation_level=None, timeout=10)
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def _room_tables(db: sqlite3.Connection) -> list[str]:
    names = [
        str(r[0])
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(r[0]).startswith("sqlite_")
    ]
    return [
        n for n in names if any(c[1] == "room_id" for c in db.execute(f'PRAGMA table_info("{n}")'))
    ]


def purge_notes_file(path: Path, room_ids: list[str]) -> int:
    """Delete every row of these rooms from the notes file; the number of rows."""
    db = _open_file(path)
    if db is None:
        return 0
    deleted = 0
    with closing(db):
        for table in _room_tables(db):
            for room_id in room_ids:
                cur = db.execute(f'DELETE FROM "{table}" WHERE room_id = ?', (room_id,))
                deleted += cur.rowcount
    return deleted


def notes_file_room_ids(path: Path) -> set[str]:
    """Every room id the notes file holds rows of."""
    db = _open_file(path)
    if db is None:
        return set()
    with closing(db):
        return {
            str(row[0])
            for table in _room_tables(db)
            for row in db.execute(f'SELECT DISTINCT room_id FROM "{table}"')
        }
