"""Schema versions on both backends: `mockroom db upgrade` / `db version` from an empty database
and from version 1, `serve` upgrading an older schema itself, and a newer schema refused in one
line, as is a database that cannot be reached."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mockroom.app import create_app
from mockroom.settings import Settings
from mockroom.storage import postgres_schema
from mockroom.storage import sqlite as sqlite_store
from mockroom.storage.postgres import PostgresStore
from mockroom.storage.schema import SchemaTooNew, upgrade_sqlite
from mockroom.storage.sqlite import SqliteStore
from support.http import create_room
from support.live_server import free_port
from support.paths import REPO

LATEST = sqlite_store.MIGRATIONS[-1].version
# Made now: an old room would be deleted by the retention sweep of the app under test.
ROOM = (
    "INSERT INTO rooms (id, mode, media, title, created_at) "
    f"VALUES ('v1room', 'peer', 'video', 'Made at v1', {time.time()})"
)


class SqliteDb:
    def __init__(self, tmp: Path) -> None:
        self.data_dir = tmp / "data"
        self.path = self.data_dir / "mockroom.sqlite3"

    def args(self) -> list[str]:
        return ["--data-dir", str(self.data_dir)]

    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir)

    def make_v1(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, isolation_level=None)) as db:
            upgrade_sqlite(db, sqlite_store.MIGRATIONS[:1], "database")
            db.execute(ROOM)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as db:
            return db.execute(sql).fetchall()

    def has_index(self) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'room_activity_used'"
        return bool(self.query(sql))

    async def open(self) -> Any:
        return SqliteStore(self.path)


class PostgresDb:
    def __init__(self, url: str) -> None:
        self.url = url

    def args(self) -> list[str]:
        return ["--database-url", self.url]

    def settings(self, tmp: Path) -> Settings:
        return Settings(data_dir=tmp / "data", database_url=self.url)

    def make_v1(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            postgres_schema.upgrade_pg(conn, postgres_schema.MIGRATIONS[:1])
            conn.execute(ROOM)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]

    def has_index(self) -> bool:
        return bool(self.query("SELECT 1 FROM pg_indexes WHERE indexname = 'room_activity_used'"))

    async def open(self) -> Any:
        return await PostgresStore.open(self.url)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> SqliteDb | PostgresDb:
    if request.param == "sqlite":
        return SqliteDb(tmp_path)
    return PostgresDb(request.getfixturevalue("pg_url"))


def mockroom(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKROOM_")}
    return subprocess.run(
        [sys.executable, "-m", "mockroom", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )


def version_of(db: SqliteDb | PostgresDb) -> int:
    return int(db.query("SELECT MAX(version) FROM schema_version")[0][0])


def test_upgrade_from_an_empty_database(db: SqliteDb | PostgresDb) -> None:
    before = mockroom("db", "version", *db.args())
    assert before.returncode == 0, before.stderr
    assert f"schema version 0 of {LATEST} (older" in before.stdout
    done = mockroom("db", "upgrade", *db.args())
    assert done.returncode == 0, done.stderr
    assert f"upgraded to version {LATEST}" in done.stdout
    assert version_of(db) == LATEST and db.has_index()
    again = mockroom("db", "upgrade", *db.args())
    assert "already current" in again.stdout
    after = mockroom("db", "version", *db.args())
    assert f"schema version {LATEST} of {LATEST} (current)" in after.stdout


async def test_upgrade_from_version_1_keeps_the_rows(db: SqliteDb | PostgresDb) -> None:
    db.make_v1()
    assert version_of(db) == 1 and not db.has_index()
    done = mockroom("db", "upgrade", *db.args())
    assert done.returncode == 0, done.stderr
    assert f"upgraded to version {LATEST} (applied 2" in done.stdout
    assert version_of(db) == LATEST and db.has_index()
    store = await db.open()
    try:
        room = await store.get_room("v1room")
        assert room is not None and room.title == "Made at v1"
    finally:
        await store.close()


async def test_serve_upgrades_an_older_schema_itself(
    aiohttp_client: Any, db: SqliteDb | PostgresDb, tmp_path: Path
) -> None:
    db.make_v1()
    settings = db.settings() if isinstance(db, SqliteDb) else db.settings(tmp_path)
    client = await aiohttp_client(create_app(settings))
    await create_room(client)  # the new schema's tables in use
    assert version_of(db) == LATEST and db.has_index()
    assert db.query("SELECT title FROM rooms WHERE id = 'v1room'") == [("Made at v1",)]


async def test_a_newer_schema_is_refused_in_one_line(db: SqliteDb | PostgresDb) -> None:
    mockroom("db", "upgrade", *db.args())
    with (
        psycopg.connect(db.url)
        if isinstance(db, PostgresDb)
        else closing(sqlite3.connect(db.path, isolation_level=None)) as conn
    ):
        conn.execute("INSERT INTO schema_version VALUES (99, 'from the future', 1.0)")
        if isinstance(conn, psycopg.Connection):
            conn.commit()
    with pytest.raises(SchemaTooNew, match="schema version 99, newer than this MockRoom"):
        await db.open()
    shown = mockroom("db", "version", *db.args())
    assert shown.returncode == 1 and "NEWER than this MockRoom" in shown.stdout
    serve = mockroom("serve", "--port", str(free_port()), *db.args())
    assert serve.returncode == 1
    lines = serve.stderr.strip().splitlines()
    assert len(lines) == 1 and "newer than this MockRoom knows" in lines[0], serve.stderr


async def test_a_unversioned_sqlite_file_from_before_versions_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "mockroom.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.executescript(sqlite_store.SCHEMA)  # what releases before schema_version made
        db.execute(ROOM)
    store = SqliteStore(path)
    try:
        assert store.upgraded == list(range(1, LATEST + 1))
        room = await store.get_room("v1room")
        assert room is not None and room.title == "Made at v1"
    finally:
        await store.close()


def test_serve_with_an_unreachable_or_bad_database_says_so_in_one_line() -> None:
    port = free_port()  # nothing listens there
    down = mockroom(
        "serve",
        "--port",
        str(free_port()),
        "--database-url",
        f"postgresql://x:pw@127.0.0.1:{port}/db",
    )
    assert down.returncode == 1
    [line] = down.stderr.strip().splitlines()
    assert f"cannot use the database at 127.0.0.1:{port}/db" in line and "pw" not in line
    bad = mockroom("serve", "--port", str(free_port()), "--database-url", "mysql://h/db")
    assert bad.returncode == 2 and "must be a postgresql:// URL" in bad.stderr
