"""Storage behind one seam: features call methods, never SQL.

interface (the records and the `Store` protocol: rooms and links, events, retention and deletion,
clips, review ratings and comments, speech metrics, sealed links) · sqlite (`SqliteStore`: rooms,
links, events, retention) · sqlite_features (the SQL of the feature tables, mixed into it) ·
postgres, postgres_features (`PostgresStore`, the same on MOCKROOM_DATABASE_URL) ·
postgres_schema (its tables as migrations) · schema (schema_version and the migration runner) ·
open (`open_store`: which backend a node runs on). Every Store method is a coroutine:
PostgreSQL awaits its round trips on an async pool; SQLite runs in place.
The notes documents sit behind `notes.storage.NotesLog`: a SQLite file of their own, or the
PostgreSQL database (notes.pg_storage).
"""
