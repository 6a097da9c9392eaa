"""The room directory and node registry against a real Redis: claim, take-over, renew, release."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from mockroom.cluster.directory import Directory, NodeCard, node_key, room_key
from support.redis import RedisServer


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def node(redis: Redis, name: str) -> Directory:
    directory = Directory(redis, f"{name}-{secrets.token_hex(3)}")
    await directory.heartbeat(NodeCard(directory.node_id, "127.0.0.1:1", rooms=2))
    return directory


async def test_first_claim_wins_and_a_live_home_keeps_its_room(redis: Redis) -> None:
    a, b = await node(redis, "a"), await node(redis, "b")
    room = secrets.token_hex(6)
    assert await a.claim(room) == a.node_id
    assert await b.claim(room) == a.node_id
    assert await a.home_of(room) == a.node_id
    assert 0 < await redis.pttl(room_key(room)) <= 10_000
    cards = {card["node_id"]: card for card in await a.nodes()}
    assert cards[a.node_id]["rooms"] == 2 and b.node_id in cards


async def test_a_room_whose_home_left_the_registry_is_taken_over_at_once(redis: Redis) -> None:
    a, b = await node(redis, "a"), await node(redis, "b")
    room = secrets.token_hex(6)
    assert await a.claim(room) == a.node_id
    await redis.delete(node_key(a.node_id))  # a's heartbeat lapsed (kill -9)
    assert await b.alive([a.node_id, b.node_id]) == {b.node_id: "127.0.0.1:1"}
    assert await b.claim(room) == b.node_id
    # a comes back from a stall: its renewal finds the room gone, and says so.
    assert await a.renew([room]) == {room}
    assert await b.renew([room]) == set()


async def test_release_deletes_only_its_own_lease_and_renew_retakes_a_lapsed_one(
    redis: Redis,
) -> None:
    a, b = await node(redis, "a"), await node(redis, "b")
    room, other = secrets.token_hex(6), secrets.token_hex(6)
    await a.claim(room)
    await b.release([room])  # not b's: compare-and-delete leaves it
    assert await a.home_of(room) == a.node_id
    await a.release([room])
    assert await a.home_of(room) is None
    assert await b.renew([other]) == set()  # nobody held it: b takes it back
    assert await a.home_of(other) == b.node_id
