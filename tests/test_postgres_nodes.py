"""MockRoom on PostgreSQL, end to end: what one node stores, another node (its own data_dir, the
same database and recordings volume) finds, through HTTP, the signaling and notes sockets and
the chunk upload; deletion and `mockroom gc` leave no row behind. Real PostgreSQL
(tests/support/postgres.py), a real Node Yjs client, aiohttp's test client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest

from mockroom.app import create_app
from mockroom.keys import STORE
from mockroom.recordings.store import CLIPS
from mockroom.roles import Media, Mode
from mockroom.settings import Settings
from mockroom.storage.interface import RoomRecord
from mockroom.storage.postgres import PostgresStore
from support.clips import new_clip, put_chunk, scripted_room
from support.cluster_rooms import pg_rows_naming
from support.http import auth, create_room, make_room
from support.live_server import start_server, stop_server
from support.notes import NodeClient, PyClient, connect, node_expect
from support.paths import REPO
from support.postgres import lock_waiters
from support.ws import join, next_of


def node_settings(tmp_path: Path, pg_url: str, name: str) -> Settings:
    """A node: its own data_dir, the cluster's database and recordings volume."""
    return Settings(
        data_dir=tmp_path / name, database_url=pg_url, recordings_path=tmp_path / "volume"
    )


async def test_a_room_made_on_one_node_is_whole_on_another(
    aiohttp_client: Any, tmp_path: Path, pg_url: str
) -> None:
    first = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-a")))
    room = await create_room(first, bank="behavioral")
    iv, _ = await join(first, room, "interviewer")
    await next_of(iv, "interview-state")
    await iv.send_json({"type": "interview", "action": "start", "data": {"skip_intro": True}})
    state = (await next_of(iv, "interview-state"))["state"]
    assert state["phase"] == "think"
    notes = await connect(first, room, "interviewer")
    notes.text += "typed on node a"
    observer = await connect(first, room, "observer")
    await observer.wait_text("typed on node a", timeout=30)  # relayed, so durable
    await first.close()

    second = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-b")))
    got = await second.get(
        f"/api/rooms/{room['room_id']}", headers=auth(room["tokens"]["observer"])
    )
    assert got.status == 200, await got.text()
    cand, welcome = await join(second, room, "candidate")
    assert welcome["type"] == "welcome"
    again = (await next_of(cand, "interview-state"))["state"]
    assert again["phase"] == "think" and again["question"]["text"] == state["question"]["text"]
    reader = await connect(second, room, "candidate")
    await reader.wait_text("typed on node a", timeout=30)
    events = await second.app[STORE].events(room["room_id"])
    assert events and {e.kind for e in events} == {"interview"}
    # Nothing of it went to either node's SQLite files.
    for name in ("node-a", "node-b"):
        assert not (tmp_path / name / "mockroom.sqlite3").exists()
        assert not (tmp_path / name / "notes.sqlite3").exists()
    await cand.close()
    await reader.close()


def pg_env(pg_url: str, tmp_path: Path) -> dict[str, str]:
    return {"MOCKROOM_DATABASE_URL": pg_url, "MOCKROOM_RECORDINGS_PATH": str(tmp_path / "volume")}


@pytest.mark.node
async def test_notes_typed_with_the_node_client_outlive_a_killed_node(
    tmp_path: Path, pg_url: str
) -> None:
    # Trust authentication ignores the password; the log must not show it all the same.
    env = pg_env(pg_url.replace("postgres@", "postgres:not-for-logs@"), tmp_path)
    node_a = start_server(tmp_path / "node-a", env=env)
    assert "database=postgresql 127.0.0.1:" in node_a.log()
    room = make_room(node_a.url)
    base = node_a.url.replace("http://", "ws://") + f"/ws/rooms/{room['room_id']}/notes"
    typist = NodeClient(base, "shared", room["tokens"]["interviewer"])
    try:
        await node_expect(typist, lambda e: e["event"] == "synced", timeout=30)
        async with aiohttp.ClientSession() as http:
            watcher = await PyClient.connect(http, base + "/shared", room["tokens"]["observer"])
            await asyncio.wait_for(watcher.synced.wait(), 30)
            typist.send(op="insert", index=-1, text="stored before the kill")
            await watcher.wait_text("stored before the kill", timeout=30)
            await watcher.close()
        stop_server(node_a, kill=True)
        assert "not-for-logs" not in node_a.log()
        node_b = start_server(tmp_path / "node-b", env=env)
        try:
            other = node_b.url.replace("http://", "ws://") + f"/ws/rooms/{room['room_id']}/notes"
            async with aiohttp.ClientSession() as http:
                reader = await PyClient.connect(
                    http, other + "/shared", room["tokens"]["candidate"]
                )
                await reader.wait_text("stored before the kill", timeout=30)
                await reader.close()
        finally:
            stop_server(node_b)
    finally:
        typist.close()
        stop_server(node_a)


