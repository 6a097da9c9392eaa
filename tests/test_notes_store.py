"""The notes log's contract (notes.storage.NotesLog), run on SQLite and on PostgreSQL: the
snapshot plus append-only log that the hub writes before it relays anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockroom.notes.pg_storage import PostgresNotesLog
from mockroom.notes.storage import NotesLog, NotesStorage, StoredDoc, purge_notes_file
from mockroom.storage.postgres import PostgresStore


@dataclass
class Backend:
    log: NotesLog
    purge: Callable[[str], int]  # how a room's deletion reaches the notes (rooms.deletion)
    close: Callable[[], None]


def sqlite_backend(request: pytest.FixtureRequest, tmp: Path) -> Backend:
    path = tmp / "notes.sqlite3"
    log = NotesStorage(path)
    return Backend(log, lambda room_id: purge_notes_file(path, [room_id]), log.close)


def postgres_backend(request: pytest.FixtureRequest, tmp: Path) -> Backend:
    store = PostgresStore(request.getfixturevalue("pg_url"))
    log = PostgresNotesLog(store.pool)

    def close() -> None:
        log.close()
        store.close()

    # On PostgreSQL the notes tables name their room, so the store's delete_room takes them.
    return Backend(log, store.delete_room, close)


BACKENDS = {"sqlite": sqlite_backend, "postgres": postgres_backend}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = BACKENDS[request.param](request, tmp_path)
    yield made
    made.close()


def test_appends_come_back_in_order_per_document(backend: Backend) -> None:
    log = backend.log
    assert log.load("r1", "shared") == StoredDoc(None, [])
    log.append([("r1", "shared", b"\x01one")])  # one row: the single-statement path
    log.append([("r1", "shared", b"\x02two"), ("r1", "private", b"p"), ("r2", "shared", b"x")])
    assert log.load("r1", "shared") == StoredDoc(None, [b"\x01one", b"\x02two"])
    assert log.load("r1", "private").updates == [b"p"]
    assert log.log_length("r1", "shared") == 2 and log.log_length("r9", "shared") == 0
    log.append([])
    assert log.log_length("r1", "shared") == 2


def test_compaction_replaces_the_log_by_a_snapshot(backend: Backend) -> None:
    log = backend.log
    log.append([("r1", "shared", b"a"), ("r1", "shared", b"b"), ("r1", "other", b"c")])
    log.compact("r1", "shared", b"state-ab")
    assert log.load("r1", "shared") == StoredDoc(b"state-ab", [])
    assert log.load("r1", "other").updates == [b"c"]  # another document keeps its log
    log.append([("r1", "shared", b"d")])
    log.compact("r1", "shared", b"state-abd")  # a second compaction replaces the snapshot
    log.append([("r1", "shared", b"e")])
    assert log.load("r1", "shared") == StoredDoc(b"state-abd", [b"e"])
    log.checkpoint()  # housekeeping never changes what is stored
    assert log.log_length("r1", "shared") == 1


def test_a_batch_is_stored_whole_or_not_at_all(backend: Backend) -> None:
    log = backend.log
    with pytest.raises(Exception):  # noqa: B017  (sqlite3 and psycopg raise their own)
        log.append([("r1", "shared", b"ok"), ("r1", "shared", None)])  # type: ignore[list-item]
    assert log.load("r1", "shared") == StoredDoc(None, [])
    log.append([("r1", "shared", b"after")])  # and the log still works
    assert log.load("r1", "shared").updates == [b"after"]


def test_a_deleted_rooms_notes_go(backend: Backend) -> None:
    log = backend.log
    log.append([("gone", "shared", b"a"), ("kept", "shared", b"b")])
    log.compact("gone", "private-candidate", b"s")
    assert backend.purge("gone") >= 2
    assert log.load("gone", "shared") == StoredDoc(None, [])
    assert log.load("gone", "private-candidate") == StoredDoc(None, [])
    assert log.load("kept", "shared").updates == [b"b"]
