"""Schema versions: numbered migrations per backend, recorded in a `schema_version` table.

Each backend lists its migrations in order (storage.sqlite, storage.postgres_schema,
notes.storage); a database holds the version it reached. `upgrade` applies the missing ones, each
in the transaction that records it, so a failed step leaves the previous version intact. A
database newer than this program is refused (SchemaTooNew): an older MockRoom must not write into
tables whose meaning it does not know. `mockroom serve` upgrades an older database itself (see
README "PostgreSQL"); `mockroom db upgrade` does the same without starting a server.

SQLite files made before versions existed hold version 1's tables without the table: their
version counts as 0 and version 1 (all `CREATE ... IF NOT EXISTS`) re-runs as a no-op.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    about TEXT NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    about: str  # one line: what it adds
    sql: str  # the statements, separated by semicolons


class StorageUnusable(Exception):
    """Storage cannot be opened (unreachable, wrong schema); the message is one line for people."""


class SchemaError(StorageUnusable):
    """The database's schema cannot be used by this program; the message says what to do."""


class SchemaTooNew(SchemaError):
    def __init__(self, what: str, found: int, known: int) -> None:
        super().__init__(
            f"the {what} has schema version {found}, newer than this MockRoom knows ({known}): "
            "run the MockRoom version that upgraded it, or a newer one"
        )


def latest(migrations: tuple[Migration, ...]) -> int:
    return migrations[-1].version if migrations else 0


def check_order(migrations: tuple[Migration, ...]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, ... without gaps, got {versions}")


def sqlite_version(db: sqlite3.Connection) -> int:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    row = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def sqlite_file_version(path: Path) -> int:
    """The version of a SQLite file, read without changing it (0: no file or unversioned)."""
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return sqlite_version(db)


def upgrade_sqlite(
    db: sqlite3.Connection, migrations: tuple[Migration, ...], what: str
) -> list[int]:
    """Bring the file to the newest version; the versions applied (none: it was current)."""
    check_order(migrations)
    found = sqlite_version(db)
    if found > latest(migrations):
        raise SchemaTooNew(what, found, latest(migrations))
    applied = []
    for migration in migrations[found:]:
        # One script, so BEGIN ... COMMIT wraps the step and its record (executescript would
        # commit a transaction opened by a separate execute first).
        try:
            db.executescript(
                f"BEGIN IMMEDIATE;\n{VERSION_TABLE};\n{migration.sql}\n;"
                f"INSERT INTO schema_version VALUES ({migration.version}, "
                f"'{migration.about.replace(chr(39), chr(39) * 2)}', {time.time()});\nCOMMIT;"
            )
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