async def stored_soon(url: str, room_id: str, table: str, timeout: float = 10) -> dict[str, int]:
    """The room's rows once `table` holds some: the hub commits a batch a loop turn later."""
    deadline = time.monotonic() + timeout
    while True:
        found = await asyncio.to_thread(pg_rows_naming, url, room_id)
        if table in found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)  # polling the database: it sends no event when a row lands


async def test_deleting_a_room_on_postgres_leaves_no_row_and_no_file(
    aiohttp_client: Any, tmp_path: Path, pg_url: str
) -> None:
    client = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-a")))
    room = await scripted_room(client)
    rid, tokens = room["room_id"], room["tokens"]
    clip = await new_clip(client, room)
    assert (await put_chunk(client, room, clip["clip_id"], 0, b"v" * 500)).status == 200
    notes = await connect(client, room, "candidate")
    notes.text += "candidate notes"
    await notes.wait_text("candidate notes", timeout=30)
    await notes.flush(timeout=30)  # the server has the update (its batch commits right after)
    found = await stored_soon(pg_url, rid, "notes_updates")
    assert {"rooms", "links", "clips", "notes_updates"} <= set(found)
    assert (tmp_path / "volume" / rid).is_dir()

    resp = await client.delete(f"/api/rooms/{rid}", headers=auth(tokens["candidate"]))
    assert resp.status == 200, await resp.text()
    assert await asyncio.to_thread(pg_rows_naming, pg_url, rid) == {}
    assert not (tmp_path / "volume" / rid).exists()
    assert await client.app[STORE].orphan_room_ids() == set()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockroom", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env},
        timeout=60,
    )


async def test_mockroom_gc_deletes_expired_rooms_on_postgres(
    aiohttp_client: Any, tmp_path: Path, pg_url: str
) -> None:
    client = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-a")))
    old = await create_room(client, bank="behavioral")
    kept = await create_room(client, bank="behavioral")
    notes = await connect(client, old, "interviewer")
    notes.text += "to be collected"
    await notes.wait_text("to be collected", timeout=30)
    await notes.close()
    await client.app[STORE].touch_room(old["room_id"], now=time.time() - 40 * 86_400, force=True)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # an older use never moves it back
        conn.execute(
            "UPDATE room_activity SET last_used_at = %s WHERE room_id = %s",
            (time.time() - 40 * 86_400, old["room_id"]),
        )
    await client.close()

    env = {"MOCKROOM_DATABASE_URL": pg_url}
    dry = await asyncio.to_thread(
        run_cli, "gc", "--data-dir", str(tmp_path / "node-b"), "--dry-run", env=env
    )
    assert dry.returncode == 0, dry.stderr
    assert f"would delete expired room {old['room_id']}" in dry.stdout
    # The flag does what the variable does.
    flag = ["--database-url", pg_url]
    out = await asyncio.to_thread(
        run_cli, "gc", "--data-dir", str(tmp_path / "node-b"), *flag, env={}
    )
    assert out.returncode == 0, out.stderr
    assert f"deleted expired room {old['room_id']}" in out.stdout
    assert await asyncio.to_thread(pg_rows_naming, pg_url, old["room_id"]) == {}
    assert "rooms" in await asyncio.to_thread(pg_rows_naming, pg_url, kept["room_id"])


