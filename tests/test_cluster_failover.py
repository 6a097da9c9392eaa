"""A room survives its home node: kill -9 the home, its sockets come back through a survivor.

Three `mockroom serve` nodes share Redis and the database. The interviewer reaches one node,
which becomes the room's home; the candidate reaches another, which relays. Killing the home
closes the relayed socket with 1012 (the browser's cue to reconnect) once the dead node's
heartbeat lapses; both come back through live nodes within 10 s, the interview where it was.
Then the new home is killed too, and the room moves once more.
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

from support.cluster import closed_code, cluster_nodes, interview_state, next_of, rejoin
from support.cluster_rooms import seat_two
from support.http import make_room
from support.live_server import stop_server
from support.redis import RedisServer

BACK_WITHIN_S = 10.0


async def test_kill_9_the_home_twice_and_the_room_carries_on(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url, count=3) as (a, b, c):
        room = make_room(a.url, bank="behavioral")
        async with aiohttp.ClientSession() as http:
            interviewer, candidate, _ = await seat_two(http, a, b, room)  # a is home, b relays
            for action in ("start", "begin_question"):
                await interviewer.send_json({"type": "interview", "action": action})
                before = await interview_state(interviewer)
            while not before.get("question"):
                before = await interview_state(interviewer)

            # 1. The home dies. The candidate's relay through b is closed with 1012.
            stop_server(a, kill=True)
            killed = time.monotonic()
            assert await closed_code(candidate, BACK_WITHIN_S) == 1012
            deadline = killed + BACK_WITHIN_S
            candidate, _ = await rejoin(http, b, room, "candidate", deadline)
            interviewer, _ = await rejoin(http, c, room, "interviewer", deadline)
            back = time.monotonic() - killed
            assert back < BACK_WITHIN_S, back
            after = await interview_state(interviewer)
            assert after["phase"] == before["phase"]
            assert after["question"]["id"] == before["question"]["id"]
            seen = await interview_state(candidate)
            assert seen["phase"] == before["phase"]
            # Both can still signal each other through whichever node is home now.
            await interviewer.send_json({"type": "ping", "t": 1})
            await next_of(interviewer, "pong")

            # 2. Now kill the new home (b: the candidate's first socket claimed it).
            home, survivor = (b, c) if b.log().count("joined") else (c, b)
            stop_server(home, kill=True)
            killed = time.monotonic()
            deadline = killed + BACK_WITHIN_S
            candidate, _ = await rejoin(http, survivor, room, "candidate", deadline)
            interviewer, _ = await rejoin(http, survivor, room, "interviewer", deadline)
            assert time.monotonic() - killed < BACK_WITHIN_S
            again = await interview_state(interviewer)
            assert again["question"]["id"] == before["question"]["id"]
            await interviewer.close()
            await candidate.close()


async def test_sockets_relayed_through_a_dead_node_come_back_through_the_survivor(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        async with aiohttp.ClientSession() as http:
            interviewer, candidate, welcome = await seat_two(http, a, b, room)  # b relays
            stop_server(b, kill=True)
            killed = time.monotonic()
            # The home notices that the relaying node left the registry: the seat is "lost"
            # (a drop the person may undo), not a leave.
            left = await next_of(interviewer, "left", timeout=BACK_WITHIN_S)
            assert left["participant_id"] == welcome["participant_id"]
            assert left["reason"] == "lost"
            candidate, _ = await rejoin(http, a, room, "candidate", killed + BACK_WITHIN_S)
            assert (await next_of(interviewer, "joined"))["participant"]["role"] == "candidate"
            await candidate.close()
            await interviewer.close()


async def test_sigterm_hands_the_rooms_over_before_the_node_exits(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    redis = Redis.from_url(redis_server.url, decode_responses=True)
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        room = make_room(a.url)
        lease = f"mockroom:room:{room['room_id']}"
        async with aiohttp.ClientSession() as http:
            interviewer, candidate, _ = await seat_two(http, a, b, room)  # a is home, b relays
            assert f"-{a.port}-" in (await redis.get(lease) or "")  # node ids: host-port-x
            a.process.terminate()  # SIGTERM: drain
            assert await closed_code(interviewer, 10) == 1012
            assert await closed_code(candidate, 10) == 1012
            deadline = time.monotonic() + 5
            candidate, _ = await rejoin(http, b, room, "candidate", deadline)
            interviewer, _ = await rejoin(http, b, room, "interviewer", deadline)
            assert f"-{b.port}-" in (await redis.get(lease) or "")
            await interviewer.close()
            await candidate.close()
    await redis.aclose()
