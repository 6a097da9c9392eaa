"""Several `mockroom serve` nodes sharing one Redis and one database, each with its own data dir.

Until the PostgreSQL store is the cluster's database, the nodes share one SQLite store: each
node's data dir links `mockroom.sqlite3` and `notes.sqlite3` to one shared folder (SQLite
follows the links, so WAL and locks are shared too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import LiveServer, start_server, stop_server

SHARED_FILES = ("mockroom.sqlite3", "notes.sqlite3")


def start_node(
    root: Path, name: str, redis_url: str, port: int | None = None, env: dict[str, str] | None = None
) -> LiveServer:
    shared = root / "shared"
    shared.mkdir(parents=True, exist_ok=True)
    data = root / name / "data"
    data.mkdir(parents=True, exist_ok=True)
    for filename in SHARED_FILES:
        link = data / filename
        if not link.is_symlink():
            link.symlink_to(shared / filename)
    return start_server(data, port=port, env={**(env or {}), "MOCKROOM_REDIS_URL": redis_url})


@contextmanager
def cluster_nodes(root: Path, redis_url: str, count: int = 2) -> Iterator[list[LiveServer]]:
    nodes = [start_node(root, f"node{i}", redis_url) for i in range(count)]
    try:
        yield nodes
    finally:
        for node in nodes:
            stop_server(node)