async def test_two_nodes_write_one_clip_on_the_shared_volume(
    aiohttp_client: Any, tmp_path: Path, pg_url: str
) -> None:
    a = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-a")))
    b = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-b")))
    room = await scripted_room(a)
    clip = await new_clip(a, room)
    cid = clip["clip_id"]
    assert (await new_clip(b, room))["clip_id"] == cid  # the same take through the other node
    chunks = [bytes([65 + n]) * (100 + n) for n in range(4)]

    # A retry that reaches the other node: acknowledged twice, stored and counted once.
    first = await put_chunk(a, room, cid, 0, chunks[0])
    retry = await put_chunk(b, room, cid, 0, chunks[0])
    assert (await first.json())["bytes"] == (await retry.json())["bytes"] == 100
    assert (await put_chunk(b, room, cid, 1, chunks[1])).status == 200

    # Node b read the clip (next chunk 2) just before node a stored chunks 2 and 3: its late
    # write of chunk 2 must be acknowledged without touching the file.
    stale = await b.app[CLIPS].get(room["room_id"], cid)
    assert (await put_chunk(a, room, cid, 2, chunks[2])).status == 200
    assert (await put_chunk(a, room, cid, 3, chunks[3])).status == 200
    late = await b.app[CLIPS].append(stale, chunks[2])
    assert (late.next_seq, late.bytes) == (4, sum(map(len, chunks)))

    # A late finish through node b cuts nothing either.
    finish = await b.post(
        f"/api/rooms/{room['room_id']}/clips/{cid}/finish",
        json={"duration_ms": 4000},
        headers=auth(room["tokens"]["candidate"]),
    )
    assert finish.status == 200 and (await finish.json())["bytes"] == sum(map(len, chunks))
    for node in (a, b):
        media = await node.get(
            f"/api/rooms/{room['room_id']}/clips/{cid}", headers=auth(room["tokens"]["candidate"])
        )
        assert await media.read() == b"".join(chunks)
    assert (tmp_path / "volume" / room["room_id"]).is_dir()
    assert not (tmp_path / "node-a" / "recordings").exists()


async def test_a_store_refuses_an_unreachable_database_in_one_line() -> None:
    from mockroom.storage.postgres import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable) as info:
        await PostgresStore.open("postgresql://nobody:hunter2@127.0.0.1:1/nothing")
    message = str(info.value)
    assert "127.0.0.1:1/nothing" in message and "\n" not in message
    assert "hunter2" not in message  # never the password


async def test_two_nodes_appending_to_one_room_number_its_events_without_gaps(pg_url: str) -> None:
    stores = [await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)]
    try:
        await stores[0].create_room(
            RoomRecord("shared", Mode.PEER, Media.VIDEO, "T", None, None, {}, time.time()), []
        )

        async def append(store: PostgresStore, node: str) -> None:
            for n in range(40):
                await store.append_event("shared", "interview", {"node": node, "n": n})

        # Two pools, each awaiting its round trips: the appends interleave on the database.
        await asyncio.gather(*(append(s, f"n{i}") for i, s in enumerate(stores)))
        events = await stores[1].events("shared")
        assert [e.seq for e in events] == list(range(1, 81))
        for node in ("n0", "n1"):  # each node's own order kept
            assert [e.data["n"] for e in events if e.data["node"] == node] == list(range(40))
    finally:
        for store in stores:
            await store.close()


async def test_a_clip_lock_held_by_one_node_makes_the_other_wait(pg_url: str) -> None:
    a, b = await PostgresStore.open(pg_url), await PostgresStore.open(pg_url)
    try:
        await a.create_room(
            RoomRecord("r1", Mode.SCRIPTED, Media.AUDIO, "T", None, None, {}, time.time()), []
        )
        await a.insert_clip(
            {
                "id": "c1",
                "room_id": "r1",
                "question_id": "q1",
                "take": 1,
                "mime": "audio/webm",
                "extension": "webm",
                "created_at": time.time(),
            }
        )
        order: list[str] = []

        async def node_b() -> None:
            async with b.lock_clip("c1") as row:
                assert row is not None
                order.append(f"b saw next_seq {row['next_seq']}")

        async with a.lock_clip("c1"):
            waiter = asyncio.create_task(node_b())
            await lock_waiters(pg_url)  # b is blocked on the row lock, not done
            assert not waiter.done() and order == []
            await a.count_chunk("c1", 0, 10)
            order.append("a counted")
        await asyncio.wait_for(waiter, timeout=10)
        assert order == ["a counted", "b saw next_seq 1"]
    finally:
        await a.close()
        await b.close()


async def test_connections_cut_by_the_database_cost_one_503_not_the_node(
    aiohttp_client: Any, tmp_path: Path, pg_url: str
) -> None:
    client = await aiohttp_client(create_app(node_settings(tmp_path, pg_url, "node-a")))
    room = await create_room(client)
    path, headers = f"/api/rooms/{room['room_id']}", auth(room["tokens"]["interviewer"])
    assert (await client.get(path, headers=headers)).status == 200
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a database restart, as seen by us
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    statuses = []
    for _ in range(6):  # each pooled connection fails once, then is replaced
        resp = await client.get(path, headers=headers)
        statuses.append(resp.status)
        if resp.status == 200:
            break
        body = await resp.json()
        assert resp.status == 503 and body["error"] == "storage-unavailable", body
    assert statuses[0] == 503 and statuses[-1] == 200, statuses
