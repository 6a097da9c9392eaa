"""Two nodes talking to Redis and PostgreSQL over TLS only, as README "Running several nodes"
says to configure them: `rediss://` to a redis-server with only a --tls-port, and PostgreSQL with
ssl=on that refuses TCP clients without TLS, reached with sslmode=verify-full. Both engines use
one self-signed certificate (tests/support/tls.py) that the nodes are told to trust.

Signaling and notes go through both nodes (so through the Redis relay), and every connection
the nodes hold to the database is encrypted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import psycopg
import pytest
import redis

from support.cluster import cluster_nodes, interview_state, join, next_of, ws_url
from support.http import make_room
from support.notes import PyClient
from support.postgres import PostgresServer, start_postgres, stop_postgres
from support.redis import RedisServer, start_redis
from support.tls import self_signed


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_redis(
    tmp_path_factory: pytest.TempPathFactory, certificate: tuple[Path, Path]
) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis-tls"), tls=certificate)
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def tls_postgres(certificate: tuple[Path, Path]) -> Iterator[PostgresServer]:
    server, stop = start_postgres(tls=certificate)
    try:
        yield server
    finally:
        stop_postgres(server, stop)


def test_the_engines_refuse_clients_in_the_clear(
    tls_redis: RedisServer, tls_postgres: PostgresServer
) -> None:
    plain_pg = tls_postgres.url().split("?")[0] + "?sslmode=disable"
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(plain_pg, connect_timeout=5).close()
    plain_redis = redis.Redis(host="127.0.0.1", port=tls_redis.port, socket_timeout=3)
    with pytest.raises(redis.exceptions.ConnectionError):
        plain_redis.ping()
    with redis.Redis.from_url(tls_redis.url, socket_timeout=3) as encrypted:
        assert encrypted.ping() is True


async def test_two_nodes_over_tls_to_redis_and_postgres(
    tmp_path: Path, tls_redis: RedisServer, tls_postgres: PostgresServer
) -> None:
    database_url = tls_postgres.new_database()
    assert "sslmode=verify-full" in database_url and tls_redis.url.startswith("rediss://")
    with cluster_nodes(tmp_path, tls_redis.url, database_url) as (a, b):
        room = make_room(b.url, bank="behavioral")
        rid, tokens = room["room_id"], room["tokens"]
        async with aiohttp.ClientSession() as http:
            interviewer, welcome = await join(http, a, room, "interviewer")  # a is the home
            candidate, _ = await join(http, b, room, "candidate")  # relayed by b over rediss
            assert welcome["type"] == "welcome"
            joined = await next_of(interviewer, "joined")
            assert joined["participant"]["role"] == "candidate"
            await interviewer.send_json({"type": "interview", "action": "start"})
            for ws in (interviewer, candidate):  # both see it start, whichever node they reached
                while (await interview_state(ws))["phase"] == "lobby":
                    pass

            path = f"/ws/rooms/{rid}/notes/shared"
            at_a = await PyClient.connect(http, ws_url(a, path), tokens["interviewer"])
            at_b = await PyClient.connect(http, ws_url(b, path), tokens["candidate"])
            await asyncio.wait_for(at_b.synced.wait(), 10)
            at_a.text += "Ana, over TLS. "
            await at_b.wait_text("Ana, over TLS. ", timeout=10)
            at_b.text += "Ben too."
            await at_a.wait_text("Ana, over TLS. Ben too.", timeout=10)
            await at_a.flush()
            for ws in (interviewer, candidate):
                await ws.close()
            await at_a.close()
            await at_b.close()

        # Every connection the nodes hold to the room's database is encrypted.
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid "
                "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
            ).fetchall()
            stored = conn.execute(
                "SELECT count(*) FROM notes_updates WHERE room_id = %s", (rid,)
            ).fetchone()
        assert rows and all(ssl for (ssl,) in rows), rows
        assert stored is not None and stored[0] > 0
