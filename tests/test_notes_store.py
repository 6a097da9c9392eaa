"""The notes log's contract (notes.storage.NotesLog), run on SQLite and on PostgreSQL: the
snapshot plus append-only log that the hub writes before it relays anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockroom.notes.pg_storage import PostgresNotesLog
from mockroom.notes.storage import NotesLog, NotesStorage, StoredDoc, purge_notes_file
from mockroom.storage.postgres import PostgresStore


@dataclass
class Backend:
    log: NotesLog
    purge: Callable[[str], Awaitable[int]]  # how a room's deletion reaches the notes
    close: Callable[[], Awaitable[None]]


async def sqlite_backend(request: pytest.FixtureRequest, tmp: Path) -> Backend:
    path = tmp / "notes.sqlite3"
    log = NotesStorage(path)

    async def purge(room_id: str) -> int:
        return purge_notes_file(path, [room_id])

    async def close() -> None:
        log.close()

    return Backend(log, purge, close)


async def postgres_backend(request: pytest.FixtureRequest, tmp: Path) -> Backend:
    store = await PostgresStore.open(request.getfixturevalue("pg_url"))
    log = PostgresNotesLog(store.pool)

    async def close() -> None:
        log.close()
        await store.close()

    # On PostgreSQL the notes tables name their room, so the store's delete_room takes them.
    return Backend(log, store.delete_room, close)


BACKENDS = {"sqlite": sqlite_backend, "postgres": postgres_backend}


@pytest.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    made = await BACKENDS[request.param](request, tmp_path)
    yield made
    await made.close()


async def test_appends_come_back_in_order_per_document(backend: Backend) -> None:
    log = backend.log
    assert await log.load("r1", "shared") == StoredDoc(None, [])
    await log.append([("r1", "shared", b"\x01one")])  # one row: the single-statement path
    await log.append(
        [("r1", "shared", b"\x02two"), ("r1", "private", b"p"), ("r2", "shared", b"x")]
    )
    assert await log.load("r1", "shared") == StoredDoc(None, [b"\x01one", b"\x02two"])
    assert (await log.load("r1", "private")).updates == [b"p"]
    assert await log.log_length("r1", "shared") == 2 and await log.log_length("r9", "shared") == 0
    await log.append([])
    assert await log.log_length("r1", "shared") == 2


async def test_compaction_replaces_the_log_by_a_snapshot(backend: Backend) -> None:
    log = backend.log
    await log.append([("r1", "shared", b"a"), ("r1", "shared", b"b"), ("r1", "other", b"c")])
    await log.compact("r1", "shared", b"state-ab")
    assert await log.load("r1", "shared") == StoredDoc(b"state-ab", [])
    assert (await log.load("r1", "other")).updates == [b"c"]  # another document keeps its log
    await log.append([("r1", "shared", b"d")])
    await log.compact("r1", "shared", b"state-abd")  # a second compaction replaces the snapshot
    await log.append([("r1", "shared", b"e")])
    assert await log.load("r1", "shared") == StoredDoc(b"state-abd", [b"e"])
    log.checkpoint()  # housekeeping never changes what is stored
    assert await log.log_length("r1", "shared") == 1


async def test_a_batch_is_stored_whole_or_not_at_all(backend: Backend) -> None:
    log = backend.log
    with pytest.raises(Exception):  # noqa: B017  (sqlite3 and psycopg raise their own)
        await log.append([("r1", "shared", b"ok"), ("r1", "shared", None)])  # type: ignore[list-item]
    assert await log.load("r1", "shared") == StoredDoc(None, [])
    await log.append([("r1", "shared", b"after")])  # and the log still works
    assert (await log.load("r1", "shared")).updates == [b"after"]


async def test_a_deleted_rooms_notes_go(backend: Backend) -> None:
    log = backend.log
    await log.append([("gone", "shared", b"a"), ("kept", "shared", b"b")])
    await log.compact("gone", "private-candidate", b"s")
    assert await backend.purge("gone") >= 2
    assert await log.load("gone", "shared") == StoredDoc(None, [])
    assert await log.load("gone", "private-candidate") == StoredDoc(None, [])
    assert (await log.load("kept", "shared")).updates == [b"b"]
