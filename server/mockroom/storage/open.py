"""Which store a node runs on: PostgreSQL when MOCKROOM_DATABASE_URL is set, else SQLite.

psycopg is imported only for PostgreSQL, so a single-node server starts without loading it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..settings import Settings
from .interface import Store
from .sqlite import SqliteStore

if TYPE_CHECKING:
    from .postgres import PostgresStore

log = logging.getLogger(__name__)


async def open_store(settings: Settings) -> Store:
    """The store, its schema upgraded; raises storage.schema.StorageUnusable (one line) if not.

    Called inside the event loop that will use it: PostgreSQL's pool belongs to that loop."""
    store: SqliteStore | PostgresStore
    if settings.database_url:
        from .postgres import PostgresStore, describe

        store = await PostgresStore.open(settings.database_url, settings.database_pool_size)
        where = describe(settings.database_url)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(settings.db_path)
        where = str(settings.db_path)
    if store.upgraded:
        log.info("database schema upgraded", extra={"database": where, "to": store.upgraded[-1]})
    return store
