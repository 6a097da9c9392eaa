"""What a store call costs on PostgreSQL over loopback next to SQLite, per call, on the loop thread.

    .venv/bin/python bench/pg_roundtrip.py [--calls 2000]

Starts a private PostgreSQL (tests/support/postgres.py: initdb in a temporary directory, fsync on,
as a real server would run) and times the calls the hot paths make: get_room and find_link (every
authorised request), append_event (every interview action), a notes append (every keystroke
batch). Prints the median and p99 in microseconds for both backends.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mockroom.notes.pg_storage import PostgresNotesLog
from mockroom.notes.storage import NotesLog, NotesStorage
from mockroom.storage.interface import LinkRecord, RoomRecord, Store
from mockroom.storage.postgres import PostgresStore
from mockroom.storage.sqlite import SqliteStore
from support.postgres import start_postgres, stop_postgres


def timed(fn: Callable[[], object], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def measure(name: str, store: Store, notes: NotesLog, calls: int) -> None:
    room = RoomRecord("r1", "peer", "video", "T", None, None, {}, time.time())  # type: ignore[arg-type]
    store.create_room(room, [LinkRecord("r1", "candidate", "h1", time.time(), None, None)])
    cases: dict[str, Callable[[], object]] = {
        "get_room": lambda: store.get_room("r1"),
        "find_link": lambda: store.find_link("r1", "h1"),
        "append_event": lambda: store.append_event("r1", "interview", {"type": "tick"}),
        "notes append": lambda: notes.append([("r1", "notes", b"x" * 200)]),
    }
    for case, fn in cases.items():
        p50, p99 = timed(fn, calls)
        print(f"{name:8} {case:13} p50 {p50:7.0f} us   p99 {p99:7.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(Path(tmp) / "m.sqlite3")
        notes = NotesStorage(Path(tmp) / "n.sqlite3")
        measure("sqlite", sqlite, notes, args.calls)
        sqlite.close()
        notes.close()
    server, stop = start_postgres(fsync=True)
    try:
        pg = PostgresStore(server.new_database())
        measure("postgres", pg, PostgresNotesLog(pg.pool), args.calls)
        pg.close()
    finally:
        stop_postgres(server, stop)


if __name__ == "__main__":
    main()
