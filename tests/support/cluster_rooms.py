"""What the several-node tests (cluster and PostgreSQL) share about one room: seating two people
through two nodes, the rows that still name it, and making it look unused for a while.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import psycopg
from psycopg import sql

from support.cluster import Socket, join, next_of
from support.live_server import LiveServer

DAY_S = 86_400.0


async def seat_two(
    http: aiohttp.ClientSession, home: LiveServer, edge: LiveServer, room: dict[str, Any]
) -> tuple[Socket, Socket, dict[str, Any]]:
    """The interviewer joins through `home` (its first socket makes it the room's home), the
    candidate through `edge` (which relays); returns both sockets and the candidate's welcome,
    once the interviewer has seen the candidate join."""
    interviewer, _ = await join(http, home, room, "interviewer")
    candidate, welcome = await join(http, edge, room, "candidate")
    await next_of(interviewer, "joined")
    return interviewer, candidate, welcome


def pg_rows_naming(url: str, room_id: str) -> dict[str, int]:
    """Rows that mention the room in any column of any table of the database."""
    found: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        for table in tables:
            columns = [
                str(r[0])
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    (table,),
                )
            ]
            where = sql.SQL(" OR ").join(
                sql.SQL("CAST({} AS TEXT) LIKE %s").format(sql.Identifier(c)) for c in columns
            )
            query = sql.SQL("SELECT COUNT(*) FROM {} WHERE ").format(sql.Identifier(table))
            row = conn.execute(query + where, [f"%{room_id}%"] * len(columns)).fetchone()
            if row and row[0]:
                found[table] = int(row[0])
    return found


def age_room(url: str, room_id: str, days: float) -> float:
    """Make the room's last use `days` ago in the shared database; returns that moment."""
    used = time.time() - days * DAY_S
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO room_activity VALUES (%s, %s) ON CONFLICT (room_id) "
            "DO UPDATE SET last_used_at = excluded.last_used_at",
            (room_id, used),
        )
    return used


def last_used(url: str, room_id: str) -> float | None:
    """When the room was last used, as the sweeper reads it (None: the room is gone)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT COALESCE(a.last_used_at, r.created_at) FROM rooms r "
            "LEFT JOIN room_activity a ON a.room_id = r.id WHERE r.id = %s",
            (room_id,),
        ).fetchone()
    return None if row is None else float(row[0])
