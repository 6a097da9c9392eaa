"""`mockroom db upgrade` and `mockroom db version`: the schema of each database a node uses.

SQLite: the main file and the notes file in data_dir. PostgreSQL (MOCKROOM_DATABASE_URL): one
database holding both. `serve` upgrades an older schema by itself at start (the same code); these
commands let an operator do it, or look, before starting nodes, e.g. once before a rolling
restart of a cluster onto a new release.
"""

from __future__ import annotations

from ..notes import NOTES_DB
from ..notes.storage import MIGRATIONS as NOTES_MIGRATIONS
from ..notes.storage import NotesStorage
from ..settings import Settings
from ..storage.schema import Migration, latest, sqlite_file_version
from ..storage.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from ..storage.sqlite import SqliteStore


def _line(what: str, found: int, migrations: tuple[Migration, ...]) -> str:
    known = latest(migrations)
    if found == known:
        state = "current"
    elif found > known:
        state = "NEWER than this MockRoom: upgrade MockRoom"
    else:
        state = "older: run `mockroom db upgrade` (serve does it at start)"
    return f"{what}: schema version {found} of {known} ({state})"


def schema_versions(settings: Settings) -> list[str]:
    """One line per database: its version, the newest this program knows, what to do."""
    if settings.database_url:
        from ..storage.postgres import connect, describe
        from ..storage.postgres_schema import MIGRATIONS, pg_version

        with connect(settings.database_url) as conn:
            found = pg_version(conn)
        return [_line(f"database {describe(settings.database_url)}", found, MIGRATIONS)]
    lines = []
    for what, path, migrations in (
        ("database", settings.db_path, SQLITE_MIGRATIONS),
        ("notes file", settings.data_dir / NOTES_DB, NOTES_MIGRATIONS),
    ):
        lines.append(_line(f"{what} {path}", sqlite_file_version(path), migrations))
    return lines


def upgrade(settings: Settings) -> list[str]:
    """Apply the missing migrations; one line per database. Raises StorageUnusable."""
    if settings.database_url:
        from ..storage.postgres import connect, describe
        from ..storage.postgres_schema import upgrade_pg

        with connect(settings.database_url) as conn:
            applied = upgrade_pg(conn)
        return [_applied(f"database {describe(settings.database_url)}", applied)]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(settings.db_path)
    store.close_file()
    notes = NotesStorage(settings.data_dir / NOTES_DB)
    notes.close()
    return [
        _applied(f"database {settings.db_path}", store.upgraded),
        _applied(f"notes file {settings.data_dir / NOTES_DB}", notes.upgraded),
    ]


def _applied(what: str, versions: list[int]) -> str:
    if not versions:
        return f"{what}: already current"
    return f"{what}: upgraded to version {versions[-1]} (applied {', '.join(map(str, versions))})"
