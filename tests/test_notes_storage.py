"""The notes log's layout: one page per commit, and files of the first layout moved over intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mockroom.notes.storage import MIGRATIONS, NotesStorage
from mockroom.storage.schema import sqlite_version, upgrade_sqlite

# The first layout of the log, as files written before the clustered one hold it.
V1 = """
CREATE TABLE notes_snapshots (
    room_id TEXT NOT NULL, doc TEXT NOT NULL, state BLOB NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (room_id, doc)
);
CREATE TABLE notes_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL, doc TEXT NOT NULL, data BLOB NOT NULL, at REAL NOT NULL
);
CREATE INDEX notes_updates_doc ON notes_updates(room_id, doc, id);
"""


async def wal_growth(storage: NotesStorage, path: Path, rows: int) -> float:
    wal = Path(f"{path}-wal")
    before = wal.stat().st_size if wal.exists() else 0
    for i in range(rows):
        await storage.append([(f"room-{i % 7}", "shared", b"\x01\x02" * 12)])
    return (wal.stat().st_size - before) / rows


async def test_a_keystroke_commit_writes_one_page(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    storage = NotesStorage(path)
    await wal_growth(storage, path, 20)  # the tree's first pages
    # A WAL frame is a 4 KiB page and its 24-byte header; the first layout wrote three.
    assert await wal_growth(storage, path, 200) < 4096 * 1.5
    storage.close()


@pytest.mark.parametrize("versioned", [False, True], ids=["before-versions", "version-1"])
async def test_a_file_of_the_first_layout_is_moved_over_in_order(
    tmp_path: Path, versioned: bool
) -> None:
    path = tmp_path / "notes.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    if versioned:  # written by a MockRoom that knew schema versions, up to version 1
        upgrade_sqlite(old, MIGRATIONS[:1], "notes file")
    else:
        old.executescript(V1)
    rows = [("r1", "shared", b"a1"), ("r2", "shared", b"b1"), ("r1", "shared", b"a2")]
    rows += [("r1", "private-x", b"p1"), ("r1", "shared", b"a3")]
    old.executemany("INSERT INTO notes_updates (room_id, doc, data, at) VALUES (?, ?, ?, 0)", rows)
    old.execute("DELETE FROM notes_updates WHERE data = ?", (b"a2",))  # a gap, as after a purge
    old.close()

    storage = NotesStorage(path)
    assert (await storage.load("r1", "shared")).updates == [b"a1", b"a3"]
    assert (await storage.load("r2", "shared")).updates == [b"b1"]
    assert (await storage.load("r1", "private-x")).updates == [b"p1"]
    # New rows go after the moved ones, one transaction or several.
    await storage.append([("r1", "shared", b"a4")])
    await storage.append(
        [("r1", "shared", b"a5"), ("r2", "shared", b"b2"), ("r1", "shared", b"a6")]
    )
    assert (await storage.load("r1", "shared")).updates == [b"a1", b"a3", b"a4", b"a5", b"a6"]
    assert (await storage.load("r2", "shared")).updates == [b"b1", b"b2"]
    storage.close()

    check = sqlite3.connect(path)
    tables = {name: sql for name, sql in check.execute("SELECT name, sql FROM sqlite_master")}
    assert sqlite_version(check) == len(MIGRATIONS)
    check.close()
    assert "WITHOUT ROWID" in tables["notes_updates"]
    assert "notes_updates_v1" not in tables and "notes_updates_doc" not in tables
    # Opening it again leaves it as it is.
    again = NotesStorage(path)
    assert (await again.load("r1", "shared")).updates == [b"a1", b"a3", b"a4", b"a5", b"a6"]
    again.close()


async def test_compacting_a_document_restarts_nothing_it_still_needs(tmp_path: Path) -> None:
    storage = NotesStorage(tmp_path / "notes.sqlite3")
    await storage.append([("r", "shared", b"u1"), ("r", "shared", b"u2")])
    await storage.compact("r", "shared", b"state")
    await storage.append([("r", "shared", b"u3")])
    await storage.append([("r", "shared", b"u4")])
    stored = await storage.load("r", "shared")
    assert stored.snapshot == b"state" and stored.updates == [b"u3", b"u4"]
    assert await storage.log_length("r", "shared") == 2
    storage.close()
