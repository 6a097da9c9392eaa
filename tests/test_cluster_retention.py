"""The retention sweeper in a cluster: a room in use on another node is not swept.

Two `mockroom serve` nodes on one Redis and one PostgreSQL (tests/support/cluster.py). Node a
sweeps once a second; node b sweeps rarely (its own sweep would keep its room fresh and hide
what a's does). The candidate is in the room through b, its home; the room's last use is then
set to long before the retention time, as if the room had sat open for weeks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

from support.cluster import join, next_of, start_node
from support.cluster_rooms import DAY_S, age_room, last_used
from support.http import auth, make_room
from support.live_server import stop_server
from support.redis import RedisServer

SWEEPS_OFTEN = {"MOCKROOM_SWEEP_INTERVAL_MINUTES": "0.001"}  # the floor: a pass a second
SWEEPS_RARELY = {"MOCKROOM_SWEEP_INTERVAL_MINUTES": "600"}
WAIT_S = 30.0  # a few of a's passes, and b's lease given back (QUIET_RELEASE_S), on a loaded box


async def until(check: Callable[[], bool], what: str) -> None:
    """Another process's doing is seen in the shared database only: look again until it is."""
    deadline = time.monotonic() + WAIT_S
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.2)


async def test_a_room_in_use_on_another_node_is_not_swept(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    a = start_node(tmp_path, "a", redis_server.url, pg_url, env=SWEEPS_OFTEN)
    b = start_node(tmp_path, "b", redis_server.url, pg_url, env=SWEEPS_RARELY)
    redis = Redis.from_url(redis_server.url)
    try:
        room = make_room(b.url, bank="behavioral")
        rid, token = room["room_id"], room["tokens"]["observer"]
        async with aiohttp.ClientSession() as http:
            candidate, welcome = await join(http, b, room, "candidate")  # b is the home
            assert welcome["type"] == "welcome"
            assert (await redis.get(f"mockroom:room:{rid}")) is not None  # b holds the lease
            aged = await asyncio.to_thread(age_room, pg_url, rid, 31)

            # a's sweep finds it expired and asks: it keeps it, as used now (what b's would do),
            # where without asking it deleted it.
            def swept_or_kept() -> bool:
                used = last_used(pg_url, rid)
                return used is None or used > aged + DAY_S

            await until(swept_or_kept, "a's sweeper looked at the room")
            assert await asyncio.to_thread(last_used, pg_url, rid) is not None, (
                "swept while in use on b"
            )
            resp = await http.get(f"{a.url}/api/rooms/{rid}", headers=auth(token))
            assert resp.status == 200, await resp.text()
            await candidate.send_json({"type": "ping", "t": 1})  # the candidate is still in
            assert (await next_of(candidate, "pong"))["t"] == 1

            # Once the candidate has left and b has given the lease back, the room is unused:
            # the same sweeper deletes it after all (so it really was looking at this room).
            await candidate.close()
            deadline = time.monotonic() + WAIT_S
            while await redis.get(f"mockroom:room:{rid}") is not None:
                assert time.monotonic() < deadline, "b kept the lease of a quiet room"
                await asyncio.sleep(0.2)
            await asyncio.to_thread(age_room, pg_url, rid, 31)
            await until(lambda: last_used(pg_url, rid) is None, "a deleted the unused room")
            resp = await http.get(f"{a.url}/api/rooms/{rid}", headers=auth(token))
            assert resp.status == 404
    finally:
        await redis.aclose()
        stop_server(a)
        stop_server(b)
