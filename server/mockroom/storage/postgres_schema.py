"""PostgreSQL's tables, as numbered migrations (storage.schema), and the runner for them.

Version 1 is SQLite's version 1 in PostgreSQL types (REAL -> DOUBLE PRECISION, BLOB -> BYTEA,
AUTOINCREMENT -> an identity column) plus the notes log, which on PostgreSQL shares the
database with the rest so that every node reads the same documents. Each table that belongs to
a room names it in `room_id`, so `delete_room` finds it without knowing the feature.

Several nodes may start at once against one database: the upgrade holds a transaction-level
advisory lock, so one node migrates and the others then find the schema current.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg

from .postgres_transcripts import TRANSCRIPTS_V3
from .schema import VERSION_TABLE, Migration, SchemaTooNew, check_order, latest

V1 = """
CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    media TEXT NOT NULL,
    title TEXT NOT NULL,
    bank_id TEXT,
    bank_json TEXT,
    options_json TEXT NOT NULL DEFAULT '{}',
    created_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE links (
    room_id TEXT NOT NULL REFERENCES rooms(id),
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION,
    revoked_at DOUBLE PRECISION
);
CREATE INDEX links_room ON links(room_id, role);
CREATE TABLE participants (
    room_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    joined_at DOUBLE PRECISION NOT NULL,
    left_at DOUBLE PRECISION,
    PRIMARY KEY (room_id, participant_id)
);
CREATE TABLE events (
    room_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (room_id, seq)
);
CREATE TABLE room_activity (
    room_id TEXT PRIMARY KEY,
    last_used_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE clips (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    take INTEGER NOT NULL,
    mime TEXT NOT NULL,
    extension TEXT NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    finished_at DOUBLE PRECISION,
    duration_ms INTEGER,
    UNIQUE (room_id, question_id, take)
);
CREATE INDEX clips_room ON clips(room_id, created_at);
CREATE TABLE review_ratings (
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    item INTEGER NOT NULL,
    rating INTEGER NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (room_id, question_id, item)
);
CREATE TABLE review_comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    clip_id TEXT,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX review_comments_room ON review_comments(room_id, id);
CREATE TABLE answer_metrics (
    room_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    take INTEGER NOT NULL,
    talk_ms INTEGER NOT NULL,
    longest_pause_ms INTEGER NOT NULL,
    first_word_ms INTEGER,
    window_ms INTEGER NOT NULL,
    share_used DOUBLE PRECISION NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (room_id, question_id, take)
);
CREATE TABLE sealed_links (
    room_id TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    sealed TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (room_id, role)
);
CREATE TABLE notes_snapshots (
    room_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    state BYTEA NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (room_id, doc)
);
CREATE TABLE notes_updates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    data BYTEA NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX notes_updates_doc ON notes_updates(room_id, doc, id);
"""

MIGRATIONS = (
    Migration(1, "rooms, links, participants, events, retention, feature tables, notes", V1),
    Migration(
        2,
        "index rooms by last use",
        "CREATE INDEX room_activity_used ON room_activity(last_used_at);",
    ),
    Migration(3, "transcripts of recorded takes", TRANSCRIPTS_V3),
)

# pg_advisory_xact_lock key: any constant the nodes agree on ("MockRoom" in ASCII, truncated).
UPGRADE_LOCK = 0x4D6F636B526F6F6D


def pg_version(conn: psycopg.Connection[Any]) -> int:
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:  # type: ignore[index]
        return 0
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0])  # type: ignore[index]


def upgrade_pg(
    conn: psycopg.Connection[Any], migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[int]:
    """Bring the database to the newest version; the versions applied. `conn` is autocommit."""
    check_order(migrations)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK,))
        found = pg_version(conn)
        if found > latest(migrations):
            raise SchemaTooNew("database", found, latest(migrations))
        applied = []
        for migration in migrations[found:]:
            conn.execute(VERSION_TABLE)
            conn.execute(migration.sql.encode())  # several statements: no parameters
            conn.execute(
                "INSERT INTO schema_version VALUES (%s, %s, %s)",
                (migration.version, migration.about, time.time()),
            )
            applied.append(migration.version)
    return applied
