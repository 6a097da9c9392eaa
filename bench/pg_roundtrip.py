"""What a store call costs on PostgreSQL over loopback next to SQLite, per call, on the loop thread.

    .venv/bin/python bench/pg_roundtrip.py [--calls 2000] [--tasks 4]

Starts a private PostgreSQL (tests/support/postgres.py: initdb in a temporary directory, fsync on,
as a real server would run) and times the calls the hot paths make: get_room and find_link (every
authorised request), append_event (every interview action), a notes append (every keystroke
batch). Prints the median and p99 in microseconds for both backends, each call awaited alone;
then `--tasks` tasks calling get_room at once: calls per second, and the longest the event loop
went without running a 1 ms ticker meanwhile (the store is async: on PostgreSQL the loop runs
other work during each round trip; SQLite's calls never suspend, so its ticker waits).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mockroom.notes.pg_storage import PostgresNotesLog
from mockroom.notes.storage import NotesLog, NotesStorage
from mockroom.storage.interface import LinkRecord, RoomRecord, Store
from mockroom.storage.postgres import PostgresStore
from mockroom.storage.sqlite import SqliteStore
from results import figure, write
from support.postgres import start_postgres, stop_postgres


async def timed(fn: Callable[[], Awaitable[object]], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


async def measure(
    name: str, store: Store, notes: NotesLog, calls: int, tasks: int
) -> dict[str, float]:
    """Each call's p50 (us), printed with its p99; then the concurrent callers."""
    room = RoomRecord("r1", "peer", "video", "T", None, None, {}, time.time())  # type: ignore[arg-type]
    await store.create_room(room, [LinkRecord("r1", "candidate", "h1", time.time(), None, None)])
    cases: dict[str, Callable[[], Awaitable[object]]] = {
        "get_room": lambda: store.get_room("r1"),
        "find_link": lambda: store.find_link("r1", "h1"),
        "append_event": lambda: store.append_event("r1", "interview", {"type": "tick"}),
        "notes append": lambda: notes.append([("r1", "notes", b"x" * 200)]),
    }
    medians = {}
    for case, fn in cases.items():
        p50, p99 = await timed(fn, calls)
        medians[case] = p50
        print(f"{name:8} {case:13} p50 {p50:7.0f} us   p99 {p99:7.0f} us")
    await concurrent(name, store, calls, tasks)
    return medians


async def concurrent(name: str, store: Store, calls: int, tasks: int) -> None:
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def caller() -> None:
        for _ in range(calls // tasks):
            await store.get_room("r1")
            await asyncio.sleep(0)  # a request handler yields between calls too

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(tasks)))
    took = time.perf_counter() - start
    ticker.cancel()
    rate = (calls // tasks) * tasks / took
    print(
        f"{name:8} {tasks} tasks     {rate:7.0f} calls/s   "
        f"longest loop gap {max(gaps) * 1000:5.1f} ms"
    )


async def run(calls: int, tasks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SqliteStore(Path(tmp) / "m.sqlite3")
        notes = NotesStorage(Path(tmp) / "n.sqlite3")
        on_sqlite = await measure("sqlite", sqlite, notes, calls, tasks)
        await sqlite.close()
        notes.close()
    server, stop = start_postgres(fsync=True)
    try:
        pg = await PostgresStore.open(server.new_database(), pool_size=tasks)
        on_pg = await measure("postgres", pg, PostgresNotesLog(pg.pool), calls, tasks)
        await pg.close()
    finally:
        stop_postgres(server, stop)
    write(
        "pg_roundtrip",
        [
            figure(case.replace(" ", "_"), f"PostgreSQL {case}, p50", on_pg[case], "us",
                   baseline="SQLite", baseline_value=on_sqlite[case])
            for case in ("get_room", "notes append")
        ],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=4, help="concurrent callers (= pool size)")
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.tasks))


if __name__ == "__main__":
    main()
