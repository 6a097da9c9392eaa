"""The node's link cache (links.cache): a signaling message re-checks its link without a database
round trip, and a withdrawn link still stops everywhere at once: through the cut-off every node
hears (two real nodes, Redis, PostgreSQL), or within the backstop when nobody announced it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from mockroom.errors import MockRoomError
from mockroom.keys import STORE
from mockroom.links.cache import LinkCache
from mockroom.links.sockets import WITHDRAWN
from mockroom.signaling.service import SIGNALING
from mockroom.storage.interface import LinkRecord
from support.cluster import cluster_nodes, join, next_of
from support.http import create_room, make_room
from support.redis import RedisServer
from support.ws import fence, joined

# Far below the backstop (LINK_TTL_S = 5 s): what is cut this fast was cut by the notice.
CUT_WITHIN_S = 1.0


async def test_signaling_messages_read_no_link_rows(client: Any) -> None:
    room = await create_room(client)
    store = client.app[STORE]
    reads: list[str] = []
    find_link = store.find_link

    async def counting(room_id: str, token_hash: str) -> LinkRecord | None:
        reads.append(token_hash)
        found: LinkRecord | None = await find_link(room_id, token_hash)
        return found

    store.find_link = counting
    ana = await joined(client, room, "interviewer")
    assert len(reads) == 1  # the hello reads the link once
    for n in range(30):
        await fence(ana, n)  # a ping, answered: each one a message that re-checks the link
    assert len(reads) == 1 and client.app[SIGNALING].link_cache.reads == 0
    await ana.close()


class FakeStore:
    """find_link only: what the cache reads, with a switch that makes the database unreachable."""

    def __init__(self) -> None:
        self.link: LinkRecord | None = LinkRecord("r1", "candidate", "h1", 0.0, None, None)
        self.down = False
        self.release: asyncio.Event | None = None  # set: a read waits for it (one in flight)

    async def find_link(self, room_id: str, token_hash: str) -> LinkRecord | None:
        if self.down:
            raise MockRoomError("database unavailable")
        if self.release is not None:
            await self.release.wait()
        return self.link


async def test_the_backstop_reads_the_row_again_and_a_refusal_is_final() -> None:
    store = FakeStore()
    now = [0.0]
    cache = LinkCache(store, ttl_s=5.0, clock=lambda: now[0])  # type: ignore[arg-type]
    assert await cache.refusal("r1", "h1") is None and cache.reads == 1
    assert await cache.refusal("r1", "h1") is None and cache.reads == 1  # from the cache
    store.link = LinkRecord("r1", "candidate", "h1", 0.0, None, 99.0)  # withdrawn by hand
    assert await cache.refusal("r1", "h1") is None  # not announced: the backstop has not passed
    now[0] += 5.0
    assert await cache.refusal("r1", "h1") == WITHDRAWN and cache.reads == 2
    # An expiry is the clock's business: no read needed.
    store.link = LinkRecord("r1", "candidate", "h2", 0.0, time.time() - 1, None)
    assert (await cache.refusal("r1", "h2")).code == "link-expired"  # type: ignore[union-attr]


async def test_a_cut_wins_over_a_read_that_was_in_flight() -> None:
    store = FakeStore()
    cache = LinkCache(store)  # type: ignore[arg-type]
    store.release = asyncio.Event()
    reading = asyncio.create_task(cache.refusal("r1", "h1"))  # reads the row as still valid
    await asyncio.sleep(0)  # the read is in flight
    cache.cut("h1", WITHDRAWN)  # the cut-off notice arrives meanwhile
    store.release.set()
    assert await reading == WITHDRAWN
    assert await cache.refusal("r1", "h1") == WITHDRAWN and cache.refused("h1") == WITHDRAWN


async def test_with_the_database_away_the_last_read_goes_on_answering() -> None:
    store = FakeStore()
    now = [0.0]
    cache = LinkCache(store, ttl_s=1.0, clock=lambda: now[0])  # type: ignore[arg-type]
    assert await cache.refusal("r1", "h1") is None
    store.down, now[0] = True, 2.0
    assert await cache.refusal("r1", "h1") is None  # stale, but people keep signaling
    cache.cut("h1", WITHDRAWN)  # and a cut-off still reaches it
    assert await cache.refusal("r1", "h1") == WITHDRAWN


async def cut_quickly(ws: aiohttp.ClientWebSocketResponse) -> float:
    """Seconds until the socket hears it was cut off (the error frame, then its close)."""
    start = time.monotonic()
    cut = await next_of(ws, "error", timeout=CUT_WITHIN_S)
    assert cut["code"] == "link-withdrawn" and cut["fatal"] is True
    async with asyncio.timeout(CUT_WITHIN_S):
        while (await ws.receive()).type != aiohttp.WSMsgType.CLOSE:
            pass
    return time.monotonic() - start


async def test_a_link_withdrawn_through_one_node_stops_on_the_other_at_once(
    tmp_path: Path, redis_server: RedisServer, pg_url: str
) -> None:
    with cluster_nodes(tmp_path, redis_server.url, pg_url) as (a, b):
        async with aiohttp.ClientSession() as http:
            # The candidate's socket on the home, withdrawn through the other node; then one
            # relayed through a node that is not the home, withdrawn through that same node.
            for home, socket_via, renew_via in ((a, a, b), (b, a, a)):
                room = make_room(home.url)
                interviewer, _ = await join(http, home, room, "interviewer")  # claims the home
                candidate, welcome = await join(http, socket_via, room, "candidate")
                assert welcome["type"] == "welcome"
                await candidate.send_json({"type": "ping", "t": 1})  # its link in home's cache
                await next_of(candidate, "pong")
                bearer = {"Authorization": f"Bearer {room['tokens']['interviewer']}"}
                renew = f"{renew_via.url}/api/rooms/{room['room_id']}/links/candidate/renew"
                async with http.post(renew, headers=bearer) as resp:
                    assert resp.status == 200
                assert await cut_quickly(candidate) < CUT_WITHIN_S
                # The withdrawn link cannot come back in through either node.
                for node in (a, b):
                    again, refused = await join(http, node, room, "candidate")
                    assert refused["type"] == "error" and refused["fatal"] is True, refused
                    await again.close()
                await interviewer.close()
